"""A generated 2,000-line strategy against every real policy pack: the schedule passes finish and stay sound.

How fast they finish is measured in benchmarks/bench_checker.py (target: under 2 s), never asserted here.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from dsl import ast, parse
from dsl.checks import bursts, cooldown, frequency, time_window
from dsl.checks.context import CheckContext, applicable_rules

POLICIES = Path(__file__).parent.parent / "policies"
PASSES = (frequency.check, cooldown.check, time_window.check, bursts.check)
CONDITIONS = (
    "hardship",
    "confused",
    "plan_active",
    "consent.sms",
    "score.propensity >= 0.5",
    "original_balance >= $1,000",
    "days_since_first_statement >= 240",
)


def large_strategy(lines_wanted: int = 2000, seed: int = 1) -> str:
    """A strategy of about `lines_wanted` lines: many steps, guards, branches and capped handlers."""
    rng = random.Random(seed)
    lines = [
        'strategy "Large" version 1',
        "  organization agency",
        "  jurisdictions US-MA, US-WA, US-NY-NYC, US-TX",
        "  audience balance >= $50 and days_past_due >= 180 and original_balance >= $100",
        "  segment hardship when score.distress >= 0.6 or intent.hardship",
        "  segment confused when intent.billing_confusion or sentiment.confusion >= 0.5",
    ]
    number = 0
    while len(lines) < lines_wanted - 15:
        number += 1
        if rng.random() < 0.5:
            schedule = f"on day {rng.randint(0, 300)}"
        else:
            first = rng.randint(0, 250)
            schedule = (
                f"every {rng.randint(3, 14)} days from day {first} to day {first + rng.randint(10, 60)} "
                f"at most {rng.randint(1, 5)} times"
            )
        guard = rng.choice(["", f" when {rng.choice(CONDITIONS)}", f" unless {rng.choice(CONDITIONS)}"])
        window = f"at {rng.randint(8, 11):02d}:00-{rng.randint(15, 20)}:00"
        lines.append(f'  step "S{number}" {schedule} {window}{guard}')
        channel = rng.choice(["sms", "email", "letter", "voicemail"])
        if rng.random() < 0.5:
            condition = rng.choice(CONDITIONS)
            lines += [
                f"    when {condition}",
                f'      send {channel} "t{number}"',
                "    otherwise",
                f'      call "c{number}"',
            ]
            lines.append("    end")
        else:
            lines.append(f'    send {channel} "t{number}"')
        lines.append("  end")
    for event in ("reply", "payment", "missed_payment", "plan_accepted"):
        lines += [f"  on {event} after 1 day at most 2 times", f'    send email "after_{event}"', "  end"]
    lines += ["  stop when paid or disputed or cease_requested", "end"]
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_a_2000_line_strategy_is_checked() -> None:
    text = large_strategy()
    assert len(text.splitlines()) >= 1980
    result = parse(text, "large.parley")
    assert result.ok and isinstance(result.program, ast.Strategy)
    packs = [parse(p.read_text(encoding="utf-8"), p.name).program for p in sorted(POLICIES.glob("*.parley"))]
    policies = [p for p in packs if isinstance(p, ast.Policy)]
    if not policies:
        pytest.skip("no policy packs in policies/")
    as_of = dt.date(2026, 11, 27)
    ctx = CheckContext(result.program, applicable_rules(result.program, policies, as_of), as_of=as_of)
    findings = [d for check in PASSES for d in check(result.program, ctx)]
    assert "REGF-FREQ-7IN7" in {d.rule for d in findings}
    assert all(d.span.known and d.citation for d in findings)
