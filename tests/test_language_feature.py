"""Step definitions for tests/features/language.feature: checking a strategy, in an officer's words."""

from __future__ import annotations

from pytest_bdd import given, parsers, scenarios, then, when

from dsl.check import CheckResult, check_text
from dsl.diagnostics import Diagnostic

scenarios("language.feature")


@given("the strategy text:", target_fixture="strategy_text")
def strategy_text(docstring: str) -> str:
    """The text exactly as the officer typed it."""
    return docstring + "\n"


@when("I check it", target_fixture="checked")
def check_it(strategy_text: str) -> CheckResult:
    """Run every check, as `parley check` does."""
    return check_text(strategy_text, "strategy.parley")


@then("I see no errors")
def no_errors(checked: CheckResult) -> None:
    """The strategy reads cleanly."""
    assert [d for d in checked.diagnostics if d.is_error] == []


@then(
    parsers.parse('I see an error on line {line:d} column {column:d} saying "{message}"'),
    target_fixture="finding",
)
def error_at(checked: CheckResult, line: int, column: int, message: str) -> Diagnostic:
    """Exactly one error at that place, with that message."""
    found = [d for d in checked.diagnostics if d.is_error and (d.span.line, d.span.column) == (line, column)]
    assert len(found) == 1, [(d.span.line, d.span.column, d.message) for d in checked.diagnostics]
    assert found[0].message == message
    return found[0]


@then(parsers.parse('the hint says "{words}"'))
def hint_says(finding: Diagnostic, words: str) -> None:
    """The hint tells the officer how to fix it."""
    assert finding.hint is not None and words in finding.hint
