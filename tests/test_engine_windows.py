"""A step's window holds in every time zone the patient may be in (`engine.windows`).

DESIGN.md's strategy texts its "Friendly reminder" on day 3 (Thursday, March 5, 2026) at
10:00-19:00, the patient's local time. The patient lives in Chicago (UTC-6 that day); some also
carry a second number or address in another zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from test_api_fixtures import api_fixture, database_url, folders_fixture  # noqa: F401
from test_engine_decide import DESIGN, account, at, plan_for

from dsl import ast, parse
from engine.decide import decide
from engine.evaluators import EVALUATORS, build_plan
from engine.windows import pick_time, todays_hours


@pytest.mark.parametrize(
    ("zones", "sent_at", "reason"),
    [
        ((), (10, 0), None),
        (("America/Chicago",), (10, 0), None),  # its own zone again changes nothing
        (("America/New_York",), (10, 0), None),  # 10:00-19:00 there is 09:00-18:00 here
        (("Pacific/Honolulu",), (14, 0), None),  # 10:00 in Honolulu is 14:00 in Chicago
        (("Pacific/Honolulu", "America/New_York"), (14, 0), None),
        (("Asia/Tokyo",), None, "is not open today in every time zone the patient may be in"),
    ],
)
def test_the_reminder_goes_out_only_while_its_window_is_open_everywhere(
    zones: tuple[str, ...], sent_at: tuple[int, int] | None, reason: str | None
) -> None:
    patient = replace(account(), extra_zones=zones)
    for plan in (plan_for(DESIGN.read_text()), plan_for(DESIGN.read_text(), reference=True)):
        decision = decide(plan, patient, at(3, 8, 0))
        if sent_at is None:
            assert decision.proposals == ()
            step = next(s for s in decision.trace.steps if s.name == "Friendly reminder")
            assert reason is not None and reason in str(step.reason), step.reason
        else:
            [proposal] = decision.proposals
            assert proposal.at == at(3, *sent_at), proposal.at


def test_the_window_passed_in_the_other_zone_passes_here_too() -> None:
    """At 17:00 in Chicago it is 18:00 in New York: one more hour; at 18:00 none is left."""
    patient = replace(account(), extra_zones=("America/New_York",))
    plan = plan_for(DESIGN.read_text())
    assert [p.at for p in decide(plan, patient, at(3, 17, 0)).proposals] == [at(3, 17, 0)]
    late = decide(plan, patient, at(3, 18, 0))
    assert late.proposals == ()
    step = next(s for s in late.trace.steps if s.name == "Friendly reminder")
    assert step.reason == "its window 10:00-19:00 has passed for today"


@pytest.mark.parametrize("evaluator", sorted(EVALUATORS))
def test_every_evaluator_keeps_the_window_in_every_zone(evaluator: str) -> None:
    text = DESIGN.read_text()
    program = parse(text).program
    assert isinstance(program, ast.Strategy)
    plan = build_plan(program, text, evaluator)
    patient = replace(account(), extra_zones=("Pacific/Honolulu",))
    [proposal] = decide(plan, patient, at(3, 8, 0)).proposals
    assert proposal.at.astimezone(ZoneInfo("Pacific/Honolulu")).time() == dt.time(10, 0)


BEST = """strategy "Best" version 1
  step "Text" on day 3 at best_time within 10:00-19:00
    send sms "friendly_reminder"
  end
end
"""


@pytest.mark.parametrize(
    ("zones", "best", "sent_at"),
    [
        ((), 11 * 60, (11, 0)),
        (("America/New_York",), 18 * 60 + 30, (17, 59)),  # the best time clamped into what is open
        (("Pacific/Honolulu",), 11 * 60, (14, 0)),
        (("Pacific/Honolulu",), 16 * 60, (16, 0)),
    ],
)
def test_the_best_time_is_clamped_into_the_hours_open_everywhere(
    zones: tuple[str, ...], best: int, sent_at: tuple[int, int]
) -> None:
    step = parse(BEST).program.steps[0]  # type: ignore[union-attr]
    assert step.window is not None
    now = at(3, 8, 0)
    chosen = pick_time(step.window, todays_hours(step.window, now, zones), {"best_time": best}, now, "sms")
    assert chosen == at(3, *sent_at)


def test_the_service_reads_the_patients_other_zones(api: Any) -> None:
    """`PUT /v1/patients` `extra_timezones` reach decide: the agency's 09:00-20:00 call to a New Yorker
    who may be in Honolulu (six hours behind that day) waits for 09:00 there, 15:00 in New York."""
    from test_external_contacts_api import ACCOUNT, PATIENT, deployed

    deployed(api)
    patient = {**PATIENT, "extra_timezones": ["Pacific/Honolulu"]}
    assert api.call("outreach", "PUT", "/v1/patients/P1", json=patient).status_code == 200
    assert api.call("outreach", "PUT", "/v1/accounts/A1", json=ACCOUNT).status_code == 200
    answer = api.call("outreach", "POST", "/v1/decide", json={"account_id": "A1", "now": "2026-03-16T08:00:00-04:00"})
    assert answer.status_code == 200, answer.text
    [call] = [p for p in answer.json()["proposals"] if p["channel"] == "call"]
    assert dt.datetime.fromisoformat(call["at"]) == dt.datetime(2026, 3, 16, 15, 0, tzinfo=ZoneInfo("America/New_York"))
