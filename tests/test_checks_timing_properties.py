"""The timing checks agree with a day-by-day reference on random small strategies.

The reference walks the days of one account from its first statement to the action and asks the
rule's question of each day, the way a person with a calendar would; the checks reason with
bounds. Both must report a violation in exactly the same strategies.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from dsl import ast, parse
from dsl.checks import notice, waiting
from dsl.checks.context import CheckContext, applicable_rules

AS_OF = dt.date(2026, 3, 2)
days = st.integers(min_value=0, max_value=200)


def context(strategy_text: str, pack_text: str) -> tuple[ast.Strategy, CheckContext]:
    """A parsed strategy and its context under one pack."""
    strategy = parse(strategy_text, "s.parley").program
    pack = parse(pack_text, "p.parley").program
    assert isinstance(strategy, ast.Strategy) and isinstance(pack, ast.Policy)
    return strategy, CheckContext(strategy, applicable_rules(strategy, [pack], AS_OF), None, AS_OF)


def wait_pack(rule_id: str, period: int) -> str:
    return (
        'policy "p" title "p" applies to any\n'
        f'  rule "{rule_id}" cites "c"\n    wait {period} days after first_statement before eca\n  end\nend\n'
    )


def reference_wait_violated(
    audience_days: int, guard_days: int | None, step_day: int, period: int, strict: bool
) -> bool:
    """Walk back from the action to the latest first statement any admitted account can have."""
    # The latest statement day (relative to placement) the audience and the guard allow.
    latest = -audience_days
    while guard_days is not None and step_day - latest < guard_days:
        latest -= 1
    elapsed = sum(1 for _ in range(latest, step_day))  # whole days from the statement to the action
    return elapsed <= period if strict else elapsed < period


@settings(max_examples=80, deadline=None)
@given(audience=days, guard=st.none() | days, step_day=days, period=days, strict=st.booleans())
def test_waiting_period_matches_the_calendar(
    audience: int, guard: int | None, step_day: int, period: int, strict: bool
) -> None:
    rule_id = "IRS501R-ECA-120" if strict else "CA-HSC-127425"
    guard_text = f" when days_since_first_statement >= {guard}" if guard is not None else ""
    text = (
        'strategy "s" version 1\n  organization nonprofit_hospital\n'
        f"  audience days_since_first_statement >= {audience}\n"
        f'  step "ECA" on day {step_day}{guard_text}\n    escalate eca\n  end\nend\n'
    )
    strategy, ctx = context(text, wait_pack(rule_id, period))
    found = [d.rule for d in waiting.check(strategy, ctx)]
    assert (found == [rule_id]) == reference_wait_violated(audience, guard, step_day, period, strict)
    assert found in ([], [rule_id])


def reference_notice_violated(notice_day: int, action_day: int, lead: int) -> bool:
    """Day by day: when the action comes, has the notice been out for `lead` days?"""
    sent_on = None
    for day in range(0, action_day + 1):
        if day == notice_day:
            sent_on = day
        if day == action_day:
            return sent_on is None or day - sent_on < lead
    return True


@settings(max_examples=80, deadline=None)
@given(notice_day=days, action_day=days, lead=st.integers(min_value=0, max_value=60))
def test_prior_notice_matches_the_calendar(notice_day: int, action_day: int, lead: int) -> None:
    text = (
        'strategy "s" version 1\n  organization nonprofit_hospital\n'
        f'  step "Notice" on day {notice_day}\n    send letter "eca_notice"\n  end\n'
        f'  step "ECA" on day {action_day}\n    escalate eca\n  end\nend\n'
    )
    pack = (
        'policy "p" title "p" applies to any\n  rule "IRS501R-ECA-30DAY" cites "c"\n'
        f'    require notice "eca_notice" {lead} days before eca\n  end\nend\n'
    )
    strategy, ctx = context(text, pack)
    found = [d.rule for d in notice.check(strategy, ctx)]
    assert (found == ["IRS501R-ECA-30DAY"]) == reference_notice_violated(notice_day, action_day, lead)


@settings(max_examples=60, deadline=None)
@given(letter_day=days, report_day=days)
def test_passive_collection_matches_the_calendar(letter_day: int, report_day: int) -> None:
    text = (
        'strategy "s" version 1\n  organization agency\n'
        f'  step "Letter" on day {letter_day}\n    send letter "validation_notice"\n  end\n'
        f'  step "Report" on day {report_day}\n    escalate credit_report\n  end\nend\n'
    )
    pack = (
        'policy "p" title "p" applies to any\n  rule "REGF-PASSIVE-COLLECTION" cites "c"\n'
        "    wait 14 days after letter_sent before credit_report\n  end\nend\n"
    )
    strategy, ctx = context(text, pack)
    found = [d.rule for d in waiting.check(strategy, ctx)]
    # 14 consecutive days starting on the mailing day: the letter's day is the first of them.
    assert (found == ["REGF-PASSIVE-COLLECTION"]) == reference_notice_violated(letter_day, report_day, 14)
