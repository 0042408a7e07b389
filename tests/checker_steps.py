"""Steps shared by tests/features/checker_timing.feature and checker_content.feature.

A scenario assembles a small strategy from words (who collects, where, the audience, its steps
given as Parley text) and checks it against one rule exactly as the shipped packs in `policies/`
write it: the scenarios say what the law asks of what ships.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when

from dsl import ast, parse
from dsl.check import CheckOptions, check_text
from dsl.diagnostics import Diagnostic, Severity

POLICIES = Path(__file__).parent.parent / "policies"
AS_OF = dt.date(2026, 3, 2)
ORGANIZATIONS = {
    "nonprofit hospital's": "nonprofit_hospital",
    "collection agency's": "agency",
    "provider's": "provider",
}
SEVERITY_WORDS = {"refused": Severity.ERROR, "warned": Severity.WARNING, "noted": Severity.INFO}


def shipped_rule(rule_id: str) -> ast.Policy:
    """The pack of `policies/` that holds `rule_id`, reduced to that one rule."""
    for path in sorted(POLICIES.glob("*.parley")):
        parsed = parse(path.read_text(encoding="utf-8"), path.name)
        policy = parsed.program
        if isinstance(policy, ast.Policy):
            for rule in policy.rules:
                if rule.rule_id == rule_id:
                    return dataclasses.replace(policy, rules=(rule,))
    raise AssertionError(f"no pack in policies/ has rule {rule_id}")


@pytest.fixture
def draft() -> dict[str, Any]:
    """The strategy the Given steps assemble."""
    return {"organization": "provider", "jurisdictions": "US-TX", "audience": [], "body": "", "stops": []}


@pytest.fixture
def outcome() -> dict[str, Any]:
    """Where the When step leaves the findings."""
    return {}


def strategy_text(draft: dict[str, Any]) -> str:
    """The assembled strategy as Parley text."""
    lines = [
        'strategy "Scenario" version 1',
        f"  organization {draft['organization']}",
        f"  jurisdictions {draft['jurisdictions']}",
    ]
    if draft.get("languages"):
        lines.append(f"  languages {draft['languages']}")
    if draft["audience"]:
        lines.append(f"  audience {' and '.join(draft['audience'])}")
    lines.extend(f"  {line}" for line in draft["body"].splitlines())
    if draft["stops"]:
        lines.append(f"  stop when {' or '.join(draft['stops'])}")
    lines.append("end")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- given


@given(parsers.parse("a {who} strategy for patients in {places}"))
def strategy_for(draft: dict[str, Any], who: str, places: str) -> None:
    draft["organization"] = ORGANIZATIONS[who]
    draft["jurisdictions"] = places


@given(parsers.parse("its accounts are at least {days:d} days past their first post-discharge statement"))
def past_first_statement(draft: dict[str, Any], days: int) -> None:
    draft["audience"].append(f"days_since_first_statement >= {days}")


@given(parsers.parse("its accounts are at least {days:d} days past due"))
def past_due(draft: dict[str, Any], days: int) -> None:
    draft["audience"].append(f"days_past_due >= {days}")


@given(parsers.parse("its accounts first owed at least ${amount:d}"))
def first_owed(draft: dict[str, Any], amount: int) -> None:
    draft["audience"].append(f"original_balance >= ${amount}")


@given(parsers.parse('the strategy stops when "{condition}"'))
def stops_when(draft: dict[str, Any], condition: str) -> None:
    draft["stops"].append(condition)


@given("the strategy says:")
def strategy_says(draft: dict[str, Any], docstring: str) -> None:
    draft["body"] = docstring


# ---------------------------------------------------------------- when


@when(parsers.parse('it is checked against "{rule_id}"'))
def checked_against(draft: dict[str, Any], outcome: dict[str, Any], rule_id: str) -> None:
    text = strategy_text(draft)
    options = CheckOptions(templates=draft.get("templates"), policies=(shipped_rule(rule_id),), as_of=AS_OF)
    result = check_text(text, "scenario.parley", options)
    outcome["text"] = text
    outcome["findings"] = list(result.diagnostics)


# ---------------------------------------------------------------- then


def of_rule(outcome: dict[str, Any], rule_id: str) -> list[Diagnostic]:
    """The findings of one rule."""
    return [d for d in outcome["findings"] if d.rule == rule_id]


def the_finding(outcome: dict[str, Any]) -> Diagnostic:
    """The one finding a Then step refers back to."""
    found = outcome.get("finding")
    assert isinstance(found, Diagnostic), "no finding was checked yet"
    return found


@then(parsers.re(r'it is (?P<how>refused|warned|noted) under "(?P<rule_id>[^"]+)" at "(?P<where>.+)"$'))
def found_at(outcome: dict[str, Any], how: str, rule_id: str, where: str) -> None:
    findings = of_rule(outcome, rule_id)
    assert len(findings) == 1, [d.message for d in outcome["findings"]]
    finding = findings[0]
    assert finding.severity is SEVERITY_WORDS[how]
    span = finding.span
    line = span.source.line(span.line)
    assert line[span.column - 1 :].startswith(where), f"{span.file}:{span.line}:{span.column}: {line}"
    assert finding.citation and finding.hint
    outcome["finding"] = finding


@then(parsers.parse('it passes "{rule_id}"'))
def passes(outcome: dict[str, Any], rule_id: str) -> None:
    assert of_rule(outcome, rule_id) == [], [d.message for d in of_rule(outcome, rule_id)]
    assert not any(d.is_error for d in outcome["findings"]), [d.message for d in outcome["findings"]]


@then(parsers.parse('the timeline shows "{date}" for "{what}"'))
def timeline_shows(outcome: dict[str, Any], date: str, what: str) -> None:
    trace = the_finding(outcome).trace
    assert any(e.when.startswith(date) and what in e.what for e in trace), [(e.when, e.what) for e in trace]


@then(parsers.parse('the facts show "{name}" as "{value}"'))
def facts_show(outcome: dict[str, Any], name: str, value: str) -> None:
    facts = dict(the_finding(outcome).facts)
    assert facts.get(name) == value, facts


@then(parsers.parse('the note names "{first}" and "{second}"'))
def note_names(outcome: dict[str, Any], first: str, second: str) -> None:
    message = the_finding(outcome).message
    assert first in message and second in message, message
