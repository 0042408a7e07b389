"""The guard's shortcuts give exactly the answers of the longer ways they replace.

Judging a batch's proposals quickly leans on a few shortcuts (`engine.guard.lazy.made`, the
static screens folded once per signature, `judge.next_change`, `occurrences.occurs_since`, the
time-window finding worked out once per instant and window). Each is held here to the plain
computation it stands for, on the golden guard cases varied at random
(`test_guard_screens.varied_cases`) under the real policy packs; the verdicts themselves are held
to the unscreened judgement by `test_guard_screens` and to the golden files by `test_guard`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from bisect import bisect_right
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_guard_screens import ROOT, SEEDS, varied_cases

from engine.decide import GuardAnswer
from engine.guard import CaseError, compile_rules, judge, parse_case
from engine.guard import case as c
from engine.guard.history import View
from engine.guard.judge import next_change
from engine.guard.kinds.occurrences import occurrences, occurs_since
from engine.guard.lazy import made
from engine.guard.screens import signature
from engine.guard.verdict import Finding
from engine.guard_case import fact_group, patient_facts
from runtime.files import load_policies

UTC = dt.UTC
AT = dt.datetime(2026, 3, 16, 13, 0, tzinfo=UTC)
# Words an obligation or a waiting period may name: events, templates, messages, dates, conversations.
WORDS = [
    "validation_notice",
    "handoff",
    "dispute",
    "hardship_reply",
    "verification",
    "eca_notice",
    "agency_call_script",
    "letter",
    "message",
    "email",
    "conversation",
    "first_statement",
    "statement",
    "placement",
    "first_communication",
    "fa_application",
]


def read(data: dict[str, Any]) -> c.Case:
    """A varied case, or the example is dropped when the variation made it malformed."""
    try:
        return parse_case(data)
    except CaseError:
        assume(False)
        raise


def test_made_builds_the_same_objects_as_the_constructors() -> None:
    zone = ZoneInfo("America/New_York")
    examples: list[tuple[type, dict[str, Any]]] = [
        (c.Proposal, {"at": AT, "channel": "call", "debts": ("D1",), "to": None, "automated": None, "template": "x"}),
        (
            c.Debt,
            {
                "id": "D1",
                "kind": "medical",
                "balance": Decimal("10.00"),
                "initial_balance": None,
                "first_statement": dt.date(2025, 1, 2),
                "delinquent_since": None,
                "placed": dt.date(2025, 3, 1),
                "time_barred": None,
            },
        ),
        (Finding, {"rule": "R", "citation": "C", "message": "m", "clears_at": AT, "warning": True}),
        (GuardAnswer, {"allowed": False, "next_allowed_at": AT, "details": {"allowed": False}}),
    ]
    patient = {f.name: None for f in dataclasses.fields(c.Patient)}
    patient |= {"zones": (zone,), "zone_names": ("America/New_York",), "zones_known": True, "consent": {"sms": True}}
    patient |= {"inconvenient_times": (), "inconvenient_places": (), "contact_points": (), "scores": {"x": 0.5}}
    patient |= {"confidential_channels": (), "confidential_to": (), "intents": frozenset({"stop"}), "age": 40}
    examples.append((c.Patient, patient))
    for cls, fields in examples:
        assert {f.name for f in dataclasses.fields(cls)} == set(fields), cls  # every field given
        built, fast = cls(**fields), made(cls, **fields)
        assert fast == built and repr(fast) == repr(built) and type(fast) is cls
        assert dataclasses.asdict(fast) == dataclasses.asdict(built)


def test_a_case_asked_about_another_proposal_keeps_its_index_and_nothing_else_changes() -> None:
    case = parse_case(SEEDS[0])
    index = case.index
    other = dataclasses.replace(case.proposed, channel="letter")
    moved = case.with_proposal(other)
    assert moved == dataclasses.replace(case, proposed=other)
    assert moved.index is index and moved.proposed is other and case.proposed is not other
    fresh = parse_case(SEEDS[0]).with_proposal(other)
    assert "index" not in fresh.__dict__  # not built yet: built on first use, for that case


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(varied_cases(), st.integers(-40 * 1440, 20 * 1440))
def test_next_change_is_the_first_row_or_event_after_an_instant(data: dict[str, Any], minutes: int) -> None:
    case = read(data)
    at = case.proposed.at + dt.timedelta(minutes=minutes)
    changes = sorted({*case.history_times, *case.event_times})
    after = bisect_right(changes, at)
    assert next_change(case, at) == (changes[after] if after < len(changes) else None)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(varied_cases(), st.sampled_from(WORDS), st.integers(-40 * 1440, 1440))
def test_occurs_since_is_an_occurrence_at_or_after_the_instant(data: dict[str, Any], word: str, minutes: int) -> None:
    case = read(data)
    view = View(case, case.proposed.at)
    since = case.proposed.at + dt.timedelta(minutes=minutes)
    for debt in (*(d.id for d in case.debts), "*"):
        listed = any(o.at >= since for o in occurrences(view, word, debt))
        assert occurs_since(view, word, debt, since) == listed, (word, debt)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(varied_cases(), min_size=2, max_size=6))
def test_folded_screens_give_each_case_its_own_verdict_whatever_came_before(cases: list[dict[str, Any]]) -> None:
    """The static screens' memo is shared by every case with a signature: a batch judged with one
    `GuardRules` gives each case the verdict it gets alone, with fresh rules."""
    parsed = []
    for data in cases:
        try:
            parsed.append(parse_case(data))
        except CaseError:
            continue
    shared = compile_rules(load_policies(ROOT / "policies")[0])
    for case in parsed:
        alone = compile_rules(load_policies(ROOT / "policies")[0])
        assert judge(case, shared) == judge(case, alone) == judge(case, alone, screened=False)


def test_the_signature_reads_what_the_static_screens_read() -> None:
    case = parse_case(SEEDS[0])
    sign = signature(View(case, case.proposed.at))
    assert sign[0] == frozenset(case.index.events_by_type) and sign[1] == frozenset(case.index.by_template)
    named = case.with_proposal(dataclasses.replace(case.proposed, to="m1"))
    assert signature(View(named, named.proposed.at)) != sign  # a proposal naming a number may reach a third party


def test_patient_facts_are_the_facts_the_patient_part_reads_in_order() -> None:
    names = ("balance", "consent.sms", "intent.stop", "score.propensity", "consentx", "score", "patient.age")
    expected = tuple((n, *fact_group(n)) for n in names if fact_group(n)[0] is not None)
    assert patient_facts(names) == expected
    assert [n for n, _, _ in expected] == ["consent.sms", "intent.stop", "score.propensity"]


def test_packs_holding_different_hours_each_name_their_own_in_a_shared_instant() -> None:
    """The time-window finding is worked out once per instant and window: a Washington patient at
    21:30 is outside Regulation F's and the TCPA's 08:00-21:00 and Washington's 07:30-21:00, and
    each finding names its own hours and the instant its own window opens."""
    fixture = ROOT / "tests" / "fixtures" / "checks" / "policies_v2" / "guard" / "wa_rcw_hours_break.json"
    data = json.loads(fixture.read_text())["case"]
    data["now"] = data["proposed"]["at"] = "2026-03-20T21:30:00"
    verdict = judge(parse_case(data), compile_rules(load_policies(ROOT / "policies")[0]))
    found = {f.rule: f for f in verdict.violations + verdict.warnings}
    assert "08:00 and 21:00" in found["REGF-TIME-8TO9"].message
    assert "08:00 and 21:00" in found["TCPA-SOLICITATION-HOURS"].message
    assert "07:30 and 21:00" in found["WA-RCW-19.16.250"].message
    zone = ZoneInfo("America/Los_Angeles")
    assert found["WA-RCW-19.16.250"].clears_at == dt.datetime(2026, 3, 21, 7, 30, tzinfo=zone)
    assert found["REGF-TIME-8TO9"].clears_at == dt.datetime(2026, 3, 21, 8, 0, tzinfo=zone)
