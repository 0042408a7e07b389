"""decide_and_reserve: one transaction that locks, decides on the real ledger, reserves, queues,
stores a replayable decision, advances progress and audits; and replay of stored decisions.

Runs on SQLite and, with PARLEY_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from db_fixtures import *  # noqa: F403  (pytest finds the fixtures database_url and db_engine here)
from db_fixtures import EAGER_TEXT, T0, guard_rules, plan_of, seed_account
from sqlalchemy import Engine
from sqlmodel import select

from dsl.templates import build_template_set
from engine.decide import SEMANTICS
from runtime.db.database import read_session, transaction
from runtime.db.tables import AccountRow, AuditRow, ContactRow, DecisionRow, HandoffRow, OutboxRow, StrategyVersion
from runtime.service import decide as service
from runtime.service.decide import decide_and_reserve, replay
from runtime.store import audit
from runtime.store.events import record_event
from runtime.store.ledger import caps_from_rules, recount_violations
from runtime.store.problems import StoreProblem

PLANS = {"Eager": plan_of()}


def decide_at(engine: Engine, now: dt.datetime, account_id: str = "A1", **options: object) -> service.DecisionOut:
    return decide_and_reserve(engine, account_id, now, PLANS, guard_rules(), **options)  # type: ignore[arg-type]


@pytest.fixture
def engine(db_engine: Engine) -> Engine:
    with transaction(db_engine) as session:
        seed_account(session)
    return db_engine


def test_one_decision_reserves_queues_stores_and_audits(engine: Engine) -> None:
    out = decide_at(engine, T0)
    assert [p["source"] for p in out.proposals] == ["Morning call", "Noon call", "Evening call"]
    assert all(p["contact_id"] and p["outbox_id"] for p in out.proposals)
    assert out.strategy_hash == PLANS["Eager"].content_hash and out.day == 1
    with read_session(engine) as session:
        contacts = session.exec(select(ContactRow)).all()
        outbox = session.exec(select(OutboxRow)).all()
        decision = session.get(DecisionRow, out.decision_id)
        account = session.get(AccountRow, "A1")
        rows = audit.rows(session, action="decide")  # the seeded patient and account leave rows of their own
    assert [c.status for c in contacts] == ["reserved"] * 3 and {c.decision_id for c in contacts} == {out.decision_id}
    assert sorted(o.idempotency_key for o in outbox) == sorted(f"contact-{c.id}" for c in contacts)
    assert decision is not None and decision.strategy_hash == out.strategy_hash
    assert decision.inputs["account"]["facts"]["balance"] == {"$decimal": "250.00"}
    assert account is not None and account.progress["steps_acted"] == {
        "Morning call": 1,
        "Noon call": 1,
        "Evening call": 1,
    }
    assert account.progress["last_acted_day"]["Noon call"] == 1
    assert [(r.action, r.subject) for r in rows] == [("decide", "account:A1")]
    assert rows[0].payload["contacts"] == [c.id for c in contacts]


def test_the_next_decision_continues_the_strategy(engine: Engine) -> None:
    decide_at(engine, T0)
    later_that_day = decide_at(engine, T0 + dt.timedelta(hours=4))
    assert later_that_day.proposals == []
    assert {s["reason"] for s in later_that_day.trace["steps"]} == {"already acted today"}
    next_day = decide_at(engine, T0 + dt.timedelta(days=1))
    assert len(next_day.proposals) == 3


def test_a_week_of_eager_decisions_stays_within_the_caps(engine: Engine) -> None:
    now, refused_by_guard = T0, 0
    for _ in range(8 * 10):  # every 2.4 hours for 8 days, nights included
        out = decide_at(engine, now)
        refused_by_guard += sum(1 for s in out.trace["steps"] for v in s["guard"] if not v.get("allowed", True))
        now += dt.timedelta(hours=2.4)
    with read_session(engine) as session:
        calls = session.exec(select(ContactRow)).all()
        assert recount_violations(session, caps_from_rules(guard_rules())) == []
    # Mon-Wed 3+3+1 fill the first 7 days; next Monday the 3 of the first Monday leave the window, and
    # on Tuesday the 3 of the first Tuesday: 7 + 3 + 3.
    assert len(calls) == 13 and refused_by_guard > 0


def test_a_reply_opens_a_handoff_once(engine: Engine) -> None:
    with transaction(engine) as session:
        event, created = record_event(
            session, "A1", {"type": "reply", "at": T0.isoformat(), "text": "I lost my job and cannot pay"}, "r1", T0
        )
    assert created
    out = decide_at(engine, T0 + dt.timedelta(minutes=5))
    assert len(out.handoff_ids) == 1
    with read_session(engine) as session:
        handoff = session.get(HandoffRow, out.handoff_ids[0])
        account = session.get(AccountRow, "A1")
    assert handoff is not None and handoff.status == "open" and handoff.decision_id == out.decision_id
    assert "hardship-desk" in handoff.reason and "job" not in handoff.reason
    assert account is not None and len(account.progress["handled"]) == 1
    assert account.progress["handled"][0].endswith(f"|ev-{event.id}")
    assert decide_at(engine, T0 + dt.timedelta(minutes=10)).handoff_ids == []


def test_a_stored_decision_replays_the_same(engine: Engine) -> None:
    ids = [decide_at(engine, T0 + dt.timedelta(hours=h)).decision_id for h in (0, 5, 24, 25)]
    with read_session(engine) as session:
        for decision_id in ids:
            assert replay(session, decision_id, plan=PLANS["Eager"]).matches
            assert replay(session, decision_id, rules=guard_rules(), plan=PLANS["Eager"]).matches


def test_a_decision_says_which_reading_of_plans_made_it_and_replay_names_an_older_one(engine: Engine) -> None:
    out = decide_at(engine, T0)
    with read_session(engine) as session:
        assert replay(session, out.decision_id, plan=PLANS["Eager"]).note == ""
    with transaction(engine) as session:
        row = session.get(DecisionRow, out.decision_id)
        assert row is not None and row.inputs["engine"] == SEMANTICS
        row.inputs = {k: v for k, v in row.inputs.items() if k != "engine"}  # as stored before there was one
        session.add(row)
    with read_session(engine) as session:
        note = replay(session, out.decision_id, plan=PLANS["Eager"]).note
    assert note.startswith(f"decided by engine semantics 1, replayed by {SEMANTICS}")


def test_replay_finds_a_changed_input(engine: Engine) -> None:
    out = decide_at(engine, T0)
    with transaction(engine) as session:
        row = session.get(DecisionRow, out.decision_id)
        assert row is not None
        inputs = dict(row.inputs)
        inputs["account"] = {**inputs["account"], "progress": {"last_acted_day": {"Noon call": 1}}}
        row.inputs = inputs
        session.add(row)
    with read_session(engine) as session:
        result = replay(session, out.decision_id, plan=PLANS["Eager"])
    assert not result.matches and "proposals" in result.differences


def test_replay_rebuilds_the_plan_from_the_stored_text(engine: Engine) -> None:
    out = decide_at(engine, T0)
    with transaction(engine) as session:
        session.add(
            StrategyVersion(
                name="Eager",
                version=1,
                content=EAGER_TEXT,
                content_hash=out.strategy_hash,
                author="ann",
                status="deployed",
            )
        )
    with read_session(engine) as session:
        assert replay(session, out.decision_id).matches


def test_replay_without_the_strategy_text_is_a_404(engine: Engine) -> None:
    out = decide_at(engine, T0)
    with read_session(engine) as session, pytest.raises(StoreProblem) as problem:
        replay(session, out.decision_id)
    assert problem.value.status == 404 and problem.value.field == "strategy_hash"


BAD_CALLS = [
    ("unknown account", {"account_id": "NOPE"}, 404, "account_id"),
    ("naive time", {"now": dt.datetime(2026, 3, 2, 9)}, 422, "now"),
    ("strategy not deployed", {"plans": {}}, 409, "strategy_name"),
]


@pytest.mark.parametrize(("what", "change", "status", "field"), BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_bad_calls_name_the_field(engine: Engine, what: str, change: dict, status: int, field: str) -> None:
    call = {"account_id": "A1", "now": T0, "plans": PLANS, **change}
    with pytest.raises(StoreProblem) as problem:
        decide_and_reserve(engine, call["account_id"], call["now"], call["plans"], guard_rules())
    assert (problem.value.status, problem.value.field) == (status, field)


def test_a_failure_midway_leaves_nothing(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> int:
        raise RuntimeError("the outbox is down")

    monkeypatch.setattr(service, "enqueue_message", broken)
    with pytest.raises(RuntimeError):
        decide_at(engine, T0)
    with read_session(engine) as session:
        assert session.exec(select(DecisionRow)).all() == []
        assert session.exec(select(ContactRow)).all() == []
        assert session.exec(select(AuditRow).where(AuditRow.action == "decide")).all() == []
        account = session.get(AccountRow, "A1")
        assert account is not None and account.progress == {}


def test_messages_are_rendered_in_the_patients_language(engine: Engine) -> None:
    files = {
        ("eager_call", "en"): (
            "---\nchannels: [call]\n---\nHello {{ patient.first_name }}, {{ account.balance | money }}",
            "x",
        ),
    }
    templates, findings = build_template_set(files)
    assert not findings
    with transaction(engine) as session:
        seed_account(session, variables={"patient.first_name": "Ana"})
    decide_at(engine, T0, templates=templates, disclosures={})
    with read_session(engine) as session:
        bodies = {o.message["body"] for o in session.exec(select(OutboxRow)).all()}
    assert bodies == {"Hello Ana, $250.00"}


def test_a_message_that_cannot_be_rendered_costs_that_contact_only(engine: Engine) -> None:
    """The hardship hand-off in the same decision is kept; the calls are refused with why, not reserved."""
    from runtime.reply_models import default_reply_model

    reply = {
        "type": "reply",
        "at": (T0 - dt.timedelta(hours=1)).isoformat(),
        "text": "I lost my job and I cannot afford to pay this",
    }
    with transaction(engine) as session:
        record_event(session, "A1", reply, "reply-1", T0, default_reply_model())
    templates, _ = build_template_set({("other", "en"): ("---\nchannels: [call]\n---\nHi", "x")})
    out = decide_at(engine, T0, templates=templates, disclosures={})
    assert [p["action"] for p in out.proposals] == ["handoff"] and len(out.handoff_ids) == 1
    assert [r["source"] for r in out.refused] == ["Morning call", "Noon call", "Evening call"]
    assert all(r["reason"].startswith("its message cannot be rendered: ") for r in out.refused), out.refused
    with read_session(engine) as session:
        assert session.exec(select(ContactRow)).all() == [] and session.exec(select(OutboxRow)).all() == []
        assert len(session.exec(select(HandoffRow)).all()) == 1
        assert session.get(DecisionRow, out.decision_id) is not None
    again = decide_at(engine, T0 + dt.timedelta(minutes=5))  # the templates fixed: the calls were never made
    assert [p["source"] for p in again.proposals if p.get("contact_id")] == [
        "Morning call",
        "Noon call",
        "Evening call",
    ]


def test_scored_decisions_name_the_models_and_the_bandit_behind_each_score(engine: Engine) -> None:
    from engine.scores.bandit import BANDIT_SOURCE, BanditState
    from engine.scores.models import train_from_portfolio
    from engine.scores.synthetic import generate

    with transaction(engine) as session:  # the bandit picks only among channels the patient agreed to
        facts = {"balance": "250.00", "days_past_due": 200, "consent.sms": True, "consent.email": True}
        seed_account(session, "A2", facts=facts)
    models = train_from_portfolio(generate(1_500, seed=3), trained_on="2026-01-01")
    out = decide_at(engine, T0, "A2", models=models, bandit=BanditState())
    names = {name.split(".")[0] for name in out.model_ids}
    assert {"score", "best_time", "best_channel"} <= names, out.model_ids
    timing = {name: source for name, source in out.model_ids.items() if name.startswith("best_")}
    assert all(BANDIT_SOURCE.model_id in str(source) for source in timing.values()), timing


def test_each_channel_gets_its_own_disclosure_wording(engine: Engine) -> None:
    files = {
        ("eager_call", "en"): ("---\nchannels: [call]\n---\nHi. {{ disclosure.opt_out }}", "x"),
    }
    templates, findings = build_template_set(files)
    assert not findings
    book = {"en": {"opt_out": "Tell us to stop by any means.", "sms": {"opt_out": "Reply STOP."}}}
    decide_at(engine, T0, templates=templates, disclosures=book)
    with read_session(engine) as session:
        bodies = {o.message["body"] for o in session.exec(select(OutboxRow)).all()}
    assert bodies == {"Hi. Tell us to stop by any means."}  # a call takes the general wording, not the text's


PAIR = EAGER_TEXT.replace('strategy "Eager"', 'strategy "Pair"').replace(
    '  step "Noon call" every 1 day from day 0 to day 400\n    call "eager_call"\n',
    '  step "Noon call" every 1 day from day 0 to day 400\n    call "eager_call"\n    call "second_call"\n',
)
CALL_TEMPLATE = ("---\nchannels: [call]\n---\nHi", "x")


def test_a_step_with_a_message_that_cannot_be_rendered_waits_to_act_whole(engine: Engine) -> None:
    """The Noon call step places two calls; the second's script is missing: neither goes, the step is
    not done, and it acts whole once the script exists."""
    with transaction(engine) as session:
        seed_account(session, "A3", strategy_name="Pair")
    plans = {"Pair": plan_of(PAIR)}
    first, _ = build_template_set({("eager_call", "en"): CALL_TEMPLATE})
    out = decide_and_reserve(engine, "A3", T0, plans, guard_rules(), templates=first, disclosures={})
    assert [p["source"] for p in out.proposals] == ["Morning call", "Evening call"]
    reasons = {r["template"]: r["reason"] for r in out.refused if r["source"] == "Noon call"}
    assert reasons["second_call"].startswith("its message cannot be rendered")
    assert reasons["eager_call"].startswith("not kept: a message of step `Noon call` cannot be rendered")
    both, _ = build_template_set({("eager_call", "en"): CALL_TEMPLATE, ("second_call", "en"): CALL_TEMPLATE})
    later = decide_and_reserve(engine, "A3", T0 + dt.timedelta(minutes=5), plans, guard_rules(), templates=both)
    assert sorted(p["template"] for p in later.proposals if p["source"] == "Noon call") == ["eager_call", "second_call"]
