"""Step definitions for tests/features/checker_schedule.feature: the schedule rules in plain words."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from dsl import ast, parse
from dsl.checks import bursts, cooldown, frequency, time_window
from dsl.checks.context import CheckContext, applicable_rules
from dsl.diagnostics import Diagnostic, Severity

PACKS = Path(__file__).parent / "fixtures" / "checks" / "schedule" / "packs"
PASSES = (frequency.check, cooldown.check, time_window.check, bursts.check)

scenarios("checker_schedule.feature")


@pytest.fixture
def world() -> dict[str, Any]:
    return {"packs": [], "extras": {}}


@given(parsers.parse('the packs "{names}"'))
def packs(world: dict[str, Any], names: str) -> None:
    for name in (n.strip() for n in names.split(",")):
        result = parse((PACKS / f"{name}.parley").read_text(encoding="utf-8"), f"{name}.parley")
        assert result.ok and isinstance(result.program, ast.Policy)
        world["packs"].append(result.program)


@given(parsers.parse("day 0 is {date}"))
def placement_date(world: dict[str, Any], date: str) -> None:
    world["extras"]["placement_date"] = dt.date.fromisoformat(date)


@given("the strategy:")
def the_strategy(world: dict[str, Any], docstring: str) -> None:
    result = parse(docstring, "strategy.parley")
    assert result.ok and isinstance(result.program, ast.Strategy), result.diagnostics
    world["strategy"] = result.program


def run(world: dict[str, Any], as_of: dt.date | None) -> None:
    strategy = world["strategy"]
    ctx = CheckContext(
        strategy, applicable_rules(strategy, world["packs"], as_of), as_of=as_of, extras=dict(world["extras"])
    )
    world["findings"] = [d for check in PASSES for d in check(strategy, ctx) if d.severity is not Severity.INFO]


@when("the checker runs")
def checker_runs(world: dict[str, Any]) -> None:
    run(world, None)


@when(parsers.parse("the checker runs on {date}"))
def checker_runs_on(world: dict[str, Any], date: str) -> None:
    run(world, dt.date.fromisoformat(date))


def owner_line(world: dict[str, Any], owner: str) -> int:
    strategy: ast.Strategy = world["strategy"]
    for step in strategy.steps:
        if f'step "{step.name}"' == owner:
            return step.span.line
    for handler in strategy.handlers:
        if f'the "on {handler.event.name}" handler' == owner:
            return handler.span.line
    raise AssertionError(f"no {owner} in the strategy")


def reported(world: dict[str, Any], rule: str, severity: str, owner: str) -> Diagnostic:
    line = owner_line(world, owner)
    found = [d for d in world["findings"] if d.rule == rule and d.severity.value == severity and d.span.line == line]
    assert found, [(d.rule, d.severity.value, d.span.line, d.message) for d in world["findings"]]
    world["finding"] = found[0]
    return found[0]


@then(parsers.parse('it reports "{rule}" as an error at {owner}'))
def reports_error(world: dict[str, Any], rule: str, owner: str) -> None:
    finding = reported(world, rule, "error", owner)
    assert finding.citation and finding.message and finding.hint


@then(parsers.parse('it reports "{rule}" as a warning at {owner}'))
def reports_warning(world: dict[str, Any], rule: str, owner: str) -> None:
    reported(world, rule, "warning", owner)


@then(parsers.parse('it does not report "{rule}"'))
def does_not_report(world: dict[str, Any], rule: str) -> None:
    assert rule not in {d.rule for d in world["findings"]}


@then("it reports no finding")
def no_finding(world: dict[str, Any]) -> None:
    assert world["findings"] == [], [(d.rule, d.message) for d in world["findings"]]


@then(parsers.parse("the timeline lists {count:d} contacts"))
def timeline_lists(world: dict[str, Any], count: int) -> None:
    contacts = [e for e in world["finding"].trace if e.what.startswith("#")]
    assert len(contacts) == count


@then(parsers.parse("contact {number:d} is over the limit"))
def over_the_limit(world: dict[str, Any], number: int) -> None:
    events = world["finding"].trace
    assert events[number - 1].what.endswith("over the limit")
    assert not any(e.what.endswith("over the limit") for i, e in enumerate(events) if i != number - 1)


@then(parsers.parse('the timeline\'s first contact is on "{when}"'))
def first_contact(world: dict[str, Any], when: str) -> None:
    assert world["finding"].trace[0].when == when


@then(parsers.parse('the timeline\'s contact {number:d} is on "{when}"'))
def nth_contact(world: dict[str, Any], number: int, when: str) -> None:
    assert world["finding"].trace[number - 1].when == when
