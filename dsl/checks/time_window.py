"""Time windows (`contact only between T1 and T2 local`): every action window inside the allowed hours.

A step's `at 10:00-19:00` and `at best_time within 09:00-19:00` are in the patient's local time;
each must lie inside every applicable rule's hours (Regulation F's 08:00-21:00; Washington's
07:30-21:00 at home). A window that reaches outside is an error at the window. A step or handler
without a window is not wrong: the engine holds its contacts to the allowed hours, and an info
says so.
"""

from __future__ import annotations

from dsl import ast
from dsl.checks import solver, timeline, trace
from dsl.checks.context import ApplicableRule, CheckContext
from dsl.checks.counting import counted_channels
from dsl.diagnostics import Diagnostic, Severity, TraceEvent, info

# What a rule with no channel list covers: every way of reaching the patient at a time of day.
# A letter is not timed to the patient's clock, so it is left out unless a rule names it.
TIMED_CHANNELS = frozenset({"call", "voicemail", "sms", "email", "chat"})


def clock(minutes: int) -> str:
    """`08:00`."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def check(program: ast.Strategy, ctx: CheckContext) -> list[Diagnostic]:
    """Action windows outside the allowed hours (errors), and contacts left to the engine's clamp (info)."""
    if not isinstance(program, ast.Strategy):
        return []
    rules = [(r, r.rule.constraint) for r in ctx.rules_of(ast.TimeWindowRule)]
    rules = [(r, c) for r, c in rules if isinstance(c, ast.TimeWindowRule)]
    if not rules:
        return []
    scenario = solver.scenario_of(ctx)
    findings: list[Diagnostic] = []
    for owner in timeline.owners(program):
        clamped: list[ApplicableRule] = []
        for applicable, rule in rules:
            channels = counted_channels(rule.channels) if rule.channels else TIMED_CHANNELS
            reached = reachable_contact(owner, channels, scenario)
            if reached is None:
                continue
            window = owner.window if isinstance(owner, ast.Step) else None
            if window is None:
                clamped.append(applicable)
            elif window.window.start.minutes < rule.start.minutes or window.window.end.minutes > rule.end.minutes:
                findings.append(outside(applicable, rule, owner, window, *reached))
        if clamped:
            findings.append(clamp_info(owner, clamped))
    return findings


def reachable_contact(
    owner: timeline.Owner, channels: frozenset[str], scenario: solver.Scenario
) -> tuple[ast.Action, solver.Assignment] | None:
    """A contact on a covered channel that some account lets the owner make, with that account's facts."""
    for path in timeline.paths(owner):
        action = next((a for a in path.actions if timeline.channel_of(a) in channels), None)
        if action is None:
            continue
        found = scenario.satisfiable(path.conditions)
        if found is not None:
            return action, found
    return None


def outside(
    applicable: ApplicableRule,
    rule: ast.TimeWindowRule,
    step: ast.Step,
    window: ast.TimeWindow,
    action: ast.Action,
    found: solver.Assignment,
) -> Diagnostic:
    """The error for a step window that reaches outside the allowed hours."""
    start, end = window.window.start.minutes, window.window.end.minutes
    early = start < rule.start.minutes
    moment = start if early else end
    kind = "best-time window" if window.best_time else "window"
    allowed = f"{clock(rule.start.minutes)}-{clock(rule.end.minutes)}"
    side = f"before {clock(rule.start.minutes)}" if early else f"after {clock(rule.end.minutes)}"
    day = step.schedule.day if isinstance(step.schedule, ast.OnDay) else step.schedule.start_day
    severity = Severity(applicable.severity) if applicable.severity in ("error", "warning", "info") else Severity.ERROR
    return Diagnostic(
        rule=applicable.rule_id,
        severity=severity,
        span=window.span if window.span.known else step.span,
        message=(
            f"step `{step.name}` can reach the patient at {clock(moment)} local time, {side}; "
            f"`{applicable.rule_id}` allows contact only {allowed} in the patient's time zone"
        ),
        hint=f"narrow the {kind} to fit inside {allowed}, e.g. `at {clock(max(start, rule.start.minutes))}-"
        f"{clock(min(end, rule.end.minutes))}`",
        citation=applicable.citation,
        trace=(
            TraceEvent(trace.when(day, moment), f"{trace.describe(action)} ({timeline.owner_name(step)}) — {side}"),
        ),
        facts=found.facts,
    )


def clamp_info(owner: timeline.Owner, rules: list[ApplicableRule]) -> Diagnostic:
    """The info for a step or handler whose contacts the engine holds to the allowed hours."""
    windows = [r.rule.constraint for r in rules if isinstance(r.rule.constraint, ast.TimeWindowRule)]
    start = max(w.start.minutes for w in windows)
    end = min(w.end.minutes for w in windows)
    binding = max(rules, key=lambda r: r.rule.constraint.start.minutes)  # type: ignore[union-attr]
    ids = ", ".join(f"`{r.rule_id}`" for r in rules)
    return info(
        binding.rule_id,
        owner.span,
        f"{timeline.owner_name(owner)} has no time window; the engine will hold its contacts to "
        f"{clock(start)}-{clock(end)} in the patient's local time ({ids})",
        f"add a window such as `at best_time within {clock(start)}-{clock(end)}` to make the hours explicit"
        if isinstance(owner, ast.Step)
        else "nothing to change: the runtime guard enforces the hours for event-driven contacts",
        citation=binding.citation,
    )
