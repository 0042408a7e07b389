"""The compliance checks stay quick and never raise on values the language pass refuses.

The language pass makes `on day 999999999` and `at most 999999999 times` `TYPE` errors, so the
checks never see them through `check_text`; these tests hand such programs to the checks directly,
as a caller that skipped the language pass would, and hold them to the library's promise.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from dsl import ast, parse
from dsl.checks import run_checks
from dsl.checks.context import CheckContext, applicable_rules

POLICIES = Path(__file__).parent.parent / "policies"


def packs() -> tuple[ast.Policy, ...]:
    """The repository's policy packs."""
    found = [parse(p.read_text(encoding="utf-8"), p.name).program for p in sorted(POLICIES.glob("*.parley"))]
    return tuple(p for p in found if isinstance(p, ast.Policy))


def strategy(state: str, lines: str) -> ast.Strategy:
    """A provider strategy in one state with the given steps and handlers."""
    text = f'strategy "s" version 1\n  organization provider\n  jurisdictions {state}\n{lines}end\n'
    program = parse(text, "absurd.parley").program
    assert isinstance(program, ast.Strategy)
    return program


CASES = {
    "a step past the calendar": ("US-CA", '  step "a" on day 999999999\n    send letter "x"\n  end\n'),
    "a handler counted a billion times": ("US-MA", '  on reply at most 999999999 times\n    send sms "x"\n  end\n'),
}


@pytest.mark.parametrize("name", list(CASES))
def test_checks_finish_quickly_on_absurd_values(name: str) -> None:
    program = strategy(*CASES[name])
    started = time.monotonic()
    findings = run_checks(program, CheckContext(program, applicable_rules(program, packs(), None)))
    assert time.monotonic() - started < 20
    assert findings, "a strategy with no stops gets findings"


def test_a_handler_past_the_counting_limit_counts_as_unbounded() -> None:
    program = strategy("US-MA", '  on reply at most 999999999 times\n    send sms "x"\n  end\n')
    findings = run_checks(program, CheckContext(program, applicable_rules(program, packs(), None)))
    caps = [f for f in findings if f.rule == "MA-940CMR-7.04-CALLS" and f.is_error]
    assert caps and "any number of contacts" in caps[0].message
