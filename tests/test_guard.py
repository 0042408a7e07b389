"""The guard on table-driven cases: golden verdicts, malformed cases, random JSON, and speed.

Each file in tests/guard_cases/ holds a case and the verdict the shipped packs (policies/) must
give; `PARLEY_REGEN_GUARD_CASES=1 pytest tests/test_guard.py` rewrites them after a reviewed
change of wording. Malformed cases must raise `CaseError` naming the field, and no JSON at all may
make `parse_case` raise anything else.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl import parse
from engine.guard import CaseError, compile_rules, judge, parse_case

ROOT = Path(__file__).parent.parent
CASES = sorted((Path(__file__).parent / "guard_cases").glob("*.json"))
RULES = compile_rules([parse(p.read_text(), p.name).program for p in sorted((ROOT / "policies").glob("*.parley"))])  # type: ignore[misc]


def minimal_case(**changes: Any) -> dict[str, Any]:
    """A small valid case, with top-level fields replaced."""
    case: dict[str, Any] = {
        "now": "2026-03-10T14:05:00",
        "jurisdiction": "US-TX",
        "organization": "agency",
        "patient": {"timezones": ["America/New_York"], "consent": {"autodialed_calls": True}},
        "debts": [{"id": "D1", "kind": "medical", "balance": "180.00"}],
        "history": [{"at": "2026-03-09T10:00:00", "channel": "call", "debts": ["D1"], "outcome": "no_answer"}],
        "events": [],
        "proposed": {"at": "2026-03-10T14:05:00", "channel": "call", "debts": ["D1"]},
    }
    case.update(changes)
    return case


# ---------------------------------------------------------------- golden cases


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_golden_case(path: Path) -> None:
    data = json.loads(path.read_text())
    verdict = judge(parse_case(data["case"]), RULES).to_dict()
    if os.environ.get("PARLEY_REGEN_GUARD_CASES"):
        data["verdict"] = verdict
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    assert verdict == data["verdict"], json.dumps(verdict, indent=1)


def test_every_golden_case_says_what_it_checks() -> None:
    for path in CASES:
        data = json.loads(path.read_text())
        assert data.get("about") and data.get("cites") and "verdict" in data, path.name


def test_verdict_json_has_designs_shape() -> None:
    verdict = judge(parse_case(minimal_case()), RULES).to_dict()
    assert list(verdict) == ["allowed", "violations", "warnings", "next_allowed_at"]
    for finding in verdict["violations"] + verdict["warnings"]:
        assert list(finding) == ["rule", "citation", "message"]


def test_judge_accepts_packs_as_well_as_compiled_rules() -> None:
    packs = [parse(p.read_text(), p.name).program for p in sorted((ROOT / "policies").glob("*.parley"))]
    case = parse_case(json.loads(CASES[0].read_text())["case"])
    assert judge(case, packs) == judge(case, RULES)  # type: ignore[arg-type]


# ---------------------------------------------------------------- malformed cases

MALFORMED = [
    ([], "case", "expected an object"),
    (minimal_case(now=None), "now", "required"),
    (minimal_case(now="yesterday"), "now", "not a time"),
    (minimal_case(jurisdiction="Massachusetts"), "jurisdiction", "not a jurisdiction"),
    (minimal_case(organization="bank"), "organization", "`agency`"),
    (minimal_case(debts=[]), "debts", "at least one debt"),
    (minimal_case(debts=[{"id": "D1", "balance": "lots"}]), "debts[0].balance", "not an amount"),
    (minimal_case(debts=[{"id": "D1"}, {"id": "D1"}]), "debts", "listed twice"),
    (minimal_case(patient={"timezones": ["Mars/Olympus"]}), "patient.timezones[0]", "not a known time zone"),
    (minimal_case(patient={"timezones": ["../../etc/passwd"]}), "patient.timezones[0]", "not a time zone name"),
    (
        minimal_case(patient={"inconvenient_times": [{"between": "17:00-15:00"}]}),
        "patient.inconvenient_times[0].between",
        "ends before",
    ),
    (
        minimal_case(patient={"inconvenient_times": [{"days": ["tues"], "between": "15:00-17:00"}]}),
        "patient.inconvenient_times[0].days[0]",
        "`tue`",
    ),
    (minimal_case(patient={"scores": {"distress": 1.5}}), "patient.scores.distress", "between 0 and 1"),
    (minimal_case(history=[{"at": "2026-03-09T10:00:00", "channel": "fax"}]), "history[0].channel", "not one of"),
    (minimal_case(history=[{}, {"channel": "call"}]), "history[0].at", "required"),
    (
        minimal_case(
            history=[{"at": "2026-03-09", "channel": "call"}, {"at": "2026-13-09T10:00:00", "channel": "call"}]
        ),
        "history[1].at",
        "not a time",
    ),
    (
        minimal_case(history=[{"at": "2026-03-09T10:00:00", "channel": "call", "debts": ["D9"]}]),
        "history[0].debts[0]",
        "no debt has the id `D9`",
    ),
    (
        minimal_case(history=[{"at": "2026-03-09T10:00:00", "channel": "call", "to": "m1"}]),
        "history[0].to",
        "no contact point",
    ),
    (
        minimal_case(events=[{"at": "2026-03-09T10:00:00", "type": "consent_given", "days": 0}]),
        "events[0].days",
        "whole number",
    ),
    (minimal_case(events=[{"at": "2026-03-09T10:00:00", "type": "complaint"}]), "events[0].type", "not one of"),
    (minimal_case(proposed={"channel": "carrier_pigeon"}), "proposed.channel", "not one of"),
    (minimal_case(proposed=None), "proposed", "required"),
    (minimal_case(now="0001-01-01T00:00:00"), "now", "outside the years"),
]


@pytest.mark.parametrize(("data", "field", "words"), MALFORMED, ids=[m[1] for m in MALFORMED])
def test_malformed_case_names_the_field(data: Any, field: str, words: str) -> None:
    with pytest.raises(CaseError) as caught:
        parse_case(data)
    assert caught.value.field == field, caught.value
    assert words in caught.value.message, caught.value.message


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30,
)


@st.composite
def mangled_cases(draw: Any) -> Any:
    """A valid case with one field anywhere replaced by random JSON (or random JSON outright)."""
    if draw(st.integers(0, 4)) == 0:
        return draw(JSON)
    case = minimal_case()
    path = draw(
        st.sampled_from(
            [
                ("now",),
                ("jurisdiction",),
                ("organization",),
                ("patient",),
                ("patient", "timezones"),
                ("patient", "consent"),
                ("patient", "inconvenient_times"),
                ("patient", "contact_points"),
                ("debts",),
                ("debts", 0),
                ("debts", 0, "balance"),
                ("history",),
                ("history", 0),
                ("history", 0, "at"),
                ("history", 0, "debts"),
                ("events",),
                ("proposed",),
                ("proposed", "at"),
                ("proposed", "debts"),
                ("patient", "scores"),
                ("patient", "confidential_communication"),
            ]
        )
    )
    target = case
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = draw(JSON)
    return case


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled_cases())
def test_parse_case_raises_only_case_error(data: Any) -> None:
    try:
        case = parse_case(data)
    except CaseError as problem:
        assert problem.field and problem.message
        return
    judge(case, RULES)  # whatever parses, the guard judges without crashing


# ---------------------------------------------------------------- speed


def fifty_entry_case() -> dict[str, Any]:
    """A patient with two debts and 50 ledger rows over three weeks."""
    history = []
    for i in range(50):
        day, hour = divmod(i, 3)
        history.append(
            {
                "at": f"2026-02-{day + 1:02d}T{9 + hour * 4:02d}:00:00",
                "channel": ["call", "sms", "email", "voicemail", "letter"][i % 5],
                "debts": [["D1"], ["D2"], ["D1", "D2"]][i % 3],
                "outcome": ["no_answer", "delivered", "delivered", "limited_content_message", "delivered"][i % 5],
            }
        )
    return minimal_case(
        jurisdiction="US-MA",
        debts=[{"id": "D1", "balance": "900.00", "initial_balance": "900.00"}, {"id": "D2", "balance": "200.00"}],
        history=history,
        events=[{"at": "2026-02-03T10:00:00", "type": "consent_given", "channel": "call", "days": 3}],
        proposed={"at": "2026-02-20T11:00:00", "channel": "call", "debts": ["D1"]},
        now="2026-02-20T11:00:00",
    )


def test_find_next_false_gives_the_same_verdict_without_the_search() -> None:
    for path in CASES:
        case = parse_case(json.loads(path.read_text())["case"])
        full, quick = judge(case, RULES), judge(case, RULES, find_next=False)
        assert (quick.allowed, quick.violations, quick.warnings) == (full.allowed, full.violations, full.warnings)
        assert quick.next_allowed_at is None


def test_every_shipped_rule_is_judged_at_run_time_unless_it_is_about_content() -> None:
    packs = [parse(p.read_text(), p.name).program for p in sorted((ROOT / "policies").glob("*.parley"))]
    content = {
        r.rule_id
        for pack in packs
        for whole in pack.rules  # type: ignore[union-attr]
        for r in whole.one_per_constraint()
        if r.constraint is None or type(r.constraint).__name__ in ("RequireContent", "ForbidContent")
    }
    assert set(RULES.skipped) == content
