"""decide: which steps act on which day, branches, handlers, stops, send times and the trace."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsl import ast, parse
from engine.account import Account, AccountEvent, Progress
from engine.decide import ContactRequest, GuardAnswer, decide
from engine.plan import compile_plan
from engine.reference import holds

DESIGN = Path(__file__).parent / "fixtures" / "design" / "strategy.parley"
ZONE = ZoneInfo("America/Chicago")
PLACED = dt.date(2026, 3, 2)


def plan_for(text: str, reference: bool = False):
    program = parse(text).program
    assert isinstance(program, ast.Strategy)
    if reference:
        return compile_plan(program, text, lambda expr, segments: lambda facts: holds(expr, facts, segments))
    return compile_plan(program, text)


def account(**facts: object) -> Account:
    base = {"balance": Decimal("180"), "days_past_due": 130, "paid": False}
    return Account("A1", PLACED, "America/Chicago", {**base, **facts})


def at(day: int, hour: int = 8, minute: int = 30) -> dt.datetime:
    date = PLACED + dt.timedelta(days=day)
    return dt.datetime(date.year, date.month, date.day, hour, minute, tzinfo=ZONE)


@pytest.fixture(scope="module")
def plan():
    return plan_for(DESIGN.read_text())


def test_step_acts_on_its_day_inside_its_window(plan) -> None:
    decision = decide(plan, account(), at(3))
    assert [(p.source, p.channel, p.template) for p in decision.proposals] == [
        ("Friendly reminder", "sms", "friendly_reminder")
    ]
    assert decision.proposals[0].at == at(3, 10, 0)


def test_no_step_on_a_day_without_one(plan) -> None:
    decision = decide(plan, account(), at(4))
    assert decision.proposals == ()
    reasons = {s.name: s.reason for s in decision.trace.steps}
    assert reasons["Friendly reminder"] == "not scheduled on day 4"


def test_branches_are_exclusive(plan) -> None:
    gentle = decide(plan, account(**{"score.distress": Decimal("0.8")}), at(7))
    assert [(p.action, p.template) for p in gentle.proposals] == [("offer_plan", None), ("send", "plan_offer")]
    plain = decide(plan, account(**{"score.distress": Decimal("0.1")}), at(7))
    assert [(p.action, p.template) for p in plain.proposals] == [("send", "pay_link")]


def test_unless_guard_and_trace_values(plan) -> None:
    decision = decide(plan, account(paid=True, **{"cease_requested": False}), at(7))
    assert decision.proposals == ()
    assert "stop when" in decision.trace.outcome


def test_outside_audience(plan) -> None:
    decision = decide(plan, account(balance=Decimal("900")), at(3))
    assert decision.proposals == () and "audience" in decision.trace.outcome


def test_every_step_respects_at_most(plan) -> None:
    progress = Progress(steps_acted={"Call": 6})
    capped = Account("A1", PLACED, "America/Chicago", account().facts, progress=progress)
    decision = decide(plan, capped, at(13))
    assert decision.proposals == ()
    assert any("at most 6 times" in s.reason for s in decision.trace.steps)


def test_best_time_is_clamped_into_the_window(plan) -> None:
    early = decide(plan, account(best_time=6 * 60), at(10, 7, 0))
    late = decide(plan, account(best_time=23 * 60), at(10, 7, 0))
    assert early.proposals[0].at == at(10, 9, 0)
    assert late.proposals[0].at == at(10, 18, 59)


def test_handler_reacts_to_a_reply_with_hardship(plan) -> None:
    reply = AccountEvent("E1", "reply", at(4, 9, 0), {"intent.hardship": True})
    with_reply = Account("A1", PLACED, "America/Chicago", account().facts, events=(reply,))
    decision = decide(plan, with_reply, at(4, 9, 5))
    assert [(p.action, p.details["queue"]) for p in decision.proposals] == [("handoff", "billing-team")]
    handled = Account(
        "A1",
        PLACED,
        "America/Chicago",
        account().facts,
        events=(reply,),
        progress=Progress(handled=frozenset({"on reply #1|E1"})),
    )
    assert decide(plan, handled, at(4, 9, 5)).proposals == ()


def test_guard_moves_the_send_time_within_the_day(plan) -> None:
    def guard(request: ContactRequest) -> GuardAnswer:
        if request.at.hour < 12:
            return GuardAnswer(False, request.at.replace(hour=12, minute=0), {"allowed": False})
        return GuardAnswer(True, None, {"allowed": True})

    decision = decide(plan, account(), at(3), guard)
    assert decision.proposals[0].at == at(3, 12, 0)


def test_guard_refusal_is_explained(plan) -> None:
    decision = decide(plan, account(), at(3), lambda request: GuardAnswer(False, None, {"allowed": False}))
    assert decision.proposals == ()
    step = next(s for s in decision.trace.steps if s.name == "Friendly reminder")
    assert "runtime guard" in step.reason and step.verdicts


facts_strategy = st.fixed_dictionaries(
    {
        "balance": st.decimals(min_value=0, max_value=400, places=2),
        "days_past_due": st.integers(0, 400),
        "paid": st.booleans(),
        "disputed": st.booleans(),
        "score.distress": st.one_of(st.none(), st.decimals(min_value=0, max_value=1, places=2)),
        "intent.billing_confusion": st.booleans(),
        "sentiment.confusion": st.decimals(min_value=0, max_value=1, places=2),
    }
)


@settings(max_examples=300, deadline=None)
@given(facts_strategy, st.integers(0, 65), st.integers(0, 23))
def test_reference_and_compiled_plans_decide_alike(facts: dict, day: int, hour: int) -> None:
    text = DESIGN.read_text()
    one, other = plan_for(text), plan_for(text, reference=True)
    subject = Account("A1", PLACED, "America/Chicago", facts)
    first, second = decide(one, subject, at(day, hour, 0)), decide(other, subject, at(day, hour, 0))
    assert first.proposals == second.proposals
    assert first.trace.to_dict() == second.trace.to_dict()


@pytest.mark.parametrize(
    ("action", "channel", "automated"),
    [
        ('call "agent_script"', "call", None),  # a dialer or an AI voice may place it: the guard assumes so
        ('send sms "friendly_reminder"', "sms", True),  # a gateway sends it
        ('send voicemail "short_message"', "voicemail", True),  # a recorded message is dropped
        ('send email "bill_explainer"', "email", None),  # not a call: the TCPA does not reach it
    ],
)
def test_the_guard_is_told_whether_a_contact_is_automated_and_its_template(
    action: str, channel: str, automated: bool | None
) -> None:
    text = f'strategy "S" version 1\n  step "Reach" on day 3\n    {action}\n  end\nend\n'
    asked: list[ContactRequest] = []

    def guard(request: ContactRequest) -> GuardAnswer:
        asked.append(request)
        return GuardAnswer(True)

    decide(plan_for(text), account(), at(3, 12), guard)
    assert [(r.channel, r.automated, r.template) for r in asked] == [(channel, automated, action.split('"')[1])]
