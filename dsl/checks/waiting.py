"""Waiting periods (`wait DURATION after EVENT before ACTION`): no action sooner after its event.

Days count from the account's placement into the strategy (day 0). An event the strategy does not
cause, such as the first billing statement, is placed in time by the audience's bounds: with
`audience days_since_first_statement >= 400` the statement is at least 400 days before day 0, so a
step on day d acts at least 400 + d days after it. A guard `when days_since_first_statement >= X`
on the acting step says the same at the step's own day. Without a bound the checker assumes the
event may have happened on the placement day itself, which is the worst case it must cover.
The timeline these checks share (every action with its days, the words for events) is in
`dsl.checks.acts`.
"""

from __future__ import annotations

from collections.abc import Iterator

from dsl import ast
from dsl.checks.acts import (
    CLOCK_FACTS,
    MESSAGE_EVENTS,
    SCREEN_WORDS,
    TEMPLATE_WORDS,
    Act,
    acts,
    canonical_event,
    days_since,
    does,
    event,
    finding,
    in_reach,
    needed_gap,
)
from dsl.checks.context import ApplicableRule, CheckContext
from dsl.checks.notice import message_wait
from dsl.diagnostics import Diagnostic, info


def check(program: ast.Strategy, ctx: CheckContext) -> list[Diagnostic]:
    """Every action that can come sooner after an event than a waiting period allows."""
    findings: list[Diagnostic] = []
    all_acts = acts(program)
    for rule in ctx.rules_of(ast.WaitingPeriod):
        constraint = rule.rule.constraint
        assert isinstance(constraint, ast.WaitingPeriod)
        targets = [a for a in all_acts if does(a, constraint.action.name) and in_reach(ctx, rule, a)]
        if not targets:
            continue
        event_word = canonical_event(constraint.event.name)
        if event_word in CLOCK_FACTS:
            findings.extend(clock_wait(program, rule, constraint, event_word, targets))
        elif event_word in MESSAGE_EVENTS or event_word in TEMPLATE_WORDS or event_word in SCREEN_WORDS:
            findings.extend(message_wait(ctx, rule, constraint, event_word, targets, all_acts))
        elif event_word == "placement":
            findings.extend(placement_wait(rule, constraint, targets))
        else:
            findings.append(runtime_only(rule, constraint, targets[0]))
    return findings


def clock_wait(
    program: ast.Strategy, rule: ApplicableRule, constraint: ast.WaitingPeriod, event_word: str, targets: list[Act]
) -> Iterator[Diagnostic]:
    """Actions that can come too soon after the first statement or delinquency."""
    fact = CLOCK_FACTS[event_word]
    need = needed_gap(rule, constraint.duration)
    words = event_word.replace("_", " ")
    for act in targets:
        gap = days_since(program, act, fact)
        if gap >= need:
            continue
        event_day = act.first_day - gap
        yield finding(
            rule,
            act.action.span,
            f"{act.owner_label} can `{act.text}` {gap} days after the {words}; "
            f"`{rule.rule_id}` requires {need} days or more",
            f"schedule it on day {act.first_day + need - gap} or later, or guard it "
            f"`when {fact} >= {need}`, or narrow the audience to `{fact} >= {need - act.first_day}`",
            [
                event(event_day, f"the {words} (the latest the audience allows)"),
                event(0, "the account enters the strategy"),
                event(act.first_day, f"{act.owner_label}: `{act.text}`", act.window_start),
                event(event_day + need, f"the first day `{rule.rule_id}` allows it"),
            ],
            [(fact, f"{gap - act.first_day} on the placement day")],
        )


def placement_wait(rule: ApplicableRule, constraint: ast.WaitingPeriod, targets: list[Act]) -> Iterator[Diagnostic]:
    """Actions sooner after placement than the period."""
    need = needed_gap(rule, constraint.duration)
    for act in targets:
        if act.first_day >= need:
            continue
        yield finding(
            rule,
            act.action.span,
            f"{act.owner_label} can `{act.text}` on day {act.first_day}; "
            f"`{rule.rule_id}` requires {need} days after placement",
            f"schedule it on day {need} or later",
            [event(0, "the account enters the strategy"), event(act.first_day, act.owner_label, act.window_start)],
            [],
        )


def runtime_only(rule: ApplicableRule, constraint: ast.WaitingPeriod, act: Act) -> Diagnostic:
    """An event the strategy cannot place in time: the runtime guard checks it on real dates."""
    return info(
        rule.rule_id,
        act.action.span,
        f"`{constraint.event.name}` is an event only known at run time; the runtime guard holds "
        f"`{constraint.action.name}` until {constraint.duration.amount} {constraint.duration.unit}s after it",
        None,
        citation=rule.citation,
    )
