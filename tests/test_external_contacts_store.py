"""Contacts made outside Parley: recorded once per key, all or nothing, and counted by decide like its own.

Runs on SQLite and, with PARLEY_TEST_DATABASE_URL, on PostgreSQL. The seeded account (db_fixtures)
is a patient in New York under the eager strategy, which wants three calls a day: the guard on the
real ledger is what keeps it within Regulation F.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from db_fixtures import *  # noqa: F403  (pytest finds the fixtures database_url and db_engine here)
from db_fixtures import guard_rules, plan_of, seed_account
from sqlalchemy import Engine
from sqlmodel import func, select

from runtime.db.database import read_session, transaction
from runtime.db.tables import AuditRow, ContactRow
from runtime.service.decide import DecisionOut, decide_and_reserve
from runtime.store import audit, external_contacts
from runtime.store.external_contacts import ContactsInvalid, Recorded, record_contacts
from runtime.store.ledger import caps_from_rules, recount_violations
from runtime.store.problems import StoreProblem

NY = dt.timezone(dt.timedelta(hours=-4))  # New York in March 2026 after the 8th (daylight time)
NOW = dt.datetime(2026, 3, 16, 10, 0, tzinfo=NY)  # Monday, 10:00 at the patient's
PLANS = {"Eager": plan_of()}


def call(day: int, key: str, hour: int = 10, **details: Any) -> dict[str, Any]:
    """A call on March `day`, 2026 at `hour` New York time, as an outreach system reports it."""
    return {
        "at": dt.datetime(2026, 3, day, hour, 0, tzinfo=NY).isoformat(),
        "channel": "call",
        **details,
        "idempotency_key": key,
    }


def record(
    engine: Engine, items: list[dict[str, Any]], account_id: str = "A1", now: dt.datetime = NOW
) -> list[Recorded]:
    with transaction(engine) as session:
        return record_contacts(session, account_id, items, "Otto Outreach", now, {"by_key": "k-test"})


def decide_at(engine: Engine, now: dt.datetime = NOW) -> DecisionOut:
    return decide_and_reserve(engine, "A1", now.astimezone(dt.UTC), PLANS, guard_rules())  # type: ignore[arg-type]


def refusals(out: DecisionOut) -> set[tuple[str, str]]:
    """(rule, citation) of every guard refusal in a decision's trace."""
    return {
        (v["rule"], v["citation"])
        for step in out.trace["steps"]
        for verdict in step["guard"]
        for v in verdict.get("violations", [])
    }


def count(engine: Engine, model: type) -> int:
    with read_session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def recorded_audits(engine: Engine) -> int:
    """The audit rows of recorded contacts (the seeded patient and account leave rows of their own)."""
    with read_session(engine) as session:
        query = select(func.count()).select_from(AuditRow).where(AuditRow.action == "contacts.record")
        return int(session.exec(query).one())


@pytest.fixture
def engine(db_engine: Engine) -> Engine:
    with transaction(db_engine) as session:
        seed_account(
            session, placed_on="2026-03-01", debts=[{"id": "D1", "kind": "medical"}, {"id": "D2", "kind": "medical"}]
        )
        seed_account(session, "A2")
    return db_engine


# ---------------------------------------------------------------- recording


def test_a_batch_is_stored_in_the_ledger_with_its_details_and_one_audit_row(engine: Engine) -> None:
    done = record(
        engine,
        [
            call(12, "dialer-1", outcome="no_answer", debts=["D2"], to="home"),
            call(13, "dialer-2", direction="inbound", outcome="conversation"),
            {"at": "2026-03-13T12:00:00Z", "channel": "email", "outcome": "delivered", "idempotency_key": "mail-1"},
        ],
    )
    assert [(r.index, r.created) for r in done] == [(0, True), (1, True), (2, True)]
    with read_session(engine) as session:
        rows = session.exec(select(ContactRow).order_by(ContactRow.id)).all()
        trail = audit.rows(session, action="contacts.record")
        report = audit.verify(session)
    assert [(r.source, r.status, r.channel, r.direction, r.outcome, r.to_point) for r in rows] == [
        ("external", "sent", "call", "outbound", "no_answer", "home"),
        ("external", "sent", "call", "inbound", "conversation", None),
        ("external", "sent", "email", "outbound", "delivered", None),
    ]
    assert rows[0].debts == ["D2"] and rows[1].debts == ["D1", "D2"]  # no debts named: every debt
    assert rows[0].at == dt.datetime(2026, 3, 12, 14, 0, tzinfo=dt.UTC) and rows[0].decision_id is None
    assert [(t.actor, t.subject, t.payload["contacts"], t.payload["by_key"]) for t in trail] == [
        ("Otto Outreach", "account:A1", [r.id for r in rows], "k-test")
    ]
    assert report.ok


def test_a_repeated_key_is_a_no_op_even_written_in_another_offset_or_order(engine: Engine) -> None:
    first = record(engine, [call(12, "k1", debts=["D1", "D2"]), call(13, "k2")])
    again = record(
        engine,
        [
            {**call(12, "k1", debts=["D2", "D1"]), "at": "2026-03-12T14:00:00Z"},  # the same instant, in UTC
            call(13, "k2", direction="outbound"),  # the default, said out loud
            call(14, "k3"),
        ],
    )
    assert [(r.contact_id, r.created) for r in again[:2]] == [(r.contact_id, False) for r in first]
    assert again[2].created and count(engine, ContactRow) == 3
    assert recorded_audits(engine) == 2  # a batch of repeats only is no change: no audit row for it
    record(engine, [call(12, "k1", debts=["D1", "D2"])])
    assert recorded_audits(engine) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"at": "2026-03-12T11:00:00-04:00"}, "contacts[0].at"),
        ({"channel": "voicemail"}, "contacts[0].channel"),
        ({"direction": "inbound"}, "contacts[0].direction"),
        ({"debts": ["D1"]}, "contacts[0].debts"),
        ({"outcome": "busy"}, "contacts[0].outcome"),
        ({"to": "home"}, "contacts[0].to"),
    ],
)
def test_the_same_key_for_another_contact_is_a_409_naming_the_field(
    engine: Engine, change: dict[str, Any], field: str
) -> None:
    record(engine, [call(12, "k1", outcome="no_answer")])
    with pytest.raises(StoreProblem) as refused:
        record(engine, [call(13, "k-new"), {**call(12, "k1", outcome="no_answer"), **change}])
    assert refused.value.status == 409 and refused.value.field == field.replace("[0]", "[1]")
    assert count(engine, ContactRow) == 1  # the new contact of the refused batch was not kept


def test_a_key_used_on_another_account_is_a_409(engine: Engine) -> None:
    record(engine, [call(12, "shared")], account_id="A2")
    with pytest.raises(StoreProblem) as refused:
        record(engine, [call(12, "shared")])
    assert (refused.value.status, refused.value.field) == (409, "contacts[0].idempotency_key")


def test_a_key_stored_meanwhile_by_another_request_is_a_409(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two accounts' requests with one key: the unique index catches the second, named as a 409."""
    record(engine, [call(12, "raced")], account_id="A2")
    looked = external_contacts.stored_under
    calls: list[int] = []

    def first_look_misses(session: Any, keys: Any) -> Any:
        calls.append(1)
        return dict.fromkeys(keys) if len(calls) == 1 else looked(session, keys)

    monkeypatch.setattr(external_contacts, "stored_under", first_look_misses)
    with pytest.raises(StoreProblem) as refused:
        record(engine, [call(12, "raced")])
    assert (refused.value.status, refused.value.field) == (409, "contacts[0].idempotency_key")
    assert count(engine, ContactRow) == 1


BAD_ITEMS = [
    ({"at": "2026-03-12T10:00:00"}, "contacts[0].at"),
    ({"at": "last tuesday"}, "contacts[0].at"),
    ({"at": "2026-03-16T10:03:00-04:00"}, "contacts[0].at"),  # three minutes after NOW
    ({"channel": "fax"}, "contacts[0].channel"),
    ({"direction": "sideways"}, "contacts[0].direction"),
    ({"debts": ["D9"]}, "contacts[0].debts[0]"),
    ({"debts": ["D1", "D1"]}, "contacts[0].debts[1]"),
    ({"debts": []}, "contacts[0].debts"),
    ({"outcome": "answered"}, "contacts[0].outcome"),
    ({"outcome": "delivered"}, "contacts[0].outcome"),  # a call is not delivered
    ({"channel": "sms", "outcome": "conversation"}, "contacts[0].outcome"),  # only a call is a conversation
    ({"channel": "voicemail", "outcome": "conversation"}, "contacts[0].outcome"),
    ({"to": "someone-else"}, "contacts[0].to"),
    ({"idempotency_key": ""}, "contacts[0].idempotency_key"),
    ({"idempotency_key": "k" * 201}, "contacts[0].idempotency_key"),
    ({"note": "dialled by Sam"}, "contacts[0].note"),
]


@pytest.mark.parametrize(("change", "field"), BAD_ITEMS, ids=[f for _, f in BAD_ITEMS])
def test_a_bad_field_is_named_and_nothing_is_stored(engine: Engine, change: dict[str, Any], field: str) -> None:
    with pytest.raises(ContactsInvalid) as refused:
        record(engine, [{**call(12, "k1"), **change}, call(13, "k2")])
    assert [f for f, _ in refused.value.problems] == [field] and refused.value.status == 422
    assert count(engine, ContactRow) == 0 and recorded_audits(engine) == 0


def test_every_bad_item_of_a_batch_is_named_at_once(engine: Engine) -> None:
    batch = [
        {**call(12, "k1"), "at": "2026-03-12T10:00:00"},
        call(13, "k2"),
        {**call(14, "k3"), "channel": "pigeon", "debts": ["D7"]},
        call(15, "k2"),
        "a call on Monday",
    ]
    with pytest.raises(ContactsInvalid) as refused:
        record(engine, batch)
    assert [f for f, _ in refused.value.problems] == [
        "contacts[0].at",
        "contacts[2].channel",
        "contacts[2].debts[0]",
        "contacts[3].idempotency_key",
        "contacts[4]",
    ]
    assert "contacts[1]" in dict(refused.value.problems)["contacts[3].idempotency_key"]


@pytest.mark.parametrize("items", [[], "calls", [call(12, f"k{i}") for i in range(external_contacts.MAX_BATCH + 1)]])
def test_an_empty_or_oversized_batch_is_refused(engine: Engine, items: Any) -> None:
    with pytest.raises(ContactsInvalid) as refused:
        record(engine, items)
    assert refused.value.field == "contacts"


def test_a_little_clock_skew_is_allowed(engine: Engine) -> None:
    """A dialer whose clock runs a minute ahead can still report the call it just made."""
    done = record(engine, [{**call(16, "just-now"), "at": (NOW + dt.timedelta(minutes=1)).isoformat()}])
    assert done[0].created


def test_an_unknown_account_is_a_404(engine: Engine) -> None:
    with pytest.raises(StoreProblem) as refused:
        record(engine, [call(12, "k1")], account_id="nobody")
    assert (refused.value.status, refused.value.field) == (404, "account_id")


# ---------------------------------------------------------------- counted by decide


def test_after_six_recorded_calls_decide_places_the_seventh_and_refuses_the_eighth(engine: Engine) -> None:
    record(engine, [call(day, f"agent-{day}", outcome="no_answer", debts=["D1"]) for day in range(10, 16)])
    out = decide_at(engine)
    assert len(out.proposals) == 1, out.refused  # the eager strategy wanted three calls
    later = decide_at(engine, NOW + dt.timedelta(days=1))  # the 10th's call leaves the window
    assert len(later.proposals) == 1
    with read_session(engine) as session:
        assert not recount_violations(session, caps_from_rules(guard_rules(), ["REGF-FREQ-7IN7"]))


def test_after_seven_recorded_calls_decide_refuses_citing_the_seven_in_seven_rule(engine: Engine) -> None:
    record(engine, [call(day, f"agent-{day}", outcome="no_answer", debts=["D1"]) for day in range(10, 16)])
    record(engine, [call(16, "agent-16", hour=9)])
    out = decide_at(engine)
    assert out.proposals == []
    assert ("REGF-FREQ-7IN7", "12 CFR 1006.14(b)(2)(i)(A), (b)(2)(ii); FDCPA §806(5), 15 U.S.C. 1692d(5)") in refusals(
        out
    )


def test_a_recorded_conversation_starts_seven_days_without_calls(engine: Engine) -> None:
    """The patient phoned on Thursday the 12th: day 1 of 7; the first call may be on Thursday the 19th."""
    record(engine, [call(12, "inbound-1", direction="inbound", outcome="conversation", debts=["D1", "D2"])])
    held = decide_at(engine)
    assert held.proposals == []
    assert ("REGF-FREQ-POSTCONV-7D", "12 CFR 1006.14(b)(2)(i)(B), (b)(2)(ii)") in refusals(held)
    assert decide_at(engine, NOW + dt.timedelta(days=2)).proposals == []  # Wednesday the 18th: day 7
    assert decide_at(engine, NOW + dt.timedelta(days=3)).proposals != []  # Thursday the 19th


def test_busy_and_out_of_service_calls_do_not_count(engine: Engine) -> None:
    """Comment 14(b)(3)(ii)-1: a call that never connected is not counted."""
    outcomes = ["busy", "not_in_service"] * 4
    record(engine, [call(10 + i // 2, f"k{i}", hour=9 + i % 2, outcome=o) for i, o in enumerate(outcomes)])
    assert len(decide_at(engine).proposals) == 3


def test_the_recount_counts_recorded_calls_but_not_inbound_or_unconnected_ones(engine: Engine) -> None:
    caps = caps_from_rules(guard_rules(), ["REGF-FREQ-7IN7"])
    record(engine, [call(10 + i, f"in-{i}", direction="inbound", outcome="no_answer") for i in range(6)])
    record(engine, [call(10 + i, f"busy-{i}", hour=11, outcome="busy") for i in range(6)])
    record(engine, [call(10 + i, f"out-{i}", hour=8) for i in range(7)])
    with read_session(engine) as session:
        assert recount_violations(session, caps) == []
    record(engine, [call(16, "out-7", hour=9)])  # an eighth outbound call in seven days did happen
    with read_session(engine) as session:
        found = recount_violations(session, caps)
    assert {(v.account_id, v.rule_id, v.count) for v in found} == {("A1", "REGF-FREQ-7IN7", 8)}


def test_recording_and_deciding_share_the_accounts_audit_chain(engine: Engine) -> None:
    """Both append to `account:A1` under the account's lock: the chain stays whole whatever the order."""
    record(engine, [call(10, "k1")])
    decide_at(engine)
    record(engine, [call(16, "k2", hour=9)])
    decide_at(engine, NOW + dt.timedelta(days=1))
    with read_session(engine) as session:
        trail = audit.rows(session, subject="account:A1")
        report = audit.verify(session)
    actions = ["account.upsert", "contacts.record", "decide", "contacts.record", "decide"]  # the seed's upsert first
    assert [r.action for r in trail] == actions
    assert [r.n for r in trail] == [1, 2, 3, 4, 5] and report.ok
