"""Holds (`hold ACTIONS when STATE [until STATE]`): can the strategy act while a hold is on?

A dispute, a cease request or an attorney's representation stops collection (12 CFR 1006.38(c),
1006.6(c), 1006.6(b)(2)). The runtime guard enforces those holds on every action regardless, so a
strategy that would act through one is told with a warning: it should say `stop when disputed`
(or guard its steps) so that its plan and its behaviour agree. A financial-assistance application
suspends extraordinary collection actions (26 CFR 1.501(r)-6(c)(5)-(6)); an ECA step that can act
while one is pending is an error, because an ECA taken by mistake cannot simply be unsent.

An action is held when, on some account the audience admits, its path can hold together with the
hold's condition and without its `until` state, while no `stop when` has ended the strategy.
"""

from __future__ import annotations

import dataclasses

from dsl import ast
from dsl.checks.acts import ECA_KINDS, ECA_TARGETS, Act, acts, does, event, finding, in_reach
from dsl.checks.context import ApplicableRule, CheckContext
from dsl.checks.forbid_action import can_act_while, quoted
from dsl.diagnostics import Diagnostic, Severity

MAX_LISTED = 4
# Events whose handler, when it stops the strategy, means the strategy stops in that state.
EVENT_STATES = {"dispute": "disputed", "payment": "paid"}


def check(program: ast.Strategy, ctx: CheckContext) -> list[Diagnostic]:
    """Warnings for collection that can go on through a hold; errors for ECAs through one."""
    findings: list[Diagnostic] = []
    all_acts = acts(program)
    for rule in ctx.rules_of(ast.Hold):
        constraint = rule.rule.constraint
        assert isinstance(constraint, ast.Hold)
        words = [a.name for a in constraint.actions]
        # A state's hold binds only the actions that can reach an account in that state.
        reach = [a for a in all_acts if any(does(a, w) for w in words) and in_reach(ctx, rule, a)]
        held = sorted(reach, key=lambda a: a.first_day)
        is_eca = all(w in ECA_TARGETS | ECA_KINDS for w in words)
        # A warning names a few steps; finding more would only cost solver time on large strategies.
        through = acting_through(ctx, program, constraint, held, None if is_eca else MAX_LISTED + 1)
        if not through:
            continue
        if is_eca:
            findings.extend(eca_through_hold(rule, constraint, act, facts) for act, facts in through)
        else:
            findings.append(collection_through_hold(rule, constraint, through))
    return findings


def acting_through(
    ctx: CheckContext, program: ast.Strategy, constraint: ast.Hold, held: list[Act], enough: int | None
) -> list[tuple[Act, tuple[tuple[str, str], ...]]]:
    """The actions (earliest first, up to `enough` owners) that can happen while the hold is on."""
    condition = hold_condition(constraint)
    through: list[tuple[Act, tuple[tuple[str, str], ...]]] = []
    owners: set[int] = set()
    for act in held:
        if enough is not None and len(owners) >= enough:
            break
        if id(act.owner) in owners:
            continue  # one action per step is enough to name the step
        facts = can_act_while(ctx, act, (*condition, *handler_stops(program, act)))
        if facts is not None:
            through.append((act, facts))
            owners.add(id(act.owner))
    return through


def handler_stops(strategy: ast.Strategy, act: Act) -> tuple[ast.Expr, ...]:
    """What handlers that stop the strategy (or this action's channel) rule out when it acts later.

    `on reply when intent.wrong_person … stop` ends the strategy as soon as such a reply comes, so
    no step acts while that intent stands; `on reply when intent.stop … stop sms` does the same
    for texts; `on dispute … stop` is `stop when disputed`.
    """
    ruled_out: list[ast.Expr] = []
    channel = channel_of(act)
    for handler in strategy.handlers:
        stops = [s for s in handler.body if isinstance(s, ast.StopAction) and s.channel in (None, channel)]
        state = EVENT_STATES.get(handler.event.name)
        if not stops or (state is None and handler.event.name != "reply"):
            continue
        parts: list[ast.Expr] = [ast.Name(state)] if state else []
        if handler.guard is not None:
            guard = handler.guard.condition
            parts.append(ast.Not(guard) if handler.guard.negated else guard)
        if parts:
            ruled_out.append(ast.Not(ast.And(tuple(parts)) if len(parts) > 1 else parts[0]))
    return tuple(ruled_out)


def channel_of(act: Act) -> str | None:
    """The channel an action goes out on, for `stop CHANNEL`."""
    if isinstance(act.action, ast.Send):
        return act.action.channel
    return "call" if isinstance(act.action, ast.Call) else None


def hold_condition(constraint: ast.Hold) -> tuple[ast.Expr, ...]:
    """The hold is on: its condition holds and its `until` state has not come."""
    if constraint.until is None:
        return (constraint.condition,)
    return (constraint.condition, ast.Not(ast.Name(constraint.until.name, span=constraint.until.span)))


def describe(constraint: ast.Hold) -> str:
    """The hold in words: `disputed` and not yet `verified`."""
    text = f"`{quoted(constraint.condition)}`"
    return f"{text} and not yet `{constraint.until.name}`" if constraint.until else text


def eca_through_hold(
    rule: ApplicableRule, constraint: ast.Hold, act: Act, facts: tuple[tuple[str, str], ...]
) -> Diagnostic:
    """An error: an extraordinary collection action that can be taken while it is suspended."""
    condition = quoted(constraint.condition)
    found = finding(
        rule,
        act.action.span,
        f"{act.owner_label} can `{act.text}` while {describe(constraint)}; `{rule.rule_id}` suspends it",
        f"guard the step `unless {condition}`, or stop the strategy `when {condition}`",
        [
            event(0, "the account enters the strategy"),
            event(act.first_day, f"while {describe(constraint)}, {act.owner_label}: `{act.text}`"),
        ],
        list(facts),
    )
    return dataclasses.replace(found, severity=Severity.ERROR)


def collection_through_hold(
    rule: ApplicableRule, constraint: ast.Hold, through: list[tuple[Act, tuple[tuple[str, str], ...]]]
) -> Diagnostic:
    """A warning naming the steps that can act through the hold; the runtime guard holds them anyway."""
    first, facts = min(through, key=lambda pair: pair[0].first_day)
    owners = list(dict.fromkeys(a.owner_label for a, _ in through))
    listed = ", ".join(owners[:MAX_LISTED]) + (" and others" if len(owners) > MAX_LISTED else "")
    condition = quoted(constraint.condition)
    found = finding(
        rule,
        first.action.span,
        f"nothing in the strategy stops {listed} while {describe(constraint)}; the runtime guard will hold "
        f"{'them' if len(owners) > 1 else 'it'} under `{rule.rule_id}`",
        f"add `stop when {condition}`, or guard those steps `unless {condition}`",
        [
            event(0, "the account enters the strategy"),
            event(first.first_day, f"while {describe(constraint)}, {first.owner_label}: `{first.text}`"),
        ],
        list(facts),
    )
    return dataclasses.replace(found, severity=Severity.WARNING)
