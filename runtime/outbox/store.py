"""The outbox table's operations: enqueue with the ledger row, lease, acknowledge, retry, dead letters.

A message is written by `enqueue` in the caller's transaction, the same one that reserves its
contact in the ledger: both are committed or neither is. Its idempotency key is `contact-{id}`,
stable for the message's whole life, so every send of it carries the same key.

Life of a row (`status`):

- `pending`: waiting; `lease_until` (when set) is the earliest time of its next attempt (backoff).
- `leased`: a worker (or an outreach system pulling through the API) holds it until `lease_until`;
  `attempts` counts leases. A lease that runs out (its holder crashed) makes the row leasable again.
- `delivered`: the channel confirmed; `delivered_at` set. Final.
- `dead`: given up (a permanent failure, too many failures, or its contact was cancelled). A dead
  letter can be put back with `requeue`.

Leasing on PostgreSQL uses `FOR UPDATE SKIP LOCKED`, so workers never wait for each other; on
SQLite the write transaction (`BEGIN IMMEDIATE`) serializes them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from runtime.channels.base import Outbound
from runtime.db.database import is_sqlite, read_session, transaction
from runtime.db.tables import ContactRow, OutboxRow
from runtime.render import RenderedMessage

log = logging.getLogger(__name__)

PENDING, LEASED, DELIVERED, DEAD = "pending", "leased", "delivered", "dead"
CANCELLED_REASON = "cancelled: the contact was cancelled before delivery"

# How a deliverer leases: (engine, owner, limit, seconds, channels) -> the rows it now holds.
Lease = Callable[[Engine, str, int, float, Collection[str] | None], list[OutboxRow]]


class LeaseLost(LookupError):
    """The row is not leased by this owner (never was, or its lease ran out and another took it)."""

    def __init__(self, outbox_id: int, owner: str) -> None:
        super().__init__(f"outbox message {outbox_id} is not leased by `{owner}`")
        self.outbox_id = outbox_id
        self.owner = owner


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before retrying a failed send: exponential backoff, then dead."""

    max_attempts: int = 8
    base_seconds: float = 30.0
    max_seconds: float = 3600.0

    def delay(self, attempts: int) -> dt.timedelta:
        """The wait after the `attempts`-th failed attempt: 30 s, 60 s, 120 s … up to an hour."""
        return dt.timedelta(seconds=min(self.max_seconds, self.base_seconds * 2 ** max(attempts - 1, 0)))


def utcnow() -> dt.datetime:
    """The current instant, in UTC."""
    return dt.datetime.now(dt.UTC)


def idempotency_key(contact_id: int) -> str:
    """The key a contact's message carries to the outside world, on every send."""
    return f"contact-{contact_id}"


def enqueue(session: Session, contact: ContactRow, message: RenderedMessage, to: str | None = None) -> OutboxRow:
    """Queue `message` for `contact` in the caller's transaction (the one that reserved the contact).

    `to` is the address or number the message goes to (the contact point the caller chose).
    """
    if contact.id is None:
        session.flush()  # the contact needs its id for the key
    if contact.id is None:
        raise ValueError("the contact must be added to the session before its message is queued")
    if message.channel != contact.channel:
        raise ValueError(f"a `{message.channel}` message cannot go out for a `{contact.channel}` contact")
    row = OutboxRow(
        contact_id=contact.id,
        account_id=contact.account_id,
        channel=contact.channel,
        idempotency_key=idempotency_key(contact.id),
        message={**message.to_json(), "to": to},
        status=PENDING,
    )
    session.add(row)
    session.flush()
    return row


def enqueue_many(session: Session, items: Sequence[tuple[Queued, RenderedMessage, str | None]]) -> list[int]:
    """`enqueue` for several contacts at once (decide's hot path): one multi-row INSERT; the ids in order.

    Each item is (contact, message, to); a contact needs its id, `account_id` and `channel`.
    """
    from runtime.store.hot import INSERT_OUTBOX, insert_many  # the store's Core statements, built once

    rows = []
    for contact, message, to in items:
        if message.channel != contact.channel:
            raise ValueError(f"a `{message.channel}` message cannot go out for a `{contact.channel}` contact")
        rows.append(
            {
                "contact_id": contact.id,
                "account_id": contact.account_id,
                "channel": contact.channel,
                "idempotency_key": idempotency_key(contact.id),
                "message": {**message.to_json(), "to": to},
                "status": PENDING,
                "attempts": 0,
                "created_at": utcnow(),
            }
        )
    return insert_many(session, INSERT_OUTBOX, rows)


class Queued(Protocol):
    """A stored contact as `enqueue_many` reads it (a `ContactRow` or `runtime.store.ledger.Reserved`)."""

    @property
    def id(self) -> int: ...

    @property
    def account_id(self) -> str: ...

    @property
    def channel(self) -> str: ...


def outbound(row: OutboxRow) -> Outbound:
    """The row as a channel sees it."""
    if row.id is None:
        raise ValueError("the outbox row has not been stored")
    data: dict[str, Any] = dict(row.message)
    return Outbound(
        row.id, row.contact_id, row.account_id, row.channel, RenderedMessage.from_json(data), data.get("to")
    )


def lease(
    engine: Engine,
    owner: str,
    limit: int = 10,
    seconds: float = 60.0,
    channels: Collection[str] | None = None,
    now: dt.datetime | None = None,
) -> list[OutboxRow]:
    """Up to `limit` messages due now, leased to `owner` for `seconds` (oldest first), unjudged.

    The delivery mechanics alone: the worker and the API lease through
    `runtime.service.sendtime.lease_judged`, which asks the guard again at the moment of sending.
    `channels` limits the lease to those channels (a worker leases only what its registry can
    deliver). A message whose contact was cancelled is made a dead letter instead of being leased.
    """
    now = now or utcnow()
    with transaction(engine) as session:
        leased = [
            take(row, owner, now, seconds)
            for row, contact in session.exec(locking(due_messages(now, channels).limit(limit), session)).all()
            if not buried(row, contact)
        ]
        session.flush()
    return leased


def due_messages(now: dt.datetime, channels: Collection[str] | None = None) -> Any:
    """The query for messages due at `now` with their contacts, oldest first.

    Due: its contact's time has come (decide chose that time inside the step's window and the
    guard cleared it: not a minute earlier), and pending and past any backoff, or leased with a
    lease that ran out.
    """
    query = (
        select(OutboxRow, ContactRow)
        .join(ContactRow, col(ContactRow.id) == col(OutboxRow.contact_id))
        .where(col(OutboxRow.status).in_((PENDING, LEASED)))
        .where(col(ContactRow.at) <= now)
        .where(sa.or_(col(OutboxRow.lease_until).is_(None), col(OutboxRow.lease_until) <= now))
        .order_by(col(OutboxRow.id))
    )
    if channels is not None:
        query = query.where(col(OutboxRow.channel).in_(tuple(channels)))
    return query


def locking(query: Any, session: Session) -> Any:
    """`query` locking the outbox rows it reads, skipping rows another holder has locked (PostgreSQL;
    SQLite's write transaction already holds the database)."""
    return query if is_sqlite(session) else query.with_for_update(skip_locked=True, of=OutboxRow)


def buried(row: OutboxRow, contact: ContactRow) -> bool:
    """Make the message of a cancelled contact a dead letter; whether it was one."""
    if contact.status != "cancelled":
        return False
    row.status, row.lease_owner, row.lease_until, row.last_error = DEAD, None, None, CANCELLED_REASON
    log.info("outbox %s dead: contact %s cancelled", row.id, row.contact_id)
    return True


def take(row: OutboxRow, owner: str, now: dt.datetime, seconds: float) -> OutboxRow:
    """Lease the (locked) row to `owner` for `seconds` from `now`."""
    row.status, row.lease_owner = LEASED, owner
    row.lease_until = now + dt.timedelta(seconds=seconds)
    row.attempts += 1
    return row


def mark_delivered(engine: Engine, outbox_id: int, now: dt.datetime | None = None) -> bool:
    """Record that the channel confirmed the message; False when it was already delivered.

    Whoever holds the lease, a confirmed delivery is a fact: the row becomes delivered and its
    contact too.
    """
    now = now or utcnow()
    with transaction(engine) as session:
        row = locked(session, outbox_id)
        if row is None:
            raise LookupError(f"there is no outbox message {outbox_id}")
        if row.status == DELIVERED:
            return False
        delivered(session, row, now)
    return True


def delivered(session: Session, row: OutboxRow, now: dt.datetime) -> None:
    """Mark a locked row and its contact delivered: the lease ends and an earlier error is past."""
    row.status, row.delivered_at, row.lease_owner, row.lease_until = DELIVERED, now, None, None
    row.last_error = None
    set_contact_status(session, row.contact_id, "delivered")


def acknowledge(engine: Engine, outbox_id: int, owner: str, now: dt.datetime | None = None) -> OutboxRow:
    """An outreach system that pulled the message says it went out; raises `LeaseLost` if it is not theirs.

    Acknowledging twice is fine: the second time returns the delivered row.
    """
    now = now or utcnow()
    with transaction(engine) as session:
        row = locked(session, outbox_id)
        if row is None:
            raise LookupError(f"there is no outbox message {outbox_id}")
        if row.status == DELIVERED:
            return row
        if row.status != LEASED or row.lease_owner != owner:
            raise LeaseLost(outbox_id, owner)
        delivered(session, row, now)
        session.flush()
        return row


def mark_failed(
    engine: Engine,
    outbox_id: int,
    owner: str,
    reason: str,
    permanent: bool = False,
    policy: RetryPolicy | None = None,
    now: dt.datetime | None = None,
) -> OutboxRow:
    """A send failed: back to pending after a backoff, or dead when permanent or out of attempts.

    `reason` is stored as `last_error`: it must hold no PHI (channels' reasons never do). Raises
    `LeaseLost` when `owner` no longer holds the lease (another holder decides now).
    """
    policy = policy or RetryPolicy()
    now = now or utcnow()
    with transaction(engine) as session:
        row = locked(session, outbox_id)
        if row is None:
            raise LookupError(f"there is no outbox message {outbox_id}")
        if row.status != LEASED or row.lease_owner != owner:
            raise LeaseLost(outbox_id, owner)
        row.last_error, row.lease_owner = reason[:500], None
        if permanent or row.attempts >= policy.max_attempts:
            row.status, row.lease_until = DEAD, None
            set_contact_status(session, row.contact_id, "failed")
        else:
            row.status, row.lease_until = PENDING, now + policy.delay(row.attempts)
        session.flush()
        return row


def requeue(engine: Engine, outbox_id: int) -> OutboxRow:
    """Put a dead letter back in the queue with a fresh count of attempts (after fixing its cause)."""
    with transaction(engine) as session:
        row = locked(session, outbox_id)
        if row is None or row.status != DEAD:
            raise LookupError(f"outbox message {outbox_id} is not a dead letter")
        row.status, row.attempts, row.lease_until, row.lease_owner = PENDING, 0, None, None
        set_contact_status(session, row.contact_id, "reserved")
        session.flush()
        return row


def dead_letters(engine: Engine, limit: int = 100) -> list[OutboxRow]:
    """The dead letters, oldest first."""
    with read_session(engine) as session:
        query = select(OutboxRow).where(OutboxRow.status == DEAD).order_by(col(OutboxRow.id)).limit(limit)
        rows = list(session.exec(query).all())
        session.expunge_all()  # the read session rolls back on exit, which would expire them
        return rows


def counts(engine: Engine) -> dict[str, int]:
    """How many messages are in each status (for health and metrics)."""
    with read_session(engine) as session:
        query = select(OutboxRow.status, sa.func.count()).group_by(OutboxRow.status)
        return {status: int(number) for status, number in session.exec(query).all()}


def set_contact_status(session: Session, contact_id: int, status: str) -> None:
    """Keep the ledger row's status in step with its message (never un-cancels a contact)."""
    contact = session.get(ContactRow, contact_id)
    if contact is not None and contact.status != "cancelled":
        contact.status = status


def locked(session: Session, outbox_id: int) -> OutboxRow | None:
    """The row, fresh and locked until commit (PostgreSQL `FOR UPDATE`; SQLite's write transaction already is).

    Without the lock, a late `mark_failed` could overwrite a delivery another holder just recorded.
    """
    return session.get(OutboxRow, outbox_id, populate_existing=True, with_for_update=not is_sqlite(session))
