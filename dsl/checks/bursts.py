"""Burst and concentration warnings: the Official Interpretations' factors that rebut 7-in-7 compliance.

Comment 14(b)(2)(i)-2 names calls in rapid succession (two calls, or two voicemails, to the same
number within 5 minutes) and highly concentrated calls (7 in one day) as factors that can defeat
the presumption of compliance. They are warnings (`REGF-FREQ-REBUT`), raised when a strategy can:
- make two calls in one run of a step or handler;
- repeat a step every 5 minutes or less;
- call from a handler within 5 minutes of its event while other calls (or more firings) exist,
  e.g. an `on reply` handler calling back right after a step's call;
- start calls from two steps on the same day at the same moment (same window start, or both at
  the patient's best time);
- place 7 calls in one day (the count of `dsl.checks.counting`, windows of one day).
They run when the rebuttal rule applies, or when Regulation F's 7-in-7 cap does.
"""

from __future__ import annotations

from dsl import ast
from dsl.checks import solver, timeline, trace
from dsl.checks.context import ApplicableRule, CheckContext
from dsl.checks.counting import counted_channels, counter_for
from dsl.diagnostics import Diagnostic, Severity, TraceEvent

REBUT_ID = "REGF-FREQ-REBUT"
PRESUMPTION_ID = "REGF-FREQ-7IN7"
REBUT_CITATION = "12 CFR 1006.14(b)(2)(i); comment 14(b)(2)(i)-2"
BURST_MINUTES = 5
CONCENTRATION = 7  # calls in one day (the CFPB's example of highly concentrated calls)
CALLS = frozenset({"call", "voicemail"})


def check(program: ast.Strategy, ctx: CheckContext) -> list[Diagnostic]:
    """Warnings for strategies that can call in bursts or concentrate calls into one day."""
    if not isinstance(program, ast.Strategy):
        return []
    rule = next((r for r in ctx.rules if r.rule_id == REBUT_ID), None)
    presumption = next((r for r in ctx.rules if r.rule_id == PRESUMPTION_ID), None)
    if rule is None and presumption is None:
        return []
    citation = rule.citation if rule is not None else REBUT_CITATION
    severity = severity_of(rule)
    channels, concentration, gap = parameters(rule)
    scenario = solver.scenario_of(ctx)
    warn = Warner(citation, severity, gap)
    for owner in timeline.owners(program):
        two_in_one_run(owner, channels, scenario, warn)
        fast_repeat(owner, channels, scenario, warn)
    handler_right_after(program, channels, scenario, warn)
    same_moment(program, channels, scenario, warn)
    concentrated(program, channels, concentration, scenario, ctx, warn, presumption is not None)
    return warn.findings


def severity_of(rule: ApplicableRule | None) -> Severity:
    """A warning unless the pack says info: rebuttal factors never block a strategy on their own."""
    if rule is not None and rule.severity == "info":
        return Severity.INFO
    return Severity.WARNING


def parameters(rule: ApplicableRule | None) -> tuple[frozenset[str], int, int]:
    """The channels, the one-day count to warn at and the burst gap, from the pack's cap if it gives one.

    A pack may write the burst factor as a cap over minutes (`limit call to 1 per patient per 5
    minutes`) or the concentration factor as a cap over a day (`limit call to 6 per debt per 1 day`).
    """
    constraint = rule.rule.constraint if rule is not None else None
    if not isinstance(constraint, ast.FrequencyCap):
        return CALLS, CONCENTRATION, BURST_MINUTES
    channels = counted_channels(constraint.channels)
    if constraint.window.minutes < timeline.MINUTES_PER_DAY:
        return channels, CONCENTRATION, constraint.window.minutes
    return channels, constraint.limit + 1, BURST_MINUTES


class Warner:
    """Collects warnings, one per owner and kind."""

    def __init__(self, citation: str, severity: Severity, gap: int = BURST_MINUTES) -> None:
        self.citation = citation
        self.gap = gap
        self.severity = severity
        self.findings: list[Diagnostic] = []
        self.seen: set[tuple[int, str]] = set()

    def warn(
        self,
        owner: ast.Node,
        kind: str,
        message: str,
        hint: str,
        events: tuple[TraceEvent, ...],
        facts: solver.Assignment | None,
    ) -> None:
        """Add one warning unless the owner already has one of this kind."""
        if (id(owner), kind) in self.seen:
            return
        self.seen.add((id(owner), kind))
        self.findings.append(
            Diagnostic(
                rule=REBUT_ID,
                severity=self.severity,
                span=owner.span,
                message=message,
                hint=hint,
                citation=self.citation,
                trace=events,
                facts=facts.facts if facts else (),
            )
        )


def calls_in(path: timeline.Path, channels: frozenset[str]) -> list[ast.Action]:
    """The path's actions that count as calls."""
    return [a for a in path.actions if timeline.channel_of(a) in channels]


def first_day(owner: timeline.Owner) -> int:
    """The first day an owner can run (a handler: day 1, for illustration)."""
    if isinstance(owner, ast.Step):
        offsets = timeline.step_offsets(owner)
        return offsets[0] // timeline.MINUTES_PER_DAY if offsets else 0
    return 1


def start_minute(owner: timeline.Owner) -> int | None:
    """When in the day a step starts calling (its window's start); None when the engine decides."""
    return owner.window.window.start.minutes if isinstance(owner, ast.Step) and owner.window else None


def reachable_calls(
    owner: timeline.Owner, channels: frozenset[str], scenario: solver.Scenario, at_least: int
) -> tuple[list[ast.Action], solver.Assignment] | None:
    """A run of the owner with at least `at_least` calls that some account allows."""
    for path in timeline.paths(owner):
        calls = calls_in(path, channels)
        if len(calls) >= at_least:
            found = scenario.satisfiable(path.conditions)
            if found is not None:
                return calls, found
    return None


def two_in_one_run(owner: timeline.Owner, channels: frozenset[str], scenario: solver.Scenario, warn: Warner) -> None:
    """Two calls in one run go out back to back."""
    reached = reachable_calls(owner, channels, scenario, 2)
    if reached is None:
        return
    calls, found = reached
    when = trace.when(
        first_day(owner), start_minute(owner), owner.event.name if isinstance(owner, ast.Handler) else None
    )
    events = tuple(TraceEvent(when, f"{trace.describe(c)} ({timeline.owner_name(owner)})") for c in calls[:2])
    warn.warn(
        owner,
        "run",
        f"{timeline.owner_name(owner)} places {len(calls)} calls in one run, within {warn.gap} minutes "
        "of each other; "
        "calls in rapid succession can rebut the 7-in-7 presumption of compliance",
        "keep one call per run, or move the second call to another step on a later day",
        events,
        found,
    )


def fast_repeat(owner: timeline.Owner, channels: frozenset[str], scenario: solver.Scenario, warn: Warner) -> None:
    """A step that repeats every 5 minutes or less."""
    if not isinstance(owner, ast.Step) or not isinstance(owner.schedule, ast.Every):
        return
    offsets = timeline.step_offsets(owner)
    interval = owner.schedule.interval.minutes
    if interval > warn.gap or len(offsets) < 2 or timeline.step_max_times(owner) < 2:
        return
    reached = reachable_calls(owner, channels, scenario, 1)
    if reached is None:
        return
    calls, found = reached
    day, base = first_day(owner), start_minute(owner) or 0
    events = tuple(
        TraceEvent(trace.when(day, base + k * interval), f"{trace.describe(calls[0])} ({timeline.owner_name(owner)})")
        for k in range(2)
    )
    warn.warn(
        owner,
        "repeat",
        f"step `{owner.name}` repeats every {interval} minute{'s' if interval != 1 else ''}, so two calls fall within "
        f"{warn.gap} minutes; calls in rapid succession can rebut the 7-in-7 presumption of compliance",
        "repeat no more often than once a day, e.g. `every 1 day`",
        events,
        found,
    )


def handler_right_after(
    program: ast.Strategy, channels: frozenset[str], scenario: solver.Scenario, warn: Warner
) -> None:
    """A handler that calls within 5 minutes of its event, when another call can come just before."""
    step_calls = [s for s in program.steps if reachable_calls(s, channels, scenario, 1) is not None]
    for handler in program.handlers:
        if handler.delay is not None and handler.delay.minutes > warn.gap:
            continue
        reached = reachable_calls(handler, channels, scenario, 1)
        if reached is None:
            continue
        repeats = handler.at_most is None or handler.at_most.times >= 2
        if not step_calls and not repeats:
            continue
        calls, found = reached
        event = handler.event.name
        before = step_calls[0] if step_calls else handler
        before_call = reachable_calls(before, channels, scenario, 1)
        day = first_day(before) if step_calls else 1
        minute = start_minute(before) or 10 * 60
        first = before_call[0][0] if before_call else calls[0]
        events = (
            TraceEvent(trace.when(day, minute), f"{trace.describe(first)} ({timeline.owner_name(before)})"),
            TraceEvent(trace.when(day, minute + 2), f"the patient's `{event}` arrives"),
            TraceEvent(trace.when(day, minute + 2), f"{trace.describe(calls[0])} ({timeline.owner_name(handler)})"),
        )
        warn.warn(
            handler,
            "after",
            f"the `on {event}` handler calls as soon as a `{event}` arrives, which can be minutes after another call; "
            "calls in rapid succession can rebut the 7-in-7 presumption of compliance",
            f"add a delay such as `after 1 day` to `on {event}`, or answer by text or email",
            events,
            found,
        )


def same_moment(program: ast.Strategy, channels: frozenset[str], scenario: solver.Scenario, warn: Warner) -> None:
    """Two steps that call on the same day starting at the same moment."""
    callers = [s for s in program.steps if reachable_calls(s, channels, scenario, 1) is not None]
    for later_index, later in enumerate(callers):
        for earlier in callers[:later_index]:
            shared = sorted(set(days_of(earlier)) & set(days_of(later)))
            if not shared or not same_start(earlier, later, warn.gap):
                continue
            minute = start_minute(later)
            events = tuple(
                TraceEvent(
                    trace.when(shared[0], minute),
                    f"{trace.describe(first_call(s, channels))} ({timeline.owner_name(s)})",
                )
                for s in (earlier, later)
            )
            warn.warn(
                later,
                "same",
                f"steps `{earlier.name}` and `{later.name}` can both call on day {shared[0]} at the same moment; "
                "calls in rapid succession can rebut the 7-in-7 presumption of compliance",
                "give the steps different days, or windows that start at least an hour apart",
                events,
                scenario.satisfiable(()),
            )
            break


def days_of(step: ast.Step) -> list[int]:
    """The days a step can run on."""
    return [o // timeline.MINUTES_PER_DAY for o in timeline.step_offsets(step)]


def same_start(a: ast.Step, b: ast.Step, gap: int) -> bool:
    """Whether two steps would start calling within `gap` minutes of each other on a shared day."""
    if a.window is None or b.window is None:
        return a.window is None and b.window is None
    if a.window.best_time and b.window.best_time:
        return True  # the patient's best time is one moment for both
    if a.window.best_time or b.window.best_time:
        return False
    return abs(a.window.window.start.minutes - b.window.window.start.minutes) <= gap


def first_call(step: ast.Step, channels: frozenset[str]) -> ast.Action:
    """The first call a step makes."""
    return next(a for a, _ in timeline.walk(step.body, ()) if timeline.channel_of(a) in channels)


def concentrated(
    program: ast.Strategy,
    channels: frozenset[str],
    threshold: int,
    scenario: solver.Scenario,
    ctx: CheckContext,
    warn: Warner,
    capped_elsewhere: bool,
) -> None:
    """Seven calls (or the pack's number) in one day."""
    worst = counter_for(program, scenario, channels, ctx.extras).worst(1, threshold - 1)
    if worst is None or (worst.unbounded is not None and capped_elsewhere):
        return  # an unbounded handler is already an error under the 7-in-7 cap
    over = worst.contacts[min(threshold - 1, len(worst.contacts) - 1)]
    owner = worst.unbounded or over.owner
    warn.warn(
        owner,
        "day",
        f"one account can get {worst.count} calls in one day; highly concentrated calls can rebut the 7-in-7 "
        "presumption of compliance",
        "spread the calls over the week, no more than a few a day",
        tuple(trace.contact_events(worst.contacts)),
        worst.assignment,
    )
