"""What the patient said last is what the steps and the guard read: a hardship reply turns the dental
clinic's day-14 pay link into its small plan and keeps a credit report away; and placing an account
with an agency is judged by the guard like a credit report (no placement for a patient in distress)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from dsl import ast, parse
from engine.account import Account, AccountEvent, ScoreSource, with_last_reply
from engine.decide import ContactRequest, decide
from engine.guard import compile_rules
from engine.guarding import Ledger, account_guard
from engine.plan import compile_plan
from runtime.files import load_policies

ROOT = Path(__file__).parent.parent
DENTAL = (ROOT / "strategies" / "dental_small_balances.parley").read_text()
PLACED = dt.date(2026, 3, 2)
CHICAGO = dt.timezone(dt.timedelta(hours=-5))
MODEL = ScoreSource("replies-test", "1")


@pytest.fixture(scope="module")
def plan():
    program = parse(DENTAL).program
    assert isinstance(program, ast.Strategy)
    return compile_plan(program, DENTAL)


def reply(day: int, **said: object) -> AccountEvent:
    at = dt.datetime.combine(PLACED + dt.timedelta(days=day), dt.time(9), tzinfo=CHICAGO)
    return AccountEvent(f"R{day}", "reply", at, said, dict.fromkeys(said, MODEL))


def account(*replies: AccountEvent, **facts: object) -> Account:
    base = {"balance": Decimal("180"), "days_past_due": 60, "jurisdiction": "US-TX", "consent.autodialed_calls": True}
    return Account("A1", PLACED, "America/Chicago", {**base, **facts}, events=replies)


def day_14(plan, who: Account) -> list[str | None]:
    now = dt.datetime.combine(PLACED + dt.timedelta(days=14), dt.time(11), tzinfo=CHICAGO)
    return [p.template for p in decide(plan, with_last_reply(who), now).proposals if p.source == "Plan offer"]


@pytest.mark.parametrize(
    ("replies", "facts", "templates"),
    [
        ((), {}, ["dental_pay_link"]),
        ((reply(10, **{"intent.hardship": True}),), {}, [None, "dental_plan_offer"]),  # the plan, then its email
        ((reply(10, **{"intent.hardship": True}), reply(12, **{"intent.hardship": False})), {}, ["dental_pay_link"]),
        ((reply(12, **{"intent.hardship": False}), reply(10, **{"intent.hardship": True})), {}, ["dental_pay_link"]),
        ((reply(10, **{"intent.hardship": True}),), {"intent.hardship": False}, ["dental_pay_link"]),  # an agent's note
    ],
)
def test_the_plan_offer_follows_what_the_patient_said_last(plan, replies, facts, templates) -> None:
    assert day_14(plan, account(*replies, **facts)) == templates


def test_the_last_replys_scores_are_named_with_their_model() -> None:
    heard = with_last_reply(account(reply(10, **{"intent.hardship": True, "sentiment.anxiety": 0.7})))
    assert heard.facts["intent.hardship"] is True and heard.facts["sentiment.anxiety"] == 0.7
    assert heard.score_sources["intent.hardship"] == MODEL
    plain = account()
    assert with_last_reply(plain) is plain


@pytest.mark.parametrize(("said", "allowed"), [({"intent.hardship": True}, False), ({"intent.hardship": False}, True)])
def test_a_credit_report_waits_while_the_patient_last_said_they_cannot_pay(said: dict, allowed: bool) -> None:
    """ETHICS-HARDSHIP-NO-ECA reads the patient's intents: the last reply's now reach it."""
    rules = compile_rules(load_policies(ROOT / "policies")[0])
    now = dt.datetime(2026, 9, 20, 11, tzinfo=CHICAGO)
    heard = with_last_reply(account(reply(200, **said), days_past_due=400, **{"score.distress": Decimal("0.1")}))
    answer = account_guard(heard, Ledger(), rules, "provider", now)(ContactRequest(now, "credit_report", heard.debts))
    refused = {v["rule"] for v in answer.details.get("violations", [])}
    assert ("ETHICS-HARDSHIP-NO-ECA" not in refused) is allowed, answer.details


PLACEMENT = """\
strategy "Placement" version 1
  organization provider
  audience balance >= $10
  tone supportive

  step "Place with an agency" on day 120
    escalate agency
  end
end
"""


@pytest.mark.parametrize(("distress", "placed"), [("0.95", False), ("0.10", True)])
def test_placing_with_an_agency_asks_the_guard_first(distress: str, placed: bool) -> None:
    """ETHICS-HARDSHIP-NO-AGENCY: no placement for a patient in distress (the guard judges `escalate agency`)."""
    program = parse(PLACEMENT).program
    assert isinstance(program, ast.Strategy)
    plan = compile_plan(program, PLACEMENT)
    rules = compile_rules(load_policies(ROOT / "policies")[0])
    now = dt.datetime.combine(PLACED + dt.timedelta(days=120), dt.time(11), tzinfo=CHICAGO)
    who = account(days_past_due=200, **{"score.distress": Decimal(distress), "original_balance": Decimal("180")})
    decision = decide(plan, who, now, account_guard(who, Ledger(), rules, "provider", now))
    assert [p.channel for p in decision.proposals] == (["agency"] if placed else [])
    verdicts = [v for step in decision.trace.steps for v in step.verdicts]
    refused = {r["rule"] for v in verdicts for r in v.get("violations", [])}
    assert ("ETHICS-HARDSHIP-NO-AGENCY" in refused) is not placed
