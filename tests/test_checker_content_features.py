"""Step definitions for tests/features/checker_content.feature.

The strategy steps, the When step and most Then steps are shared with the timing feature
(tests/checker_steps.py); this module adds templates given in the scenario and findings that
point into a template file.
"""

from __future__ import annotations

from typing import Any

from checker_steps import *  # noqa: F403  (pytest-bdd finds the steps and fixtures by name in this module)
from checker_steps import of_rule
from pytest_bdd import given, parsers, scenarios, then

from dsl.templates import build_template_set

scenarios("checker_content.feature")


@given(parsers.parse('the template "{name}" in "{language}" for {channel} says:'))
def template_says(draft: dict[str, Any], name: str, language: str, channel: str, docstring: str) -> None:
    files = draft.setdefault("template_files", {})
    text = f"---\nchannels: [{channel}]\n---\n{docstring}\n"
    files[(name, language)] = (text, f"templates/{name}/{language}.j2")
    templates, problems = build_template_set(files)
    assert problems == [], [p.message for p in problems]
    draft["templates"] = templates


@given(parsers.parse('the strategy is written in "{languages}"'))
def written_in(draft: dict[str, Any], languages: str) -> None:
    draft["languages"] = languages


@then(
    parsers.re(
        r'the template is (?P<how>refused|warned) under "(?P<rule_id>[^"]+)" '
        r"at line (?P<line>\d+) column (?P<column>\d+)$"
    )
)
def template_found_at(outcome: dict[str, Any], how: str, rule_id: str, line: str, column: str) -> None:
    findings = of_rule(outcome, rule_id)
    assert len(findings) == 1, [d.message for d in outcome["findings"]]
    finding = findings[0]
    assert finding.severity.value == {"refused": "error", "warned": "warning"}[how]
    assert finding.span.file.startswith("templates/")
    assert (finding.span.line, finding.span.column) == (int(line), int(column)), finding.span.render()
    assert "sent by step `" in finding.message and finding.citation and finding.hint
    outcome["finding"] = finding


@then(parsers.parse('the message names "{words}"'))
def message_names(outcome: dict[str, Any], words: str) -> None:
    assert words in outcome["finding"].message, outcome["finding"].message
