"""Cool-downs (`after EVENT no CHANNELS per debt for DURATION`): no counted contact too soon after the event.

Regulation F's quiet period counts the conversation's own day as day 1 (comment 14(b)(2)(ii)-1.ii):
a conversation on day D blocks calls on D … D+6, so a handler `on conversation after 7 days` is
the earliest that complies and `after 6 days` is not. A handler on the event itself that makes a
counted contact sooner is an error. Handlers on events that can come with the rule's event (a plan
accepted or a payment made on the phone is also a conversation) get a warning: the runtime guard
holds such contacts, but the strategy asks for them.
"""

from __future__ import annotations

import datetime as dt

from dsl import ast
from dsl.checks import solver, timeline, trace
from dsl.checks.context import ApplicableRule, CheckContext
from dsl.checks.counting import counted_channels, counted_weight
from dsl.diagnostics import Diagnostic, Severity, TraceEvent

# Events that can happen during the rule's event (so they may start its quiet period too).
COMES_WITH: dict[str, frozenset[str]] = {
    "conversation": frozenset({"plan_accepted", "payment", "dispute"}),
}
EVENT_DAY = 1  # the illustrative day the event happens on in a trace
EVENT_MINUTE = 14 * 60


def check(program: ast.Strategy, ctx: CheckContext) -> list[Diagnostic]:
    """Every handler that can make a counted contact inside a cool-down after its event."""
    if not isinstance(program, ast.Strategy):
        return []
    scenario = solver.scenario_of(ctx)
    findings: list[Diagnostic] = []
    for applicable in ctx.rules_of(ast.CoolDown):
        rule = applicable.rule.constraint
        if not isinstance(rule, ast.CoolDown):
            continue
        channels = counted_channels(rule.channels)
        for handler in program.handlers:
            event = handler.event.name
            if event != rule.event.name and event not in COMES_WITH.get(rule.event.name, ()):
                continue
            delay = handler.delay.minutes if handler.delay else 0
            if delay >= rule.duration.minutes:
                continue
            for path in timeline.paths(handler):
                if counted_weight(path, channels.__contains__) == 0:
                    continue
                found = scenario.satisfiable(path.conditions)
                if found is not None:
                    findings.append(finding(applicable, rule, handler, path, channels, found, trace.origin_of(ctx)))
                    break
    return findings


def finding(
    applicable: ApplicableRule,
    rule: ast.CoolDown,
    handler: ast.Handler,
    path: timeline.Path,
    channels: frozenset[str],
    found: solver.Assignment,
    origin: dt.date = trace.PLACEMENT_DATE,
) -> Diagnostic:
    """The diagnostic for a handler that contacts the patient inside the quiet period."""
    event, quiet = rule.event.name, rule.duration
    delay = handler.delay.minutes if handler.delay else 0
    contact_minute = EVENT_MINUTE + delay
    day = EVENT_DAY + contact_minute // timeline.MINUTES_PER_DAY
    minute = contact_minute % timeline.MINUTES_PER_DAY
    action = next(a for a in path.actions if timeline.channel_of(a) in channels)
    quiet_days = quiet.minutes // timeline.MINUTES_PER_DAY
    first_allowed = trace.date_of(EVENT_DAY + quiet_days, origin)
    soon = (
        f"{handler.delay.amount} {handler.delay.unit}{'s' if handler.delay.amount != 1 else ''} after"
        if handler.delay
        else "right after"
    )
    severity = Severity(applicable.severity) if applicable.severity in ("error", "warning", "info") else Severity.ERROR
    if handler.event.name == event:
        message = (
            f"the `on {event}` handler makes a {trace.describe(action).split(' ')[0]} {soon} a {event}; "
            f"`{applicable.rule_id}` allows none for {quiet.amount} {quiet.unit}s (the {event}'s own day is day 1)"
        )
        opening = TraceEvent(
            trace.when(EVENT_DAY, EVENT_MINUTE, origin=origin), f"a {event} about the debt (day 1 of {quiet_days})"
        )
    else:
        severity = Severity.WARNING if severity is Severity.ERROR else severity
        message = (
            f"a `{handler.event.name}` can happen during a {event} (on the phone), and the `on {handler.event.name}` "
            f"handler then contacts the patient {soon} it; `{applicable.rule_id}` allows none for "
            f"{quiet.amount} {quiet.unit}s"
        )
        opening = TraceEvent(
            trace.when(EVENT_DAY, EVENT_MINUTE, origin=origin),
            f"a {event} in which the patient's {handler.event.name} happens",
        )
    events = (
        opening,
        TraceEvent(
            trace.when(day, minute, origin=origin), f"{trace.describe(action)} ({timeline.owner_name(handler)})"
        ),
        TraceEvent(first_allowed, f"the first day a {'/'.join(sorted(channels))} is allowed again"),
    )
    return Diagnostic(
        rule=applicable.rule_id,
        severity=severity,
        span=handler.span,
        message=message,
        hint=f"write `on {handler.event.name} after {quiet_days} days` (or later), or contact the patient another way",
        citation=applicable.citation,
        trace=events,
        facts=found.facts,
    )
