"""Frequency caps (`limit CHANNELS to N per debt per DURATION`): can any account get more than N?

For each cap that applies, the most counted contacts any account the audience admits could receive
in any window of that many consecutive days, over every schedule and branch the strategy allows
(`dsl.checks.counting`). Above the limit: an error at the step or handler whose contact goes over,
with the account facts and the dated timeline that break the rule.
"""

from __future__ import annotations

import datetime as dt

from dsl import ast
from dsl.checks import solver, trace
from dsl.checks.context import ApplicableRule, CheckContext
from dsl.checks.counting import Worst, counted_channels, counter_for, window_days
from dsl.diagnostics import Diagnostic, Severity, TraceEvent

# Caps on the patient's own numbers (or with no place) bind whatever number the engine picks.
# A cap at another place (work numbers, say) binds only contacts the runtime guard routes there.
OWN_PLACES = frozenset({"home", "residence", "personal", "mobile", "cell", "cellular"})
# The rebuttal factors are warnings about bursts and concentration, judged by `dsl.checks.bursts`.
BURST_RULES = frozenset({"REGF-FREQ-REBUT"})


def check(program: ast.Strategy, ctx: CheckContext) -> list[Diagnostic]:
    """Every applicable frequency cap some account could exceed."""
    if not isinstance(program, ast.Strategy):
        return []
    scenario = solver.scenario_of(ctx)
    findings: list[Diagnostic] = []
    for applicable in ctx.rules_of(ast.FrequencyCap):
        cap = applicable.rule.constraint
        if not isinstance(cap, ast.FrequencyCap) or applicable.rule_id in BURST_RULES:
            continue
        channels = counted_channels(cap.channels)
        days = window_days(cap.window)
        worst = counter_for(program, scenario, channels, ctx.extras).worst(days, cap.limit)
        if worst is not None:
            findings.append(finding(program, applicable, cap, channels, days, worst, trace.origin_of(ctx)))
    return findings


def noun(channels: frozenset[str]) -> str:
    """What the cap counts, in words: `calls` or `contacts`."""
    return "calls" if channels <= {"call", "voicemail"} else "contacts"


def finding(
    program: ast.Strategy,
    applicable: ApplicableRule,
    cap: ast.FrequencyCap,
    channels: frozenset[str],
    days: int,
    worst: Worst,
    origin: dt.date = trace.PLACEMENT_DATE,
) -> Diagnostic:
    """The diagnostic for a cap some account can exceed."""
    what = noun(channels)
    per = f"per {cap.per.name} in {days} consecutive day{'s' if days != 1 else ''}"
    severity = Severity(applicable.severity) if applicable.severity in ("error", "warning", "info") else Severity.ERROR
    place = ""
    if cap.place is not None and cap.place.name not in OWN_PLACES:
        place = f" if they all go to a number at {cap.place.name}"
        severity = Severity.WARNING if severity is Severity.ERROR else severity
    if worst.unbounded is not None:
        event = worst.unbounded.event.name
        span = worst.unbounded.span
        message = (
            f"the `on {event}` handler has no `at most N times`, so one account can get any number of {what} {per}"
            f"{place}; `{applicable.rule_id}` allows {cap.limit}"
        )
        hint = (
            f"add `at most N times` to `on {event}` so that, with the steps, no {days} days hold more than {cap.limit}"
        )
        events = trace.contact_events(worst.contacts, cap.limit, origin)
    else:
        over = worst.contacts[min(cap.limit, len(worst.contacts) - 1)]
        span = over.owner.span
        many = f"{worst.count}" if worst.exact else f"at least {worst.count}"
        message = f"one account can get {many} {what} {per}{place}; `{applicable.rule_id}` allows {cap.limit}"
        hint = (
            f"space the steps out or cap them with `at most N times` so that no {days} consecutive days "
            f"hold more than {cap.limit} {what}"
        )
        events = trace.contact_events(worst.contacts, cap.limit, origin)
    events.append(TraceEvent(f"{days} days", f"{worst.count} {what}, above the limit of {cap.limit}"))
    return Diagnostic(
        rule=applicable.rule_id,
        severity=severity,
        span=span if span.known else program.span,
        message=message,
        hint=hint,
        citation=applicable.citation,
        trace=tuple(events),
        facts=worst.assignment.facts,
    )
