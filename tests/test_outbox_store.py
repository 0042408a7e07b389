"""The outbox table: enqueue in the ledger's transaction, leases, acknowledgements, backoff and dead letters.

Runs on SQLite and, with `PARLEY_TEST_DATABASE_URL`, on PostgreSQL. `seed` is shared with the other
outbox tests.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from db_fixtures import database_url, db_engine  # noqa: F401  (fixtures)
from sqlalchemy.engine import Engine
from sqlmodel import select

from runtime.db.database import read_session, transaction
from runtime.db.tables import AccountRow, ContactRow, OutboxRow, Patient
from runtime.outbox.store import (
    CANCELLED_REASON,
    LeaseLost,
    RetryPolicy,
    acknowledge,
    counts,
    dead_letters,
    enqueue,
    lease,
    mark_delivered,
    mark_failed,
    outbound,
    requeue,
)
from runtime.render import RenderedMessage

T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def engine(db_engine: Engine) -> Engine:  # noqa: F811  (the fixture imported above)
    """An engine on a freshly migrated database (SQLite, and PostgreSQL when configured)."""
    return db_engine


def message(number: int, channel: str = "sms") -> RenderedMessage:
    """A small rendered message."""
    return RenderedMessage("reminder", "en", channel, f"message {number}. Reply STOP to stop texts.")


def seed(engine: Engine, count: int, channel: str = "sms", account: str = "acct-1") -> list[int]:
    """A patient, an account and `count` reserved contacts with their queued messages; the outbox ids."""
    with transaction(engine) as session:
        if session.get(Patient, "pat-1") is None:
            # The numbers the messages are queued to are the patient's own: a message whose address no
            # point on file holds is not sent (runtime.service.recheck).
            points = [{"id": f"m{n}", "kind": "mobile", "number": f"+1555010{n}"} for n in range(10)]
            session.add(Patient(patient_id="pat-1", language="en", timezone="America/New_York", contact_points=points))
        if session.get(AccountRow, account) is None:
            session.add(
                AccountRow(
                    account_id=account,
                    patient_id="pat-1",
                    strategy_name="s",
                    placed_on=dt.date(2026, 1, 1),
                    jurisdiction="US-NY",
                    facts={"jurisdiction": "US-NY"},
                )
            )
        session.flush()
        ids = []
        for number in range(count):
            contact = ContactRow(account_id=account, source="step", action="send", channel=channel, at=T0)
            session.add(contact)
            row = enqueue(session, contact, message(number, channel), to=f"+1555010{number % 10}")
            ids.append(row.id)
    return [i for i in ids if i is not None]


def row(engine: Engine, outbox_id: int) -> OutboxRow:
    with read_session(engine) as session:
        found = session.get(OutboxRow, outbox_id)
        assert found is not None
        session.expunge(found)
        return found


def contact_status(engine: Engine, outbox_id: int) -> str:
    with read_session(engine) as session:
        contact = session.get(ContactRow, row(engine, outbox_id).contact_id)
        assert contact is not None
        return contact.status


def test_enqueue_commits_or_rolls_back_with_the_ledger(engine: Engine) -> None:
    (first,) = seed(engine, 1)
    stored = row(engine, first)
    assert stored.idempotency_key == f"contact-{stored.contact_id}" and stored.status == "pending"
    assert outbound(stored).to == "+15550100" and outbound(stored).message == message(0)
    with pytest.raises(RuntimeError), transaction(engine) as session:
        contact = ContactRow(account_id="acct-1", source="step", action="send", channel="sms", at=T0)
        session.add(contact)
        enqueue(session, contact, message(1))
        raise RuntimeError("the decision failed after reserving")
    with read_session(engine) as session:
        assert len(session.exec(select(ContactRow)).all()) == 1
        assert len(session.exec(select(OutboxRow)).all()) == 1


def test_a_message_must_match_its_contacts_channel(engine: Engine) -> None:
    seed(engine, 0)
    with pytest.raises(ValueError, match="cannot go out for a `sms` contact"), transaction(engine) as session:
        contact = ContactRow(account_id="acct-1", source="step", action="send", channel="sms", at=T0)
        session.add(contact)
        enqueue(session, contact, message(1, "email"))


def test_leases_are_exclusive_until_they_run_out(engine: Engine) -> None:
    ids = seed(engine, 3)
    first = lease(engine, "a", limit=2, seconds=60, now=T0)
    assert [r.id for r in first] == ids[:2] and all(r.attempts == 1 and r.lease_owner == "a" for r in first)
    second = lease(engine, "b", limit=5, seconds=60, now=T0)
    assert [r.id for r in second] == ids[2:]
    assert lease(engine, "c", now=T0 + dt.timedelta(seconds=59)) == []
    expired = lease(engine, "c", now=T0 + dt.timedelta(seconds=60))
    assert [r.id for r in expired] == ids and all(r.attempts == 2 for r in expired)


def test_a_lease_takes_only_the_channels_asked_for(engine: Engine) -> None:
    sms = seed(engine, 2, "sms")
    email = seed(engine, 1, "email")
    assert [r.id for r in lease(engine, "a", channels=["email"], now=T0)] == email
    assert lease(engine, "a", channels=["letter"], now=T0) == []
    assert [r.id for r in lease(engine, "a", channels=["sms", "email"], now=T0)] == sms


def test_delivered_is_final_and_reaches_the_ledger(engine: Engine) -> None:
    (first,) = seed(engine, 1)
    lease(engine, "a", now=T0)
    assert mark_delivered(engine, first, now=T0) is True
    assert mark_delivered(engine, first, now=T0) is False
    stored = row(engine, first)
    assert (stored.status, stored.delivered_at, stored.lease_owner) == ("delivered", T0, None)
    assert contact_status(engine, first) == "delivered"
    assert lease(engine, "b", now=T0 + dt.timedelta(days=1)) == []


def test_a_failure_backs_off_then_dies(engine: Engine) -> None:
    (first,) = seed(engine, 1)
    policy = RetryPolicy(max_attempts=3, base_seconds=30)
    now = T0
    waits = []
    for _attempt in range(3):
        (_leased,) = lease(engine, "a", now=now)
        after = mark_failed(engine, first, "a", "webhook: answered 503", policy=policy, now=now)
        if after.status == "pending":
            assert after.lease_until is not None
            waits.append((after.lease_until - now).total_seconds())
            assert lease(engine, "a", now=after.lease_until - dt.timedelta(seconds=1)) == []
            now = after.lease_until
    assert waits == [30.0, 60.0]
    stored = row(engine, first)
    assert (stored.status, stored.attempts, stored.last_error) == ("dead", 3, "webhook: answered 503")
    assert contact_status(engine, first) == "failed"
    assert [r.id for r in dead_letters(engine)] == [first]
    requeue(engine, first)
    assert (row(engine, first).status, contact_status(engine, first)) == ("pending", "reserved")


def test_a_permanent_failure_dies_at_once(engine: Engine) -> None:
    (first,) = seed(engine, 1)
    lease(engine, "a", now=T0)
    assert mark_failed(engine, first, "a", "smtp: recipient refused ([550])", permanent=True).status == "dead"


def test_only_the_holder_may_fail_or_acknowledge(engine: Engine) -> None:
    first, _second = seed(engine, 2)
    lease(engine, "a", now=T0)
    with pytest.raises(LeaseLost):
        mark_failed(engine, first, "b", "x")
    with pytest.raises(LeaseLost):
        acknowledge(engine, first, "b")
    assert acknowledge(engine, first, "a").status == "delivered"
    assert acknowledge(engine, first, "a").status == "delivered"  # twice is fine
    assert contact_status(engine, first) == "delivered"
    assert counts(engine) == {"delivered": 1, "leased": 1}
    with pytest.raises(LookupError):
        acknowledge(engine, 999_999, "a")


def test_a_cancelled_contact_never_goes_out(engine: Engine) -> None:
    first, second = seed(engine, 2)
    with transaction(engine) as session:
        contact = session.get(ContactRow, row(engine, first).contact_id)
        assert contact is not None
        contact.status = "cancelled"
    assert [r.id for r in lease(engine, "a", now=T0)] == [second]
    stored = row(engine, first)
    assert (stored.status, stored.last_error) == ("dead", CANCELLED_REASON)
    assert contact_status(engine, first) == "cancelled"


def test_concurrent_leases_never_share_a_message(engine: Engine) -> None:
    ids = seed(engine, 60)
    taken: dict[str, list[int]] = {}

    def take(owner: str) -> None:
        mine = taken.setdefault(owner, [])
        while batch := lease(engine, owner, limit=3, seconds=600):
            mine.extend(r.id for r in batch if r.id is not None)

    threads = [threading.Thread(target=take, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    every = [i for mine in taken.values() for i in mine]
    assert sorted(every) == ids


def test_a_late_failure_never_undoes_a_delivery(engine: Engine) -> None:
    (first,) = seed(engine, 1)
    lease(engine, "a", seconds=1, now=T0)
    lease(engine, "b", seconds=60, now=T0 + dt.timedelta(seconds=2))  # a's lease ran out: b holds it
    assert mark_delivered(engine, first) is True  # a's send was confirmed after all
    with pytest.raises(LeaseLost):
        mark_failed(engine, first, "b", "webhook: answered 503")  # b's resend failed
    assert row(engine, first).status == "delivered"
