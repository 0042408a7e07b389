"""Step definitions for tests/features/guard_*.feature: Regulation F's worked examples, judged by the guard.

Each scenario builds a guard case (DESIGN.md's JSON format) step by step, parses it with
`parse_case` and judges it with policies/us.fdcpa_regf.parley, so the scenarios exercise exactly
what `parley guard CASE.json` runs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from dsl import parse
from engine.guard import Verdict, compile_rules, judge, parse_case

POLICIES = Path(__file__).parent.parent / "policies"
CHANNEL_WORDS = {
    "call": "call",
    "voicemail": "voicemail",
    "email": "email",
    "letter": "letter",
    "text message": "sms",
    "credit report": "credit_report",
    "eca": "eca",
}

scenarios("guard_regf.feature", "guard_policies.feature")


@pytest.fixture(scope="module")
def regf_rules():  # type: ignore[no-untyped-def]
    """The Regulation F pack of policies/, compiled once: the scenarios judge what ships."""
    result = parse((POLICIES / "us.fdcpa_regf.parley").read_text(), "us.fdcpa_regf.parley")
    assert result.program is not None and not result.diagnostics
    return compile_rules([result.program])


@pytest.fixture(scope="module")
def all_rules():  # type: ignore[no-untyped-def]
    """Every shipped pack, compiled once."""
    packs = [parse(p.read_text(), p.name).program for p in sorted(POLICIES.glob("*.parley"))]
    return compile_rules(packs)  # type: ignore[arg-type]


@pytest.fixture
def packs() -> dict[str, Any]:
    """Which packs the scenario judges with: Regulation F unless it says otherwise."""
    return {}


@pytest.fixture
def case() -> dict[str, Any]:
    """The case the steps build."""
    return {"jurisdiction": "US-TX", "organization": "agency", "history": [], "events": []}


@pytest.fixture
def outcome() -> dict[str, Verdict]:
    """Where the When step leaves the verdict."""
    return {}


def split(text: str) -> list[str]:
    """`MED, CARD` → [`MED`, `CARD`]; an empty cell → []."""
    return [part.strip() for part in text.split(",") if part.strip()]


def rows(datatable: list[list[str]]) -> list[dict[str, str]]:
    """A Gherkin table as dicts keyed by its header, blank cells left out."""
    header, *body = datatable
    return [{k.strip(): v.strip() for k, v in zip(header, row, strict=True) if v.strip()} for row in body]


def timestamp(text: str) -> str:
    """`2020-04-01 10:00` → `2020-04-01T10:00:00`; times with an offset pass through."""
    text = text.strip()
    if "T" in text:
        return text
    return dt.datetime.fromisoformat(text).isoformat(timespec="seconds")


# ---------------------------------------------------------------- given


@given(
    parsers.re(
        r'a patient in "(?P<zones>[^"]+)" owing "(?P<debts>[^"]+)"'
        r'(?: of kind "(?P<kind>[^"]+)")?(?: first billed on "(?P<billed>[^"]+)")?$'
    )
)
def patient(case: dict[str, Any], zones: str, debts: str, kind: str | None, billed: str | None) -> None:
    case["patient"] = {"timezones": split(zones), "consent": {}, "scores": {"distress": 0.1}}
    case["debts"] = [
        {"id": d, "kind": kind or "medical", "balance": "900.00", "initial_balance": "900.00", "time_barred": False}
        for d in split(debts)
    ]
    if billed:
        for debt in case["debts"]:
            debt["first_statement"] = billed


@given("the shipped policy packs")
def shipped_packs(packs: dict[str, Any], all_rules: Any) -> None:
    packs["rules"] = all_rules


@given(
    parsers.re(
        r'an? (?P<organization>agency|provider|nonprofit_hospital) collecting from a patient in "(?P<where>[^"]+)"'
    )
)
def collector(case: dict[str, Any], organization: str, where: str) -> None:
    case["organization"] = organization
    case["jurisdiction"] = where


@given(parsers.parse('the patient consented to "{kinds}"'))
def consented(case: dict[str, Any], kinds: str) -> None:
    case["patient"]["consent"].update({kind: True for kind in split(kinds)})


@given("the ledger holds:")
def ledger(case: dict[str, Any], datatable: list[list[str]]) -> None:
    for row in rows(datatable):
        entry: dict[str, Any] = {
            "at": timestamp(row["at"]),
            "channel": row["channel"],
            "direction": row.get("direction", "outbound"),
            "debts": split(row.get("debts", "")),
        }
        for key in ("outcome", "to", "template"):
            if key in row:
                entry[key] = row[key]
        if "counted_for" in row:
            entry["counted_for"] = split(row["counted_for"])
        case["history"].append(entry)


@given(parsers.parse('the ledger holds {count:d} unanswered calls a day apart from "{start}" about "{debt}"'))
def daily_calls(case: dict[str, Any], count: int, start: str, debt: str) -> None:
    first = dt.datetime.fromisoformat(start)
    for i in range(count):
        at = (first + dt.timedelta(days=i)).isoformat(timespec="seconds")
        case["history"].append({"at": at, "channel": "call", "debts": [debt], "outcome": "no_answer"})


@given("these events happened:")
def events(case: dict[str, Any], datatable: list[list[str]]) -> None:
    for row in rows(datatable):
        event: dict[str, Any] = {"at": timestamp(row["at"]), "type": row["type"]}
        for key in ("debt", "channel", "to", "kind", "text"):
            if key in row:
                event[key] = row[key]
        if "days" in row:
            event["days"] = int(row["days"])
        case["events"].append(event)


@given("the patient's contact points are:")
def contact_points(case: dict[str, Any], datatable: list[list[str]]) -> None:
    case["patient"]["contact_points"] = [
        {
            "id": r["id"],
            "kind": r["kind"],
            "place": r.get("place"),
            "employer_provided": r.get("employer_provided") == "true",
        }
        for r in rows(datatable)
    ]


@given("the patient said these times are inconvenient:")
def inconvenient_times(case: dict[str, Any], datatable: list[list[str]]) -> None:
    case["patient"]["inconvenient_times"] = [
        {"days": split(r.get("days", "")), "between": r["between"]} for r in rows(datatable)
    ]


@given(parsers.parse("the patient said {place} is an inconvenient place"))
def inconvenient_place(case: dict[str, Any], place: str) -> None:
    case["patient"].setdefault("inconvenient_places", []).append(place)


# ---------------------------------------------------------------- when


@when(
    parsers.re(
        r'an? (?P<channel>call|voicemail|email|letter|text message|credit report|eca) about "(?P<debts>[^"]*)"'
        r'(?: to "(?P<to>[^"]+)")? is proposed at "(?P<at>[^"]+)"'
    )
)
def propose(
    case: dict[str, Any],
    outcome: dict[str, Verdict],
    packs: dict[str, Any],
    regf_rules: Any,
    channel: str,
    debts: str,
    to: str | None,
    at: str,
) -> None:
    proposed: dict[str, Any] = {"at": timestamp(at), "channel": CHANNEL_WORDS[channel], "debts": split(debts)}
    if to:
        proposed["to"] = to
    case["proposed"] = proposed
    case["now"] = proposed["at"]
    outcome["verdict"] = judge(parse_case(case), packs.get("rules", regf_rules))


# ---------------------------------------------------------------- then


@then("it is allowed")
def allowed(outcome: dict[str, Verdict]) -> None:
    verdict = outcome["verdict"]
    assert verdict.allowed, [v.message for v in verdict.violations]


@then(parsers.parse('it is refused under "{rule}"'))
def refused(outcome: dict[str, Verdict], rule: str) -> None:
    verdict = outcome["verdict"]
    assert not verdict.allowed
    assert rule in [v.rule for v in verdict.violations], verdict.to_dict()


@then(parsers.parse('it warns under "{rule}"'))
def warns(outcome: dict[str, Verdict], rule: str) -> None:
    assert rule in [w.rule for w in outcome["verdict"].warnings], outcome["verdict"].to_dict()


@then(parsers.parse('the message names "{first}" and "{second}"'))
def message_names_both(outcome: dict[str, Verdict], first: str, second: str) -> None:
    messages = " | ".join(v.message for v in outcome["verdict"].violations)
    assert first in messages and second in messages, messages


@then(parsers.re(r'the message names "(?P<text>[^"]+)"$'))
def message_names(outcome: dict[str, Verdict], text: str) -> None:
    messages = " | ".join(v.message for v in outcome["verdict"].violations)
    assert text in messages, messages


@then(parsers.parse('the warning names "{text}"'))
def warning_names(outcome: dict[str, Verdict], text: str) -> None:
    messages = " | ".join(w.message for w in outcome["verdict"].warnings)
    assert text in messages, messages


@then(parsers.parse('the next allowed time is "{expected}"'))
def next_allowed(outcome: dict[str, Verdict], expected: str) -> None:
    assert outcome["verdict"].next_allowed_at == expected, outcome["verdict"].to_dict()


@then("no later time is allowed")
def never(outcome: dict[str, Verdict]) -> None:
    verdict = outcome["verdict"]
    assert not verdict.allowed and verdict.next_allowed_at is None, verdict.to_dict()
