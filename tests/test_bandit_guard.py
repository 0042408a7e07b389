"""The bandit meets the engine: the guard as a probe, and the window of the steps that want a best time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from dsl import ast, parse
from engine.decide import ContactRequest, GuardAnswer
from engine.plan import compile_plan
from engine.scores.bandit import BanditState, Outcome, account_timing, allowed_arms, update
from engine.scores.bandit_guard import best_time_window, guard_probe

ZONE = ZoneInfo("America/Chicago")
NOW = dt.datetime(2026, 3, 16, 7, 30, tzinfo=ZONE)  # a Monday, before the day's contacts
STRATEGY = """strategy "Timed" version 1
  organization provider
  jurisdictions US-TX
  audience balance > $0
  languages en
  step "Text" on day 3 at best_time within 09:00-19:00
    send sms "friendly_reminder"
  end
  step "Call" on day 3 at best_time within 10:00-20:00
    call "agent_script"
  end
  step "Fixed" on day 4 at 10:00-12:00
    send sms "friendly_reminder"
  end
  stop when paid
end
"""


def fake_guard(request: ContactRequest) -> GuardAnswer:
    """Calls are capped today; texts wait until 12:15 (say, a cool-down); email goes."""
    local = request.at.astimezone(ZONE)
    if request.channel == "call":
        return GuardAnswer(False, None)
    if request.channel == "sms" and (local.hour, local.minute) < (12, 15):
        return GuardAnswer(False, local.replace(hour=12, minute=15))
    return GuardAnswer(True)


PROBES = [
    # (channel, minute, expected)
    ("email", 9 * 60, 9 * 60),
    ("call", 9 * 60, None),
    ("sms", 12 * 60, 12 * 60 + 15),  # the guard's next allowed time, to be re-asked
    ("sms", 13 * 60, 13 * 60),
    ("email", 7 * 60, None),  # already past
]


@pytest.mark.parametrize(("channel", "minute", "expected"), PROBES)
def test_guard_probe(channel: str, minute: int, expected: int | None) -> None:
    assert guard_probe(fake_guard, NOW, ("D1",))(channel, minute) == expected


def test_the_guard_shapes_the_arms_the_bandit_may_choose() -> None:
    minutes = allowed_arms(("sms", "call", "email"), (9 * 60, 19 * 60), probe=guard_probe(fake_guard, NOW, ("D1",)))
    assert minutes.minutes[("sms", 12)] == 12 * 60 + 15 and ("sms", 11) not in minutes.minutes
    assert not any(channel == "call" for channel, _ in minutes.minutes)
    assert minutes.minutes[("email", 9)] == 9 * 60


def test_a_lured_bandit_still_times_inside_the_guard() -> None:
    lured = update(
        BanditState(), [Outcome("working", "sms", 10, True)] * 100 + [Outcome("working", "call", 9, True)] * 100
    )
    facts = {"consent.sms": True, "consent.autodialed_calls": True, "patient.age": 50}
    probe = guard_probe(fake_guard, NOW, ("D1",))
    scores = account_timing(lured, facts, "A-1", NOW.date().toordinal(), window=(9 * 60, 19 * 60), probe=probe)
    assert set(scores) == {"best_time.sms", "best_channel", "best_time"} and isinstance(scores["best_time"], int)
    assert scores["best_time"] >= 12 * 60 + 15


@pytest.fixture(scope="module")
def plan():
    program = parse(STRATEGY).program
    assert isinstance(program, ast.Strategy)
    return compile_plan(program, STRATEGY)


@pytest.mark.parametrize(("day", "expected"), [(3, (10 * 60, 19 * 60)), (4, None), (5, None)])
def test_best_time_window_is_the_overlap_of_the_days_best_time_steps(plan, day: int, expected: object) -> None:
    assert best_time_window(plan, day) == expected
