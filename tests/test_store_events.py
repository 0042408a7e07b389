"""Events: a repeated idempotency key is a no-op, the same key for another event is a 409, state
events set the facts strategies read, and bad payloads name the field and store nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from db_fixtures import *  # noqa: F403  (pytest finds the fixtures database_url and db_engine here)
from db_fixtures import T0, seed_account
from sqlalchemy import Engine
from sqlmodel import select

from runtime.db.database import read_session, transaction
from runtime.db.tables import AccountRow, EventRow
from runtime.store.accounts import load_account
from runtime.store.events import account_events, record_event
from runtime.store.problems import StoreProblem

REPLY = {"type": "reply", "at": "2026-03-02T10:00:00-05:00", "text": "STOP"}


@pytest.fixture
def engine(db_engine: Engine) -> Engine:
    with transaction(db_engine) as session:
        seed_account(session)
    return db_engine


def record(engine: Engine, payload: dict, key: str = "k1", account_id: str = "A1") -> tuple[EventRow, bool]:
    with transaction(engine) as session:
        return record_event(session, account_id, payload, key, T0)


def test_a_repeated_key_is_a_no_op(engine: Engine) -> None:
    first, created = record(engine, REPLY)
    again, created_again = record(engine, dict(REPLY))
    assert created and not created_again and again.id == first.id
    with read_session(engine) as session:
        assert len(session.exec(select(EventRow)).all()) == 1


def test_the_same_key_for_another_event_is_a_409(engine: Engine) -> None:
    record(engine, REPLY)
    with pytest.raises(StoreProblem) as problem:
        record(engine, {**REPLY, "text": "ok"})
    assert (problem.value.status, problem.value.field) == (409, "idempotency_key")
    with transaction(engine) as session:
        seed_account(session, "A2")
    with pytest.raises(StoreProblem):
        record(engine, REPLY, account_id="A2")


STATES = [
    ({"type": "dispute", "debt": "D1"}, "disputed", True),
    ({"type": "cease"}, "cease_requested", True),
    ({"type": "attorney_representation"}, "attorney_represented", True),
    ({"type": "bankruptcy"}, "bankrupt", True),
    ({"type": "consent_given", "kind": "sms"}, "consent.sms", True),
    ({"type": "consent_revoked", "kind": "sms"}, "consent.sms", False),
    ({"type": "plan_accepted"}, "plan_active", True),
]


@pytest.mark.parametrize(("payload", "fact", "value"), STATES)
def test_state_events_set_the_fact(engine: Engine, payload: dict, fact: str, value: bool) -> None:
    record(engine, {**payload, "at": T0.isoformat()})
    with read_session(engine) as session:
        row = session.get(AccountRow, "A1")
        account, _ = load_account(session, "A1", T0 + dt.timedelta(minutes=1))
    assert row is not None and row.facts[fact] is value and account.facts[fact] is value


LATE = [
    ("consent_revoked", "consent_given", "consent.sms", False),  # a revocation keyed in before an older consent
    ("consent_given", "consent_revoked", "consent.sms", True),  # an older revocation keyed in late changes nothing
    ("fa_decision", "fa_application", "fa_application_pending", False),
]


@pytest.mark.parametrize(("first", "late", "fact", "value"), LATE)
def test_the_fact_follows_the_newest_event_by_its_time_not_by_when_it_was_recorded(
    engine: Engine, first: str, late: str, fact: str, value: bool
) -> None:
    """The second event is recorded after the first but happened an hour before it."""
    record(engine, {"type": first, "kind": "sms", "at": (T0 + dt.timedelta(hours=1)).isoformat()}, "k1")
    record(engine, {"type": late, "kind": "sms", "at": T0.isoformat()}, "k2")
    with read_session(engine) as session:
        row = session.get(AccountRow, "A1")
    assert row is not None and row.facts[fact] is value, row.facts


def test_events_reach_the_strategy_and_the_guard(engine: Engine) -> None:
    record(engine, REPLY, "k1")
    record(engine, {"type": "cease", "at": T0.isoformat()}, "k2")
    record(engine, {"type": "conversation", "at": T0.isoformat()}, "k3")
    record(engine, {"type": "payment", "at": (T0 + dt.timedelta(days=2)).isoformat()}, "k4")
    with read_session(engine) as session:
        account, ledger = load_account(session, "A1", T0 + dt.timedelta(hours=1))
    assert [e.type for e in account.events] == ["conversation", "reply"]  # in time order; the payment is to come
    reply = account.events[1]
    assert reply.facts["intent.stop"] is True and reply.facts["text"] == "STOP"
    assert [e["type"] for e in ledger.events] == ["cease"]


BAD = [
    ("unknown type", {"type": "party", "at": T0.isoformat()}, "type"),
    ("no time", {"type": "reply"}, "at"),
    ("naive time", {"type": "reply", "at": "2026-03-02T10:00:00"}, "at"),
    ("bad time", {"type": "reply", "at": "tuesday"}, "at"),
    ("unknown field", {"type": "reply", "at": T0.isoformat(), "mood": "sad"}, "mood"),
    ("unknown channel", {"type": "opt_out", "at": T0.isoformat(), "channel": "fax"}, "channel"),
    ("unknown debt", {"type": "dispute", "at": T0.isoformat(), "debt": "D9"}, "debt"),
    ("unknown consent", {"type": "consent_given", "at": T0.isoformat(), "kind": "telepathy"}, "kind"),
    ("negative days", {"type": "fa_application", "at": T0.isoformat(), "days": -1}, "days"),
    ("facts not an object", {"type": "payment", "at": T0.isoformat(), "facts": [1]}, "facts"),
    ("a reply's intent", {**REPLY, "facts": {"intent.stop": False}}, "facts.intent.stop"),
    ("a reply's sentiment", {**REPLY, "facts": {"sentiment.anxiety": 0}}, "facts.sentiment.anxiety"),
    (
        "a score out of range",
        {"type": "payment", "at": T0.isoformat(), "facts": {"score.distress": 7}},
        "facts.score.distress",
    ),
    ("an unknown fact", {"type": "payment", "at": T0.isoformat(), "facts": {"balanse": "1"}}, "facts.balanse"),
]


@pytest.mark.parametrize(("what", "payload", "field"), BAD, ids=[c[0] for c in BAD])
def test_a_bad_event_names_the_field_and_stores_nothing(engine: Engine, what: str, payload: dict, field: str) -> None:
    with pytest.raises(StoreProblem) as problem:
        record(engine, payload)
    assert (problem.value.status, problem.value.field) == (422, field), problem.value
    with read_session(engine) as session:
        assert session.exec(select(EventRow)).all() == []


STORED_BEFORE_THE_CHECK = [
    ("STOP texting me", {"intent.stop": False}, "intent.stop", True),
    ("I lost my job, I can't pay this, I'm desperate", {"intent.hardship": False}, "intent.hardship", True),
    ("STOP texting me", {"sentiment.frustration": "abc"}, "sentiment.frustration", None),
]


@pytest.mark.parametrize(("text", "facts", "name", "read"), STORED_BEFORE_THE_CHECK)
def test_a_reply_reading_is_never_overridden_by_facts_stored_with_the_event(
    text: str, facts: dict, name: str, read: object
) -> None:
    """Events stored before their facts were checked may carry a reading of the caller's: it is ignored."""
    payload = {"type": "reply", "at": T0.isoformat(), "text": text, "facts": facts}
    row = EventRow(id=1, account_id="A1", idempotency_key="k", type="reply", at=T0, payload=payload, created_at=T0)
    (event,) = account_events([row])
    assert event.facts.get(name) == read or (read is None and event.facts.get(name) != "abc"), event.facts


def test_an_event_for_an_unknown_account_is_a_404(engine: Engine) -> None:
    with pytest.raises(StoreProblem) as problem:
        record(engine, REPLY, account_id="NOPE")
    assert (problem.value.status, problem.value.field) == (404, "account_id")
