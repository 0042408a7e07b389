"""The delivery worker: lease due messages, hand each to its channel, mark it after the channel confirms.

Exactly once to the outside world, by this order of steps:

1. lease (a committed transaction per message): the guard judges the message again at this
   moment, at the lease's start and end (`runtime.service.sendtime`: a late message is postponed
   or cancelled, never sent outside the law's hours); the row is ours until the lease runs out;
2. `channel.deliver(message, key)`: the key is the message's stable `contact-{id}`;
3. `mark_delivered` (another transaction) only after the channel confirmed.

A crash (even `kill -9`) between 2 and 3 leaves the row leased; the lease runs out and the message
is sent again under the same key, which the receiver drops as a duplicate (the webhook's receiver
by `Idempotency-Key`, email by `Message-ID`, the file channel by itself). A crash before 2 only
costs a lease. `tests/test_outbox_kill9.py` kills this worker at random points to show it.

Run it: `python -m runtime.outbox.worker [--database-url URL] [--policies DIR] [--once]`; channels come from the
`PARLEY_*` settings (`runtime.channels.registry`) and the API's webhook push target. Logs carry
outbox, contact and account ids only: never an address or any text of a message.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import signal
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from runtime.channels.base import DeliveryError
from runtime.channels.registry import ChannelRegistry, ChannelSettings, build_registry
from runtime.db.database import make_engine, read_session
from runtime.db.tables import OutboxRow, WebhookConfig
from runtime.files import load_guard_rules
from runtime.outbox.store import Lease, LeaseLost, RetryPolicy, mark_delivered, mark_failed, outbound
from runtime.service.plans import PlanService
from runtime.service.sendtime import SendTimeGuard, leasing

log = logging.getLogger(__name__)


@dataclass
class RunStats:
    """What one pass did."""

    leased: int = 0
    delivered: int = 0
    duplicates: int = 0  # the receiver had the key already: a resend after a crash
    retried: int = 0
    dead: int = 0
    lost: int = 0  # the lease ran out mid-send and another holder took over

    def add(self, other: RunStats) -> None:
        """Add another pass's figures to these."""
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def default_owner() -> str:
    """A lease owner name unique to this process."""
    return f"worker:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_once(
    engine: Engine,
    registry: ChannelRegistry,
    owner: str,
    limit: int = 20,
    lease_seconds: float = 60.0,
    policy: RetryPolicy | None = None,
    *,
    lease_with: Lease,
) -> RunStats:
    """Lease up to `limit` due messages of the channels `registry` pushes and deliver each.

    `lease_with`: how to lease, which every caller names: through the guard
    (`runtime.service.sendtime.leasing`), as `main` does, or unjudged (`runtime.outbox.store.lease`)
    in tests of the delivery mechanics alone.
    """
    stats = RunStats()
    pushed = registry.pushed
    if not pushed:
        return stats
    for row in lease_with(engine, owner, limit, lease_seconds, pushed):
        stats.leased += 1
        if row.lease_until is not None and dt.datetime.now(dt.UTC) >= row.lease_until:
            # Slow sends ate the batch's lease: another worker may hold this one now. Leave it.
            stats.lost += 1
            log.warning("lease ran out before the send outbox=%s", row.id)
            continue
        deliver_one(engine, registry, owner, row, stats, policy)
    return stats


def deliver_one(
    engine: Engine, registry: ChannelRegistry, owner: str, row: OutboxRow, stats: RunStats, policy: RetryPolicy | None
) -> None:
    """Send one leased message and record what happened."""
    assert row.id is not None
    ids = f"outbox={row.id} contact={row.contact_id} account={row.account_id} channel={row.channel}"
    channel = registry.channel_for(row.channel)
    try:
        if channel is None:
            raise DeliveryError(f"no channel delivers `{row.channel}` messages")
        try:
            message = outbound(row)
        except (KeyError, TypeError, ValueError):
            raise DeliveryError("the stored message cannot be read", permanent=True) from None
        receipt = channel.deliver(message, row.idempotency_key)
    except DeliveryError as problem:
        fail(engine, owner, row, problem.reason, problem.permanent, stats, policy, ids)
        return
    except Exception as problem:  # a bug in a channel must not stop the worker: retry later
        fail(engine, owner, row, f"unexpected {type(problem).__name__}", False, stats, policy, ids)
        return
    if mark_delivered(engine, row.id):
        stats.delivered += 1
    if receipt.duplicate:
        stats.duplicates += 1
    log.info("delivered %s attempt=%s duplicate=%s", ids, row.attempts, receipt.duplicate)


def fail(
    engine: Engine,
    owner: str,
    row: OutboxRow,
    reason: str,
    permanent: bool,
    stats: RunStats,
    policy: RetryPolicy | None,
    ids: str,
) -> None:
    """Record a failed send: retried later, or dead."""
    assert row.id is not None
    try:
        after = mark_failed(engine, row.id, owner, reason, permanent, policy)
    except LeaseLost:
        stats.lost += 1
        log.warning("lease lost %s", ids)
        return
    if after.status == "dead":
        stats.dead += 1
        log.error("dead letter %s attempts=%s reason=%s", ids, after.attempts, reason)
    else:
        stats.retried += 1
        log.warning("retry %s attempts=%s reason=%s", ids, after.attempts, reason)


def load_registry(engine: Engine, settings: ChannelSettings) -> ChannelRegistry:
    """The registry for `settings`, with the API's active webhook push target (if any) on top."""
    with read_session(engine) as session:  # built inside: the session's rollback expires the row
        config = session.get(WebhookConfig, "default")
        return build_registry(settings, config if config is not None and config.active else None)


def run_forever(
    engine: Engine,
    registry: ChannelRegistry | Callable[[], ChannelRegistry],
    owner: str | None = None,
    stop: threading.Event | None = None,
    poll_seconds: float = 1.0,
    limit: int = 20,
    lease_seconds: float = 60.0,
    policy: RetryPolicy | None = None,
    *,
    lease_with: Lease,
) -> RunStats:
    """Deliver until `stop` is set, resting `poll_seconds` whenever nothing is due.

    `registry` may be a function: it is called again whenever the worker rests, so a webhook
    target changed through the API takes effect without a restart.
    """
    owner = owner or default_owner()
    stop = stop or threading.Event()
    total = RunStats()
    current = registry() if callable(registry) else registry
    log.info("outbox worker %s started, pushing %s", owner, ",".join(current.pushed))
    if not current.pushed:
        log.warning("no channel is routed (PARLEY_CHANNEL_ROUTES): messages wait for the API's pull")
    while not stop.is_set():
        stats = run_once(engine, current, owner, limit, lease_seconds, policy, lease_with=lease_with)
        total.add(stats)
        if stats.leased == 0:
            stop.wait(poll_seconds)
            if callable(registry):
                current = registry()
    log.info("outbox worker %s stopped: delivered=%s dead=%s", owner, total.delivered, total.dead)
    return total


def main(argv: list[str] | None = None) -> int:
    """`python -m runtime.outbox.worker`: run the worker until SIGTERM or SIGINT (or one pass with `--once`)."""
    parser = argparse.ArgumentParser(prog="python -m runtime.outbox.worker", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: PARLEY_DATABASE_URL, else var/parley.db")
    parser.add_argument("--owner", default=None, help="the lease owner name (default: host, pid and a random tag)")
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    parser.add_argument("--limit", type=int, default=20, help="messages leased per pass")
    parser.add_argument("--lease-seconds", type=float, default=60.0, help="how long a lease lasts")
    parser.add_argument("--poll-seconds", type=float, default=1.0, help="rest when nothing is due")
    parser.add_argument(
        "--policies",
        type=Path,
        default=Path(os.environ.get("PARLEY_POLICIES", "policies")),
        help="the policy packs each message is judged by when it goes out (default: PARLEY_POLICIES, else policies)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("PARLEY_LOG_LEVEL", "INFO"), format="%(asctime)s %(name)s %(message)s")
    try:
        rules = load_guard_rules(args.policies)
    except ValueError as problem:
        log.error("the worker sends nothing the guard has not judged: %s", problem)
        return 2
    engine = make_engine(args.database_url)
    settings = ChannelSettings.from_env()
    owner = args.owner or default_owner()
    judged = leasing(SendTimeGuard(rules, PlanService(), f"worker:{owner}"))
    try:
        if args.once:
            registry = load_registry(engine, settings)
            stats = run_once(engine, registry, owner, args.limit, args.lease_seconds, lease_with=judged)
            log.info("one pass: leased=%s delivered=%s dead=%s", stats.leased, stats.delivered, stats.dead)
            return 0
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        run_forever(
            engine,
            lambda: load_registry(engine, settings),
            owner,
            stop,
            args.poll_seconds,
            args.limit,
            args.lease_seconds,
            lease_with=judged,
        )
        return 0
    finally:
        engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
