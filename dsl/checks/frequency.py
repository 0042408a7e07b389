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
# A cap at another place (work numbers, say) binds only contacts the runtime guard routes there:
# an info, since no strategy can say which number a contact reaches.
OWN_PLACES = frozenset({"home", "residence", "personal", "mobile", "cell", "cellular"})
# The rebuttal factors are warnings about bursts and concentration, judged by `dsl.checks.bursts`.
BURST_RULES = frozenset({"REGF-FREQ-REBUT"})


def check(program: ast.Strategy, ctx: CheckContext) -> list[Diagnostic]:
    """Every applicable frequency cap some account could exceed."""
    if not isinstance(program, ast.Strategy):
        return []
    findings: list[Diagnostic] = []
    for applicable in ctx.rules_of(ast.FrequencyCap):
        cap = applicable.rule.constraint
        if not isinstance(cap, ast.FrequencyCap) or applicable.rule_id in BURST_RULES:
            continue
        scenario = solver.scenario_of(ctx, applicable)  # a state's cap counts only accounts in that state
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
    if cap.place is not None and cap.place.name not in OWN_PLACES:
        return elsewhere(program, applicable, cap, what, days, worst)
    if worst.unbounded is not None:
        event = worst.unbounded.event.name
        span = worst.unbounded.span
        at_most = worst.unbounded.at_most
        bound = "has no `at most N times`" if at_most is None else f"may run {at_most.times} times, past counting"
        message = (
            f"the `on {event}` handler {bound}, so one account can get any number of {what} {per}"
            f"; `{applicable.rule_id}` allows {cap.limit}"
        )
        hint = (
            f"add `at most N times` to `on {event}` so that, with the steps, no {days} days hold more than {cap.limit}"
        )
        events = trace.contact_events(worst.contacts, cap.limit, origin)
    else:
        over = worst.contacts[min(cap.limit, len(worst.contacts) - 1)]
        span = over.owner.span
        many = f"{worst.count}" if worst.exact else f"at least {worst.count}"
        message = f"one account can get {many} {what} {per}; `{applicable.rule_id}` allows {cap.limit}"
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


def place_words(place: str) -> str:
    """The numbers a cap's place names, in a compliance officer's words."""
    if place == "other":
        return "numbers other than the patient's home or mobile"
    return f"the patient's {place.replace('_', ' ')} number"


def elsewhere(
    program: ast.Strategy, applicable: ApplicableRule, cap: ast.FrequencyCap, what: str, days: int, worst: Worst
) -> Diagnostic:
    """An info: a cap on numbers the strategy cannot name is held by the runtime guard.

    A strategy says `call`, not which of the patient's numbers the call reaches, so whether its
    contacts to a work number stay under the cap cannot be decided here; the guard counts them.
    """
    assert cap.place is not None
    span = worst.unbounded.span if worst.unbounded is not None else worst.contacts[-1].owner.span
    period = f"{days} day{'s' if days != 1 else ''}"
    return Diagnostic(
        rule=applicable.rule_id,
        severity=Severity.INFO,
        span=span if span.known else program.span,
        message=(
            f"the runtime guard holds {what} to {place_words(cap.place.name)} to {cap.limit} per {cap.per.name} "
            f"in any {period} (`{applicable.rule_id}`): a strategy cannot say which number a contact reaches"
        ),
        hint=None,
        citation=applicable.citation,
    )
