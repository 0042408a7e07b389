"""Obligations (`require ACTION within DURATION after EVENT`): the strategy itself must do it in time.

The one the catalog makes static is Regulation F's validation notice: an agency gives the
validation information in its initial communication or within 5 days of it (12 CFR 1006.34(a)(1);
calendar days, the catalog's conservative reading). Any message that can be the first one (a step no
other message surely precedes, or a handler for an event that can come first: `position.py`) needs
a validation notice on every path it can take, by its deadline; the solver looks for an account on
which it goes without one, and its facts are the finding's. Events only known at run time (a dispute, an
application) are met by an `on EVENT` handler that acts soon enough; otherwise the runtime guard
surfaces the overdue obligation as a task, and the checker says so once.
"""

from __future__ import annotations

from dsl import ast
from dsl.checks.acts import Act, acts, canonical_event, does, event, finding
from dsl.checks.context import ApplicableRule, CheckContext
from dsl.checks.forbid_action import always_with, run_day
from dsl.checks.position import ARE_COMMUNICATIONS, first_communications
from dsl.checks.solver import Evaluation, scenario_of
from dsl.diagnostics import Diagnostic, TraceEvent, info
from dsl.source import Span

STRATEGY_EVENTS = frozenset({"first_communication", "placement"})


def check(program: ast.Strategy, ctx: CheckContext) -> list[Diagnostic]:
    """Every obligation the strategy does not meet in time on every path."""
    findings: list[Diagnostic] = []
    all_acts = acts(program)
    for rule in ctx.rules_of(ast.Obligation):
        constraint = rule.rule.constraint
        assert isinstance(constraint, ast.Obligation)
        event_word = canonical_event(constraint.event.name)
        if event_word in STRATEGY_EVENTS:
            found = scheduled_obligation(ctx, rule, constraint, event_word, all_acts)
        elif event_word.endswith("_reply"):
            found = reply_obligation(ctx, rule, constraint, event_word, all_acts)
        else:
            found = event_obligation(rule, constraint, all_acts)
        if found is not None:
            findings.append(found)
    return findings


def deadline_days(duration: ast.Duration) -> int:
    """Whole days allowed after the event (partial days round down: sooner is safe)."""
    return int(duration.days)


def scheduled_obligation(
    ctx: CheckContext, rule: ApplicableRule, constraint: ast.Obligation, event_word: str, all_acts: list[Act]
) -> Diagnostic | None:
    """The finding when no step does the action in time after placement or after a first communication."""
    if event_word == "first_communication":
        return after_first_communication(ctx, rule, constraint, all_acts)
    due = deadline_days(constraint.duration)
    doers = [a for a in all_acts if does(a, constraint.action.name) and isinstance(a.owner, ast.Step)]
    anchor = doers[0] if doers else None
    if any(a.first_day <= due and anchor is not None and always_with(ctx, anchor, a) for a in doers):
        return None
    trace = [
        event(0, "placement"),
        event(due, f"the last day for the {words(constraint)} ({constraint.duration.amount} days)"),
    ]
    return missed(rule, constraint, "placement", due, doers, ctx.strategy.span, trace, [])


def after_first_communication(
    ctx: CheckContext, rule: ApplicableRule, constraint: ast.Obligation, all_acts: list[Act]
) -> Diagnostic | None:
    """The finding for the first communication that can go without the action in time on its own path.

    Each message or call that can be the first (a guarded notice may be skipped, a handler may fire
    before any step) needs a step, or its own handler run, that does the action within the period
    whenever it happens; the solver looks for an account on which every such action is skipped.
    """
    doers = [a for a in all_acts if does(a, constraint.action.name)]
    for start, start_day in first_communications(ctx, all_acts):
        due = start_day + deadline_days(constraint.duration)
        in_time = [a for a in doers if a.first_day <= due and (isinstance(a.owner, ast.Step) or a.owner is start.owner)]
        facts = path_without(ctx, start, in_time)
        if facts is None:
            continue
        trace = [
            event(0, "the account enters the strategy"),
            event(start_day, f"the first communication can be {opener(start)}", start.window_start),
            event(due, f"the last day for the {words(constraint)} ({constraint.duration.amount} days)"),
        ]
        trace.extend(event(a.first_day, f"{a.owner_label}: `{a.text}` is skipped on this path") for a in in_time)
        return missed(
            rule, constraint, "the first communication", due, in_time or doers, start.action.span, trace, facts
        )
    return None


def path_without(ctx: CheckContext, start: Act, in_time: list[Act]) -> list[tuple[str, str]] | None:
    """The facts of an account on which `start` happens and every action in `in_time` is skipped, or None."""
    if any(not a.conditions for a in in_time):
        return None  # one of them happens whenever its step runs
    if not start.conditions and not in_time:
        return []  # every path: no account's facts make a difference
    runs = [Evaluation(start.conditions, run_day(start), "the first communication")]
    runs.extend(Evaluation((skipped(a),), run_day(a)) for a in in_time)
    found = scenario_of(ctx).jointly(runs, shared=True)
    return None if found is None else list(found.facts)


def skipped(act: Act) -> ast.Expr:
    """The condition under which an action does not happen when its owner runs."""
    return ast.Not(ast.And(act.conditions) if len(act.conditions) > 1 else act.conditions[0])


def opener(act: Act) -> str:
    """How a first communication reads in a trace."""
    if isinstance(act.owner, ast.Handler) and act.owner.event.name in ARE_COMMUNICATIONS:
        return f"a telephone conversation, which {act.owner_label} answers with `{act.text}`"
    return f"{act.owner_label} `{act.text}`"


def words(constraint: ast.Obligation) -> str:
    """The obligation's action in words: `validation notice`."""
    return constraint.action.name.replace("_", " ")


def missed(
    rule: ApplicableRule,
    constraint: ast.Obligation,
    what: str,
    due: int,
    doers: list[Act],
    span: Span,
    trace: list[TraceEvent],
    facts: list[tuple[str, str]],
) -> Diagnostic:
    """The finding: no action, one too late, or one a path can skip (the one to move or unguard)."""
    action = words(constraint)
    late = min(doers, key=lambda a: a.first_day, default=None)
    if late is None:
        within = f"within {constraint.duration.amount} days after {what}"
        message = f"no step sends the {action}; `{rule.rule_id}` requires it {within}"
        hint = f"add a step on day {due} or earlier that sends it, with no guard that could skip it"
        return finding(rule, span, message, hint, trace, facts)
    if late.first_day > due:
        trace.append(event(late.first_day, f"{late.owner_label}: `{late.text}`", late.window_start))
    reason = "too late" if late.first_day > due else "not on every path"
    message = (
        f"{late.owner_label} sends the {action} on day {late.first_day}, {reason}: `{rule.rule_id}` requires it "
        f"by day {due}, within {constraint.duration.amount} days after {what}"
    )
    hint = f"move it to day {due} or earlier and drop guards that could skip it, or send it in the first message"
    return finding(rule, late.action.span, message, hint, trace, facts)


def reply_obligation(
    ctx: CheckContext, rule: ApplicableRule, constraint: ast.Obligation, event_word: str, all_acts: list[Act]
) -> Diagnostic | None:
    """`hardship_reply`: every reply showing `intent.hardship` must meet an `on reply` handler that acts in time."""
    intent = ast.Name(f"intent.{event_word.removesuffix('_reply')}")
    deadline = deadline_days(constraint.duration)
    scenario = scenario_of(ctx)
    for act in all_acts:
        if act.handler_event != "reply" or not does(act, constraint.action.name) or act.first_day > deadline:
            continue
        skipped = ast.Not(ast.And(act.conditions)) if act.conditions else ast.BoolLit(False)
        if scenario.satisfiable((intent, skipped)) is None:
            return None
    handlers = [a for a in all_acts if a.handler_event == "reply"]
    span = handlers[0].owner.span if handlers else ctx.strategy.span
    action = constraint.action.name.replace("_", " ")
    return finding(
        rule,
        span,
        f"a reply with `{intent.path}` can go without a {action} within {constraint.duration.amount} "
        f"{constraint.duration.unit}(s); `{rule.rule_id}` requires one every time",
        f"add `on reply when {intent.path}` with `{constraint.action.name} …`, with no condition that could skip it",
        [event(0, "the account enters the strategy"), event(0, f"a reply shows `{intent.path}`; no {action} follows")],
        [(intent.path, "true")],
    )


def event_obligation(rule: ApplicableRule, constraint: ast.Obligation, all_acts: list[Act]) -> Diagnostic | None:
    """An obligation after a run-time event: met by a handler that acts in time, else a note."""
    event_word = constraint.event.name
    deadline = deadline_days(constraint.duration)
    for act in all_acts:
        if act.handler_event == event_word and does(act, constraint.action.name) and act.first_day <= deadline:
            return None
    anchor = next((a for a in all_acts if does(a, constraint.action.name)), None)
    if anchor is None:
        return None
    return info(
        rule.rule_id,
        anchor.action.span,
        f"no `on {event_word}` handler does `{constraint.action.name}` within {constraint.duration.amount} "
        f"{constraint.duration.unit}s; the runtime guard raises it as a task when `{event_word}` happens",
        f"add `on {event_word}` with the action to do it automatically",
        citation=rule.citation,
    )
