"""The fast guard against the slow reference reading of Regulation F's call counts, on random ledgers.

Random histories mix calls, voicemails and texts, every outcome, several debts, several numbers
(one of them someone else's), inbound conversations, direct consents and revocations, in time
zones with daylight saving (and one without), across the 2024 leap day and DST switch days.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl import parse
from engine.guard import compile_rules, judge, parse_case
from engine.guard.reference import call_allowed, next_call_allowed

PACK = """policy "us.fdcpa_regf" title "calls" applies to agency
  rule "REGF-FREQ-7IN7" cites "12 CFR 1006.14(b)(2)(i)(A)"
    limit call, voicemail to 7 per debt per 7 days
  end
  rule "REGF-FREQ-POSTCONV-7D" cites "12 CFR 1006.14(b)(2)(i)(B)"
    after conversation no call, voicemail per debt for 7 days
  end
end
"""
RULES = compile_rules([parse(PACK).program])  # type: ignore[list-item]
ZONES = ["America/New_York", "America/Los_Angeles", "Pacific/Honolulu", "Europe/London"]
DEBTS = ["D1", "D2", "D3"]
POINTS = [{"id": "m1", "kind": "mobile"}, {"id": "l1", "kind": "landline"}, {"id": "x1", "kind": "mobile"}]
OUTCOMES = ["no_answer"] * 6 + ["conversation", "voicemail", "limited_content_message", "busy", "not_in_service", None]
# Around the 2024 leap day and the US spring-forward (March 10) and fall-back (November 3) days.
STARTS = [dt.datetime(2024, 2, 24), dt.datetime(2024, 3, 5), dt.datetime(2024, 10, 29), dt.datetime(2020, 3, 30)]


def minutes(span_days: int) -> st.SearchStrategy[int]:
    """Minutes into the test period."""
    return st.integers(min_value=0, max_value=span_days * 1440 - 1)


def local(start: dt.datetime, minute: int) -> str:
    """A patient-local time string `minute` minutes after `start`."""
    return (start + dt.timedelta(minutes=minute)).isoformat(timespec="seconds")


@st.composite
def cases(draw: Any) -> dict[str, Any]:
    """A random case whose ledger and events all come before the proposal."""
    start = draw(st.sampled_from(STARTS))
    span = 16
    debts = DEBTS[: draw(st.sampled_from([1, 1, 2, 3]))]
    proposal_minute = draw(st.integers(min_value=10 * 1440, max_value=span * 1440 - 1))
    history = []
    recent = max(0, proposal_minute - 9 * 1440)  # most rows fall in the windows that matter
    for _ in range(draw(st.integers(0, 40))):
        entry: dict[str, Any] = {
            "at": local(start, draw(st.integers(draw(st.sampled_from([0, recent, recent])), proposal_minute - 1))),
            "channel": draw(st.sampled_from(["call"] * 5 + ["voicemail", "sms"])),
            "direction": draw(st.sampled_from(["outbound"] * 8 + ["inbound"])),
            "debts": draw(st.lists(st.sampled_from(debts), max_size=2, unique=True)),
            "to": draw(st.sampled_from(["m1", "l1", "x1", None])),
        }
        outcome = draw(st.sampled_from(OUTCOMES))
        if outcome is not None:
            entry["outcome"] = outcome
        if draw(st.integers(0, 9)) == 0:
            entry["counted_for"] = draw(st.lists(st.sampled_from(debts), max_size=1))
        history.append(entry)
    events = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["consent_given", "consent_revoked", "number_not_patient"]))
        event: dict[str, Any] = {"at": local(start, draw(st.integers(0, proposal_minute - 1))), "type": kind}
        if kind == "number_not_patient":
            event["to"] = "x1"
        else:
            event["channel"] = draw(st.sampled_from(["call", "sms"]))
            if draw(st.booleans()):
                event["debt"] = draw(st.sampled_from(debts))
            if kind == "consent_given":
                event["days"] = draw(st.integers(1, 9))
        events.append(event)
    return {
        "now": local(start, proposal_minute),
        "jurisdiction": "US-TX",
        "organization": "agency",
        "patient": {"timezones": [draw(st.sampled_from(ZONES))], "contact_points": POINTS},
        "debts": [{"id": d} for d in debts],
        "history": history,
        "events": events,
        "proposed": {
            "at": local(start, proposal_minute),
            "channel": draw(st.sampled_from(["call", "voicemail"])),
            "debts": draw(st.lists(st.sampled_from(debts), max_size=2, unique=True)),
            "to": draw(st.sampled_from(["m1", "l1", "x1"])),
        },
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_fast_guard_agrees_with_the_reference_on_random_ledgers(data: dict[str, Any]) -> None:
    case = parse_case(data)
    verdict = judge(case, RULES)
    assert verdict.allowed == call_allowed(case, case.proposed.at), verdict.to_dict()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_next_allowed_time_is_the_references_first_allowed_midnight(data: dict[str, Any]) -> None:
    case = parse_case(data)
    verdict = judge(case, RULES)
    if verdict.allowed:
        return
    expected = next_call_allowed(case, case.proposed.at)
    shown = None if expected is None else expected.astimezone(case.patient.zone).replace(tzinfo=None)
    assert verdict.next_allowed_at == (None if shown is None else shown.isoformat(timespec="seconds"))


def test_the_reference_itself_reads_the_worked_example_of_comment_14_b_2_ii_1_i() -> None:
    calls = [("2020-04-01T10:00:00", "limited_content_message")] + [
        (f"2020-04-0{d}T{h}:00:00", "no_answer") for d in (2, 3, 6) for h in (10, 15)
    ]
    data = {
        "now": "2020-04-07T10:00:00",
        "jurisdiction": "US-TX",
        "organization": "agency",
        "patient": {"timezones": ["America/New_York"]},
        "debts": [{"id": "M"}],
        "history": [{"at": at, "channel": "call", "debts": ["M"], "outcome": o} for at, o in calls],
        "proposed": {"channel": "call", "debts": ["M"]},
    }
    case = parse_case(data)
    assert not call_allowed(case, case.proposed.at)
    assert next_call_allowed(case, case.proposed.at) == dt.datetime(2020, 4, 8, 4, 0, tzinfo=dt.UTC)
