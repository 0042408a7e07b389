"""Obligations (`require ACTION within DURATION after EVENT`): the strategy itself must do it in time.

The one the catalog makes static is Regulation F's validation notice: an agency gives the
validation information in its initial communication or within 5 days of it (12 CFR 1006.34(a)(1);
calendar days, the catalog's conservative reading). The first communication is the earliest day
any step can send a message or call; a validation-notice step counts when it goes out on every
path that communication can take, by the deadline. Events only known at run time (a dispute, an
application) are met by an `on EVENT` handler that acts soon enough; otherwise the runtime guard
surfaces the overdue obligation as a task, and the checker says so once.
"""

from __future__ import annotations

from dsl import ast
from dsl.checks.context import ApplicableRule, CheckContext
from dsl.checks.forbid_action import always_with
from dsl.checks.solver import scenario_of
from dsl.checks.waiting import Act, acts, canonical_event, does, event, finding, is_contact
from dsl.diagnostics import Diagnostic, info

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


def first_contact(all_acts: list[Act]) -> Act | None:
    """The message or call that can come first (steps only: a handler answers something sent before)."""
    contacts = [a for a in all_acts if is_contact(a) and isinstance(a.owner, ast.Step)]
    return min(contacts, key=lambda a: a.first_day, default=None)


def scheduled_obligation(
    ctx: CheckContext, rule: ApplicableRule, constraint: ast.Obligation, event_word: str, all_acts: list[Act]
) -> Diagnostic | None:
    """The finding when no step does the action within the period after placement or first contact."""
    start = first_contact(all_acts) if event_word == "first_communication" else None
    if event_word == "first_communication" and start is None:
        return None  # nothing is ever sent: there is no communication to follow up
    start_day = start.first_day if start is not None else 0
    due = start_day + deadline_days(constraint.duration)
    doers = [a for a in all_acts if does(a, constraint.action.name) and isinstance(a.owner, ast.Step)]
    anchor = start if start is not None else (doers[0] if doers else None)
    on_time = [a for a in doers if a.first_day <= due and (anchor is None or always_with(ctx, anchor, a))]
    if on_time:
        return None
    late = min(doers, key=lambda a: a.first_day, default=None)
    action = constraint.action.name.replace("_", " ")
    what = "the first communication" if start is not None else "placement"
    trace = [event(start_day, f"{what}: {start.owner_label} `{start.text}`" if start else what)]
    trace.append(event(due, f"the last day for the {action} ({constraint.duration.amount} days)"))
    if late is None:
        span = start.action.span if start else ctx.strategy.span
        within = f"within {constraint.duration.amount} days after {what}"
        message = f"no step sends the {action}; `{rule.rule_id}` requires it {within}"
        hint = f"add a step on day {due} or earlier that sends it, with no guard that could skip it"
    else:
        span = late.action.span
        trace.append(event(late.first_day, f"{late.owner_label}: `{late.text}`", late.window_start))
        reason = "too late" if late.first_day > due else "not on every path"
        message = (
            f"{late.owner_label} sends the {action} on day {late.first_day}, {reason}: `{rule.rule_id}` requires it "
            f"by day {due}, within {constraint.duration.amount} days after {what}"
        )
        hint = f"move it to day {due} or earlier and drop guards that could skip it, or send it in the first message"
    return finding(rule, span, message, hint, trace, [])


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
