"""Judge one proposal: every applicable rule, the verdict, and the earliest time it would pass.

`next_allowed_at` is found by jumping, not stepping: each finding says the earliest instant it
could clear (a lower bound), the search moves to the latest of those and judges again, until
nothing blocks, something never clears (a cease notice), or the horizon is passed. Because each
jump is a lower bound, no allowed instant is ever skipped.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Sequence

from dsl import ast
from engine.guard.case import Case
from engine.guard.clock import render_instant
from engine.guard.history import View
from engine.guard.rules import CompiledRule, GuardRules, compile_rules
from engine.guard.screens import signature
from engine.guard.verdict import Finding, Verdict

HORIZON = dt.timedelta(days=400)
MAX_JUMPS = 2000
NUDGE = dt.timedelta(minutes=1)
TICK = dt.timedelta(microseconds=1)  # a ledger row counts from just after its instant
ALLOWED = Verdict(True)  # immutable, so every allowed proposal shares it


def judge(
    case: Case,
    policies: Sequence[ast.Policy] | GuardRules,
    find_next: bool = True,
    until: dt.datetime | None = None,
    screened: bool = True,
) -> Verdict:
    """Whether the case's proposal may go out at its time, under every applicable rule of the packs.

    Pure: the clock is the case's. Pass `compile_rules(policies)` once when judging many cases;
    `find_next=False` skips the search for `next_allowed_at` (left null) when only the yes/no matters;
    `until` ends the search early (null beyond it), for a caller that can only use an instant before
    it — `decide` retries only inside today's window. `screened=False` runs every applicable rule's
    check without its screens (`engine.guard.screens`): the same verdict, slower; for tests.
    """
    rules = policies if isinstance(policies, GuardRules) else compile_rules(policies)
    at = case.proposed.at
    findings = evaluate(case, rules, at, None, screened)
    if not findings:
        return ALLOWED  # the usual answer: no rule has anything to say
    violations = dedupe(f for f in findings if not f.warning)
    warnings = dedupe(f for f in findings if f.warning)
    if not violations or not find_next:
        return Verdict(not violations, violations, warnings, None)
    later = next_allowed(case, rules, at, violations, until, screened)
    shown = None if later is None else render_instant(later, case.patient.zones)
    return Verdict(False, violations, warnings, shown)


def evaluate(
    case: Case, rules: GuardRules, at: dt.datetime, only: frozenset[str] | None = None, screened: bool = True
) -> list[Finding]:
    """Every finding of every rule that reaches the case at `at`.

    With `only`: just the rules it names and the cheap time-of-day rules, a quick first look.
    `screened`: a rule whose screen says it cannot find anything here is not checked.
    """
    view = View(case, at)
    findings: list[Finding] = []
    if screened:
        proposed = case.proposed
        kind = (case.organization, case.jurisdiction, view.day, proposed.channel, proposed.template, proposed.automated)
        candidates = rules.folded(kind, signature(view), view)
    else:
        candidates = applicable(case, rules, view, screened)
    for rule in candidates:
        if only is not None and not (rule.clock or rule.rule_id in only):
            continue
        screen = rule.screen
        if screened and screen is not None and not rule.static and not screen(rule, view):
            continue
        found = rule.check(rule, view)
        if found:
            findings.extend(found)
    return findings


def applicable(case: Case, rules: GuardRules, view: View, screened: bool = True) -> tuple[CompiledRule, ...]:
    """The rules in force on the proposal's local day for this organization and jurisdiction.

    `screened`: only those that can judge a proposal of this channel, template and `automated`.
    """
    proposed = case.proposed
    on = dt.date.fromordinal(view.day)
    if screened:
        return rules.screened(
            case.organization, case.jurisdiction, on, proposed.channel, proposed.template, proposed.automated
        )
    return rules.applicable(case.organization, case.jurisdiction, on, proposed.channel, proposed.template is not None)


def next_allowed(
    case: Case,
    rules: GuardRules,
    at: dt.datetime,
    blocking: tuple[Finding, ...],
    until: dt.datetime | None = None,
    screened: bool = True,
) -> dt.datetime | None:
    """The earliest instant after `at` at which the same proposal passes, or None within the horizon.

    A finding's `clears_at` is a lower bound only while the facts stay as they are, so the search
    also stops at the next ledger row or event after the current instant (an audit of a past
    proposal may have later facts), and judges again there.
    """
    horizon = at + HORIZON if until is None else min(at + HORIZON, until)
    current = at
    for _ in range(MAX_JUMPS):
        hints = [f.clears_at for f in blocking]
        change = next_change(case, current)
        if any(h is None for h in hints):
            if change is None:
                return None
            target = change
        else:
            target = max(h for h in hints if h is not None)
            if change is not None:
                target = min(target, change + TICK)
        current = target if target > current else current + NUDGE
        if current > horizon:
            return None
        # The rules that blocked last time are asked first: while one of them still blocks, no
        # other rule can change the answer, and most searches end after a jump or two.
        asked = frozenset(f.rule for f in blocking)
        still = tuple(f for f in evaluate(case, rules, current, asked, screened) if not f.warning)
        if still:
            blocking = still
            continue
        blocking = tuple(f for f in evaluate(case, rules, current, None, screened) if not f.warning)
        if not blocking:
            return current
    return None


def next_change(case: Case, at: dt.datetime) -> dt.datetime | None:
    """The first instant after `at` at which a ledger row or an event happens (None: nothing later).

    The same answer as bisecting the sorted union of both instants without building
    it: each list is sorted already, and most searches ask once and find nothing later.
    """
    rows, events = case.history_times, case.event_times
    after = bisect_right(rows, at)
    row = rows[after] if after < len(rows) else None
    after = bisect_right(events, at)
    event = events[after] if after < len(events) else None
    if row is None or event is None:
        return row if event is None else event
    return min(row, event)


def dedupe(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Findings in order, each (rule, message) once."""
    seen: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        seen.setdefault((finding.rule, finding.message), finding)
    return tuple(seen.values())
