"""Every message judged again by the guard at the moment it is handed to a sender.

decide reserves a contact at an instant the guard allowed: the step's best time, inside
08:00–21:00 in every time zone the patient may be in, with the caps counted then. The message can
go out later than that — the delivery worker was down, a failed send's backoff carried it past
nine in the evening, an outreach system pulled late — and the law applies to when it goes out
(Regulation F's inconvenient times, 12 CFR 1006.6(b)(1)(i); the TCPA's calling hours,
47 CFR 64.1200(c)(1)). So the worker and the API's pull lease take messages through `lease_judged`:

- each due message is judged on the account's ledger as it is now (its own row left out), at the
  lease's start and at its end, the latest it may go out under this lease;
- allowed at both: leased;
- refused, with a `next_allowed_at` no later than `MAX_DELAY` after the time decide planned it
  for (the morning after a worker's night outage, the end of a cap's window): postponed — the
  contact moves to that instant (`planned_at` keeps the first plan, so postponing again does not
  stretch the limit) and the message waits, to be judged again then;
- refused otherwise (consent revoked, a cease notice, or it could not go out within `MAX_DELAY`):
  cancelled, as `runtime.service.recheck` cancels; a day-old reminder is stale, and the strategy
  decides afresh.

Postponements and cancellations are audited on the account. Each message is judged in its own
transaction under its account's lock, taken before the message's own, as decide and recheck take
them, so none of them waits on the other in a cycle; a message whose account another holds is
skipped until the next pass.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from engine.decide import GuardAnswer
from engine.guard import GuardRules
from runtime.db.database import is_sqlite, transaction
from runtime.db.tables import AccountRow, ContactRow, OutboxRow
from runtime.outbox.store import PENDING, Lease, buried, due_messages, locking, take, utcnow
from runtime.service.plans import PlanService, organizations
from runtime.service.recheck import broken, cancel, collector, judged, without
from runtime.store import audit
from runtime.store.accounts import load_account
from runtime.store.hot_pg import utc

log = logging.getLogger(__name__)

MAX_DELAY = dt.timedelta(hours=24)


@dataclass(frozen=True)
class SendTimeGuard:
    """What judging a message at send time needs: the packs, the live plans (who collects), an actor."""

    rules: GuardRules
    plans: PlanService
    actor: str
    as_of: dt.datetime | None = None  # judge as at this instant, not now: a simulated day's clock


def lease_judged(
    engine: Engine,
    owner: str,
    limit: int,
    seconds: float,
    channels: Collection[str] | None,
    guard: SendTimeGuard,
    now: dt.datetime | None = None,
) -> list[OutboxRow]:
    """Up to `limit` due messages the guard allows now, leased to `owner` for `seconds` (oldest first)."""
    now = now or utcnow()
    leased = []
    for outbox_id, account_id in candidates(engine, now, channels, limit):
        with transaction(engine) as session:
            row = lease_one(session, outbox_id, account_id, owner, seconds, guard, now)
        if row is not None:
            leased.append(row)
    return leased


def leasing(guard: SendTimeGuard) -> Lease:
    """`lease_judged` with `guard` bound: the worker's way to lease."""

    def lease(
        engine: Engine, owner: str, limit: int, seconds: float, channels: Collection[str] | None
    ) -> list[OutboxRow]:
        return lease_judged(engine, owner, limit, seconds, channels, guard)

    return lease


def candidates(engine: Engine, now: dt.datetime, channels: Collection[str] | None, limit: int) -> list[tuple[int, str]]:
    """The outbox and account ids of messages due now, read without locks (each is locked when judged)."""
    with transaction(engine) as session:
        rows = session.exec(due_messages(now, channels).limit(limit)).all()
        return [(int(row.id or 0), row.account_id) for row, _ in rows]


def lease_one(
    session: Session,
    outbox_id: int,
    account_id: str,
    owner: str,
    seconds: float,
    guard: SendTimeGuard,
    now: dt.datetime,
) -> OutboxRow | None:
    """Judge one message under its account's lock and lease it when allowed; None otherwise."""
    if not account_free(session, account_id):
        return None  # another worker or a decision holds the account: its message waits for the next pass
    query = locking(due_messages(now).where(col(OutboxRow.id) == outbox_id), session)
    found = session.exec(query.execution_options(populate_existing=True)).first()
    if found is None:
        return None  # another holder took it, or it was delivered or cancelled meanwhile
    message, contact = found
    if buried(message, contact):
        return None
    sending = guard.as_of or now
    refusal = refused_at_send(session, contact, message, guard, (sending, sending + dt.timedelta(seconds=seconds)))
    if refusal is None:
        return take(message, owner, now, seconds)
    settle(session, contact, message, refusal, guard.actor, sending)
    return None


def refused_at_send(
    session: Session,
    contact: ContactRow,
    message: OutboxRow,
    guard: SendTimeGuard,
    moments: tuple[dt.datetime, ...],
) -> GuardAnswer | None:
    """The guard's refusal of the message at the first of `moments` it refuses; None when it allows all."""
    organization = collector(session, contact.account_id, organizations(guard.plans, session))
    latest = (planned(contact) or moments[0]) + MAX_DELAY
    # Read once: the account's lock keeps anything new from landing between the moments.
    account, ledger = load_account(session, contact.account_id, moments[0])
    ledger = without(ledger, contact)
    for moment in moments:
        answer = judged(account, ledger, guard.rules, organization, moment, contact, message, latest)
        if not answer.allowed:
            return answer
    return None


def settle(
    session: Session, contact: ContactRow, message: OutboxRow, refusal: GuardAnswer, actor: str, now: dt.datetime
) -> None:
    """Postpone a refused message to the guard's next allowed instant when that comes soon enough; else cancel it."""
    rules_broken = broken(refusal)
    first = planned(contact) or now
    later = refusal.next_allowed_at
    entry: dict[str, object] = {"contact": contact.id, "channel": contact.channel, "rules": rules_broken}
    if later is not None and now < later <= first + MAX_DELAY:
        contact.planned_at, contact.at = first, later  # a second postponement still counts from the first plan
        message.status, message.lease_owner, message.lease_until = PENDING, None, None
        entry["until"] = later.astimezone(dt.UTC).isoformat()
        audit.append(session, actor, "contacts.postpone", f"account:{contact.account_id}", entry, now)
        log.info("account %s: contact %s postponed at send time", contact.account_id, contact.id)
        return
    cancel(contact, message, rules_broken)
    hours = f"{MAX_DELAY.total_seconds() / 3600:.0f}"
    message.last_error = f"not sent: the guard refuses it at send time and up to {hours} hours after its planned time"
    message.last_error += f" ({', '.join(rules_broken)})"
    audit.append(session, actor, "contacts.cancel", f"account:{contact.account_id}", {"cancelled": [entry]}, now)
    log.info("account %s: contact %s cancelled at send time", contact.account_id, contact.id)


def planned(contact: ContactRow) -> dt.datetime | None:
    """The time decide planned the contact for (its `at` until the guard postponed it)."""
    return utc(contact.planned_at) or utc(contact.at)


def account_free(session: Session, account_id: str) -> bool:
    """Lock the account's row for this transaction unless another holds it (PostgreSQL `SKIP LOCKED`:
    workers spread over accounts instead of queueing on one; SQLite's write transaction already holds
    the database); False when it is held, or gone (its outbox rows go with it)."""
    query = select(AccountRow.account_id).where(AccountRow.account_id == account_id)
    if not is_sqlite(session):
        query = query.with_for_update(skip_locked=True, of=AccountRow)  # type: ignore[arg-type]
    return session.exec(query).first() is not None
