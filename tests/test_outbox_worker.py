"""The delivery worker in process: delivered once, resent under the same key after a crash, retried, dead-lettered.

Receivers are real: the local webhook server of `test_channels_webhook` and aiosmtpd.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from db_fixtures import database_url, db_engine  # noqa: F401  (fixtures)
from sqlalchemy.engine import Engine
from test_channels_smtp import Mailbox, smtp_server  # noqa: F401  (fixture)
from test_channels_webhook import SECRET, Receiver, receiver  # noqa: F401  (fixture)
from test_outbox_store import contact_status, row, seed

from runtime.channels import ChannelRegistry, ChannelSettings, SmtpChannel, SmtpSettings, WebhookChannel
from runtime.channels.file import read_messages
from runtime.channels.webhook import WebhookSettings
from runtime.db.database import transaction
from runtime.db.tables import WebhookConfig
from runtime.outbox.store import RetryPolicy, counts, lease, outbound
from runtime.outbox.worker import RunStats, load_registry, run_forever, run_once

ROOT = Path(__file__).resolve().parents[1]
NOW_RETRY = RetryPolicy(max_attempts=3, base_seconds=0)  # a failed message is due again at once


def unjudged_once(engine: Engine, registry: Any, owner: str, *args: Any, **options: Any) -> RunStats:
    """`run_once` leasing unjudged: these tests watch the delivery mechanics, not the law at send time
    (tests/test_outbox_sendtime.py)."""
    return run_once(engine, registry, owner, *args, lease_with=lease, **options)


@pytest.fixture
def engine(db_engine: Engine) -> Engine:  # noqa: F811  (the fixture imported above)
    return db_engine


@pytest.fixture
def hook(receiver: tuple[Receiver, str]) -> tuple[Receiver, ChannelRegistry]:  # noqa: F811
    """The webhook receiver and a registry that sends texts to it."""
    found, url = receiver
    return found, ChannelRegistry({"sms": WebhookChannel(WebhookSettings(url, SECRET, timeout=5))})


def test_every_message_is_delivered_once(engine: Engine, hook: tuple[Receiver, ChannelRegistry]) -> None:
    found, registry = hook
    ids = seed(engine, 5)
    stats = unjudged_once(engine, registry, "w1")
    assert (stats.leased, stats.delivered, stats.duplicates) == (5, 5, 0)
    assert sorted(found.raw) == sorted(row(engine, i).idempotency_key for i in ids)
    assert all(row(engine, i).status == "delivered" and contact_status(engine, i) == "delivered" for i in ids)
    assert unjudged_once(engine, registry, "w1").leased == 0


def test_a_crash_after_the_send_resends_under_the_same_key(
    engine: Engine, hook: tuple[Receiver, ChannelRegistry]
) -> None:
    found, registry = hook
    (first,) = seed(engine, 1)
    # The crashed worker leased the message (its lease has run out by now) and sent it, then died.
    (held,) = lease(engine, "crashed", seconds=1, now=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5))
    channel = registry.channel_for("sms")
    assert channel is not None
    channel.deliver(outbound(held), held.idempotency_key)
    stats = unjudged_once(engine, registry, "w2")
    assert (stats.delivered, stats.duplicates) == (1, 1)
    assert found.raw == [held.idempotency_key] * 2 and list(found.messages) == [held.idempotency_key]
    assert row(engine, first).attempts == 2


def test_a_failed_send_is_retried(engine: Engine, hook: tuple[Receiver, ChannelRegistry]) -> None:
    found, registry = hook
    (first,) = seed(engine, 1)
    found.answers.append(503)
    stats = unjudged_once(engine, registry, "w1", policy=NOW_RETRY)
    assert (stats.retried, row(engine, first).status, row(engine, first).last_error) == (
        1,
        "pending",
        "webhook: answered 503",
    )
    assert unjudged_once(engine, registry, "w1", policy=NOW_RETRY).delivered == 1
    assert row(engine, first).last_error is None and len(found.messages) == 1


def test_a_refused_message_is_a_dead_letter(engine: Engine, hook: tuple[Receiver, ChannelRegistry]) -> None:
    found, registry = hook
    (first,) = seed(engine, 1)
    found.answers.append(400)
    assert unjudged_once(engine, registry, "w1").dead == 1
    assert (row(engine, first).status, contact_status(engine, first)) == ("dead", "failed")


def test_too_many_failures_make_a_dead_letter(engine: Engine, hook: tuple[Receiver, ChannelRegistry]) -> None:
    found, registry = hook
    (first,) = seed(engine, 1)
    found.answers.extend([503, 503, 503])
    outcomes = [unjudged_once(engine, registry, "w1", policy=NOW_RETRY) for _ in range(3)]
    assert [(s.retried, s.dead) for s in outcomes] == [(1, 0), (1, 0), (0, 1)]
    assert row(engine, first).attempts == 3 and not found.messages


class Broken:
    """A channel with a bug."""

    name = "broken"

    def deliver(self, message: object, idempotency_key: str) -> object:
        raise KeyError("a bug")


def test_a_broken_channel_does_not_stop_the_worker(engine: Engine) -> None:
    (first,) = seed(engine, 1)
    stats = unjudged_once(engine, ChannelRegistry({"sms": Broken()}), "w1", policy=NOW_RETRY)  # type: ignore[dict-item]
    assert stats.retried == 1 and row(engine, first).last_error == "unexpected KeyError"


def test_channels_without_a_route_wait_for_the_api(engine: Engine, hook: tuple[Receiver, ChannelRegistry]) -> None:
    _found, registry = hook
    seed(engine, 2, "letter")
    assert unjudged_once(engine, registry, "w1").leased == 0
    assert unjudged_once(engine, ChannelRegistry({}), "w1").leased == 0
    assert counts(engine) == {"pending": 2}


def test_email_end_to_end_over_smtp(engine: Engine, smtp_server: tuple[Mailbox, int]) -> None:  # noqa: F811
    mailbox, port = smtp_server
    ids = seed(engine, 2, "email")
    registry = ChannelRegistry({"email": SmtpChannel(SmtpSettings("127.0.0.1", port, "billing@clinic.example"))})
    assert unjudged_once(engine, registry, "w1").delivered == 2
    expected = {f"<{row(engine, i).idempotency_key}@clinic.example>" for i in ids}
    assert set(mailbox.unique()) == expected


def test_the_apis_webhook_target_is_used(engine: Engine, hook: tuple[Receiver, ChannelRegistry]) -> None:
    _found, registry = hook
    sms = registry.channel_for("sms")
    assert isinstance(sms, WebhookChannel)
    with transaction(engine) as session:
        session.add(
            WebhookConfig(id="default", url=sms.settings.url, secret=SECRET, channels=["sms"], created_by="ops")
        )
    loaded = load_registry(engine, ChannelSettings.from_env({"PARLEY_CHANNEL_ROUTES": "letter=file"}))
    assert loaded.pushed == ("letter", "sms")
    chosen = loaded.channel_for("sms")
    assert isinstance(chosen, WebhookChannel) and chosen.settings.url == sms.settings.url


def test_run_forever_delivers_until_stopped(engine: Engine, hook: tuple[Receiver, ChannelRegistry]) -> None:
    found, registry = hook
    seed(engine, 3)
    stop = threading.Event()
    worker = threading.Thread(
        target=run_forever, args=(engine, lambda: registry, "w1", stop, 0.05), kwargs={"lease_with": lease}
    )
    worker.start()
    deadline = time.monotonic() + 10
    while len(found.messages) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    seed(engine, 2)  # arrives while the worker runs
    while len(found.messages) < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    worker.join(5)
    assert not worker.is_alive() and len(found.messages) == 5 and counts(engine) == {"delivered": 5}


def test_logs_carry_ids_never_phi(
    engine: Engine, hook: tuple[Receiver, ChannelRegistry], caplog: pytest.LogCaptureFixture
) -> None:
    found, registry = hook
    ids = seed(engine, 3)
    found.answers.append(503)
    caplog.set_level(logging.DEBUG)
    unjudged_once(engine, registry, "w1", policy=NOW_RETRY)
    unjudged_once(engine, registry, "w1", policy=NOW_RETRY)
    text = caplog.text
    assert f"outbox={ids[0]}" in text and "account=acct-1" in text
    for secret in ("+1555", "message 0", "Reply STOP", "America/New_York"):
        assert secret not in text


def test_the_command_delivers_to_the_development_file(engine: Engine, database_url: str, tmp_path: Path) -> None:  # noqa: F811
    ids = seed(engine, 3, "letter")
    out = tmp_path / "outbox.jsonl"
    env = {**os.environ, "PARLEY_OUTBOX_FILE": str(out), "PARLEY_CHANNEL_ROUTES": "*=file"}
    command = [sys.executable, "-m", "runtime.outbox.worker", "--database-url", database_url, "--once"]
    command += ["--policies", str(ROOT / "tests" / "fixtures" / "no_packs")]  # the mechanics alone
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    written = list(read_messages(out))
    assert [m["outbox_id"] for m in written] == ids and written[0]["message"][
        "body"
    ] == "message 0. Reply STOP to stop texts."
    assert counts(engine) == {"delivered": 3}
    assert "Reply STOP" not in done.stderr and "+1555" not in done.stderr and f"outbox={ids[0]}" in done.stderr


SLOW_LEASE = 3.0  # long enough that a loaded CI machine still sends the first message within the lease


class Slow:
    """A channel that takes longer than the lease."""

    name = "slow"

    def __init__(self, inner: WebhookChannel) -> None:
        self.inner = inner

    def deliver(self, message: Any, idempotency_key: str) -> Any:
        time.sleep(SLOW_LEASE + 0.1)
        return self.inner.deliver(message, idempotency_key)


def test_a_batch_that_outlives_its_lease_leaves_the_rest(
    engine: Engine, hook: tuple[Receiver, ChannelRegistry]
) -> None:
    found, registry = hook
    ids = seed(engine, 3)
    webhook = registry.channel_for("sms")
    assert isinstance(webhook, WebhookChannel)
    stats = unjudged_once(engine, ChannelRegistry({"sms": Slow(webhook)}), "w1", lease_seconds=SLOW_LEASE)  # type: ignore[dict-item]
    assert (stats.leased, stats.delivered, stats.lost) == (3, 1, 2)
    assert unjudged_once(engine, registry, "w2").delivered == 2
    assert len(found.raw) == 3 and sorted(found.messages) == sorted(row(engine, i).idempotency_key for i in ids)
