"""The schedule helper's generated 2,000-line strategy through the timing, hold, consent and content passes.

How fast a whole check finishes is measured in benchmarks/bench_checker.py (target: under 2 s),
never asserted here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from test_checks_schedule_large import large_strategy

from dsl import ast, parse
from dsl.checks import consent, content, forbid_action, holds, notice, obligation, template_content, waiting
from dsl.checks.context import CheckContext, applicable_rules

POLICIES = Path(__file__).parent.parent / "policies"
PASSES = (waiting, notice, obligation, forbid_action, holds, consent, content, template_content)


@pytest.mark.slow
def test_a_2000_line_strategy_gets_its_timing_and_hold_findings() -> None:
    result = parse(large_strategy(), "large.parley")
    assert isinstance(result.program, ast.Strategy)
    packs = [parse(f.read_text(encoding="utf-8"), f.name).program for f in sorted(POLICIES.glob("*.parley"))]
    policies = [p for p in packs if isinstance(p, ast.Policy)]
    if not policies:
        pytest.skip("no policy packs in policies/")
    as_of = dt.date(2026, 11, 27)
    ctx = CheckContext(result.program, applicable_rules(result.program, policies, as_of), as_of=as_of)
    findings = [d for module in PASSES for d in module.check(result.program, ctx)]
    rules = {d.rule for d in findings}
    # The generated strategy stops on dispute and cease but never on an attorney: a warning, once.
    assert "REGF-ATTORNEY" in rules and "REGF-DISPUTE-CEASE" not in rules
    assert sum(d.rule == "REGF-ATTORNEY" for d in findings) == 1
    assert all(d.span.known and (d.citation or d.rule == "CONTENT-SKIPPED") for d in findings)
