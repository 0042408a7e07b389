"""A strategy's own brakes: `pause for …` holds the steps back, `stop CHANNEL` ends a channel, a bare
`stop` ends the strategy, in the decision that acts on them and in every later one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from dsl import ast, parse
from engine.account import Account, AccountEvent, Progress
from engine.decide import Proposal, decide
from engine.holds import ENDED, held_after
from engine.plan import compile_plan
from runtime.portfolio import BadCell, read_progress
from runtime.store.accounts import progress_json

ZONE = ZoneInfo("America/New_York")
PLACED = dt.date(2026, 3, 2)
STRATEGY = """\
strategy "Brakes" version 1
  organization provider
  audience balance >= $10
  tone supportive

  step "Text" every 1 day from day 1 to day 60 at 10:00-19:00
    send sms "friendly_reminder"
  end

  step "Letter" every 1 day from day 1 to day 60 at 10:00-19:00
    send letter "statement"
  end

  on reply when intent.hardship
    handoff "financial-counselors" priority high
    pause for 14 days
  end

  on reply when intent.stop
    stop sms
  end

  on reply when intent.wrong_person
    stop
  end

  on payment
    send email "payment_thanks"
  end
end
"""


@pytest.fixture(scope="module")
def plan():
    program = parse(STRATEGY).program
    assert isinstance(program, ast.Strategy)
    return compile_plan(program, STRATEGY)


def at(day: int, hour: int = 9) -> dt.datetime:
    date = PLACED + dt.timedelta(days=day)
    return dt.datetime(date.year, date.month, date.day, hour, 0, tzinfo=ZONE)


def account(*events: AccountEvent) -> Account:
    facts = {"balance": Decimal("300"), "days_past_due": 60}
    return Account("A1", PLACED, "America/New_York", facts, events=events)


def reply(day: int, intent: str) -> AccountEvent:
    return AccountEvent(f"R{day}", "reply", at(day, 8), {f"intent.{intent}": True})


def carried_out(before: Account, now: dt.datetime, plan) -> Account:
    """The account after the decision at `now`, as the runtime stores it (events handled, holds kept)."""
    decision = decide(plan, before, now)
    handled = {f"{s.name}|{s.event}" for s in decision.trace.steps if s.acted and s.event}
    progress = held_after(before.progress, decision.proposals, now)
    progress = Progress(
        progress.steps_acted,
        progress.last_acted_day,
        progress.handled | handled,
        progress.handler_counts,
        progress.paused_until,
        progress.stopped_channels,
        progress.ended,
    )
    return Account(before.account_id, before.placed_on, before.timezone, before.facts, before.events, progress)


def sent(plan, who: Account, now: dt.datetime) -> list[tuple[str, str | None]]:
    return [(p.action, p.channel) for p in decide(plan, who, now).proposals]


def test_without_a_reply_both_steps_act_every_day(plan) -> None:
    assert sent(plan, account(), at(5, 10)) == [("send", "sms"), ("send", "letter")]


def test_a_hardship_reply_holds_that_days_steps_and_hands_off_at_once(plan) -> None:
    decision = decide(plan, account(reply(5, "hardship")), at(5, 10))
    assert [(p.action, p.details.get("minutes")) for p in decision.proposals] == [
        ("handoff", None),
        ("pause", 14 * 24 * 60),
    ]
    reasons = {s.name: s.reason for s in decision.trace.steps if not s.event}
    assert reasons["Text"] == reasons["Letter"] == "paused by a `pause` action until 2026-03-21T10:00-04:00"


@pytest.mark.parametrize(
    ("day", "hour", "expected"),
    [
        (6, 10, []),  # the next day: still paused
        (19, 9, []),  # the pause's last morning
        (19, 10, [("send", "sms"), ("send", "letter")]),  # 14 days after the handler acted
        (30, 10, [("send", "sms"), ("send", "letter")]),
    ],
)
def test_a_pause_holds_the_steps_on_later_days_until_it_ends(plan, day: int, hour: int, expected: list) -> None:
    after = carried_out(account(reply(5, "hardship")), at(5, 10), plan)
    assert after.progress.paused_until == at(19, 10).astimezone(dt.UTC)
    assert sent(plan, after, at(day, hour)) == expected


def test_handlers_still_act_while_the_steps_are_paused(plan) -> None:
    after = carried_out(account(reply(5, "hardship")), at(5, 10), plan)
    paid = AccountEvent("P7", "payment", at(7, 8))
    with_payment = Account("A1", PLACED, "America/New_York", after.facts, (*after.events, paid), after.progress)
    assert sent(plan, with_payment, at(7, 10)) == [("send", "email")]


def test_stop_sms_ends_texts_for_good_and_letters_go_on(plan) -> None:
    decision = decide(plan, account(reply(5, "stop")), at(5, 10))
    assert [(p.action, p.channel) for p in decision.proposals] == [("send", "letter"), ("stop", None)]
    reasons = {s.name: s.reason for s in decision.trace.steps if not s.event}
    assert reasons["Text"] == "`sms` was ended for this account by a `stop sms` action"
    after = carried_out(account(reply(5, "stop")), at(5, 10), plan)
    assert after.progress.stopped_channels == frozenset({"sms"})
    assert sent(plan, after, at(40, 10)) == [("send", "letter")]


def test_a_bare_stop_ends_the_strategy_for_the_account(plan) -> None:
    decision = decide(plan, account(reply(5, "wrong_person")), at(5, 10))
    assert [p.action for p in decision.proposals] == ["stop"]
    assert {s.reason for s in decision.trace.steps if not s.event} == {ENDED}
    after = carried_out(account(reply(5, "wrong_person")), at(5, 10), plan)
    paid = AccountEvent("P7", "payment", at(7, 8))
    later = Account("A1", PLACED, "America/New_York", after.facts, (*after.events, paid), after.progress)
    ended = decide(plan, later, at(7, 10))
    assert ended.proposals == () and ended.trace.outcome == ENDED


def proposal(action: str, **details: object) -> Proposal:
    return Proposal("on reply #1", action, None, None, at(5, 10), details)


def test_a_second_pause_keeps_the_later_end_and_other_actions_change_nothing() -> None:
    start = Progress(handled=frozenset({"x|E1"}))
    assert held_after(start, [proposal("handoff", queue="q")], at(5, 10)) is start
    long = held_after(start, [proposal("pause", minutes=14 * 1440)], at(5, 10))
    short = held_after(long, [proposal("pause", minutes=1440)], at(6, 10))
    assert short.paused_until == long.paused_until == at(19, 10).astimezone(dt.UTC)
    assert short.handled == start.handled


@pytest.mark.parametrize(
    "progress",
    [
        Progress(),
        Progress({"Text": 2}, {"Text": 4}, frozenset({"on reply #1|R5"}), {"on reply #1": 1}),
        Progress(paused_until=at(19, 10).astimezone(dt.UTC), stopped_channels=frozenset({"sms", "call"})),
        Progress(ended=True),
    ],
)
def test_progress_is_stored_and_read_back_unchanged(progress: Progress) -> None:
    assert read_progress(progress_json(progress)) == progress


def test_stored_progress_without_holds_keeps_its_old_shape() -> None:
    assert set(progress_json(Progress())) == {"steps_acted", "last_acted_day", "handled", "handler_counts"}


@pytest.mark.parametrize(
    "data",
    [
        {"paused_until": "2026-03-19T10:00:00"},
        {"paused_until": "next week"},
        {"stopped_channels": 3},
        {"stopped_channels": "sms"},  # a string, not a list: never read as the channels s and m
        {"stopped_channels": ["fax"]},
        {"ended": "true"},
    ],
)
def test_a_malformed_hold_in_stored_progress_is_named(data: dict) -> None:
    with pytest.raises(BadCell, match=r"stopped_channels.*ended.*paused_until"):
        read_progress(data)
