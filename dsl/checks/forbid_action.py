"""Forbidden actions (`forbid ACTION when COND`): can a step take the action while the condition holds?

A step acts when its guard and branch conditions hold, the audience admitted the account, and no
`stop when` condition has ended the strategy. If all of that together with the rule's condition is
satisfiable, some account can meet the forbidden action: the solver (`dsl.checks.solver`, z3) finds
one, and its values become the finding's facts. This module also answers the question the other
timing checks ask: is one step's action on every path to another's?
"""

from __future__ import annotations

from dsl import ast
from dsl.checks.acts import Act, acts, does, event, finding
from dsl.checks.context import ApplicableRule, CheckContext
from dsl.checks.solver import Evaluation, scenario_of
from dsl.diagnostics import Diagnostic


def run_day(act: Act) -> int | None:
    """The one day an action runs on, or None when it can run on several (any day is then asked)."""
    return act.first_day if act.last_day == act.first_day else None


def can_act_while(ctx: CheckContext, act: Act, extra: tuple[ast.Expr, ...]) -> tuple[tuple[str, str], ...] | None:
    """The facts of an account on which `act` happens while every `extra` condition holds, or None."""
    if ruled_out(ctx.strategy, act, extra):
        return None
    found = scenario_of(ctx).satisfiable((*act.conditions, *extra), run_day(act))
    return None if found is None else found.facts


def ruled_out(strategy: ast.Strategy, act: Act, extra: tuple[ast.Expr, ...]) -> bool:
    """A quick, certain answer for the usual case: a state the conditions need ends the strategy.

    `stop when paid or disputed` and a step guard `unless disputed` both rule out acting while
    `disputed`; so does a handler that stops on it (the holds check passes those as `not …`).
    Seeing that needs no solver, and most holds and forbidden actions are this case.
    """
    needed = {e.path for c in extra for e in conjuncts(c) if isinstance(e, ast.Name)}
    if not needed:
        return False
    stopping = {d.path for stop in strategy.stops for d in disjuncts(stop.condition) if isinstance(d, ast.Name)}
    skipped = {
        d.path
        for c in (*act.conditions, *extra)
        for e in conjuncts(c)
        if isinstance(e, ast.Not)
        for d in disjuncts(e.operand)
        if isinstance(d, ast.Name)
    }
    segments = {s.name for s in strategy.segments}
    return bool((needed & (stopping | skipped)) - segments)


def conjuncts(expr: ast.Expr) -> list[ast.Expr]:
    """The top-level `and` parts of a condition."""
    return [p for o in expr.operands for p in conjuncts(o)] if isinstance(expr, ast.And) else [expr]


def disjuncts(expr: ast.Expr) -> list[ast.Expr]:
    """The top-level `or` parts of a condition."""
    return [p for o in expr.operands for p in disjuncts(o)] if isinstance(expr, ast.Or) else [expr]


def always_with(ctx: CheckContext, later: Act, earlier: Act) -> bool:
    """Whether `earlier`'s conditions hold whenever `later`'s do: `earlier` is on every path to `later`.

    The account's facts are read once for both (an account whose states change between the two
    days, an application decided in between, is left to the runtime guard, which checks the
    ledger); day counters such as `days_since_first_statement` are read on each action's own day.
    """
    if not earlier.conditions:
        return True
    skipped = ast.Not(ast.And(earlier.conditions)) if len(earlier.conditions) > 1 else ast.Not(earlier.conditions[0])
    runs = [Evaluation(later.conditions, run_day(later), "the action"), Evaluation((skipped,), run_day(earlier))]
    return scenario_of(ctx).jointly(runs, shared=True) is None


# ---------------------------------------------------------------- the check


def check(program: ast.Strategy, ctx: CheckContext) -> list[Diagnostic]:
    """Every action a strategy can take while a rule forbids it."""
    findings: list[Diagnostic] = []
    all_acts = acts(program)
    for rule in ctx.rules_of(ast.ForbidAction):
        constraint = rule.rule.constraint
        assert isinstance(constraint, ast.ForbidAction)
        for act in all_acts:
            if does(act, constraint.action.name):
                found = forbidden(ctx, rule, constraint, act)
                if found is not None:
                    findings.append(found)
    return findings


def forbidden(ctx: CheckContext, rule: ApplicableRule, constraint: ast.ForbidAction, act: Act) -> Diagnostic | None:
    """The finding for one action, when some admitted account can meet the rule's condition."""
    facts = can_act_while(ctx, act, (constraint.condition,))
    if facts is None:
        return None
    condition = quoted(constraint.condition)
    return finding(
        rule,
        act.action.span,
        f"{act.owner_label} can `{act.text}` when `{condition}`, which `{rule.rule_id}` forbids",
        tone_hint(constraint, condition) or avoid_hint(constraint.condition, condition),
        [
            event(0, "the account enters the strategy"),
            event(act.first_day, f"{act.owner_label}: `{act.text}`", act.window_start),
        ],
        list(facts),
    )


def tone_hint(constraint: ast.ForbidAction, condition: str) -> str | None:
    """For a forbidden tone (`forbid firm_tone when …`): choose another tone there."""
    word = constraint.action.name
    if not word.endswith("_tone"):
        return None
    tone = word.removesuffix("_tone")
    return f"send it in another tone than `{tone}` when `{condition}`, with a `when … otherwise` branch"


def avoid_hint(condition: ast.Expr, text: str) -> str:
    """How to keep a step away from a condition: `unless C`, or `when X` for a condition `not X`."""
    if isinstance(condition, ast.Not):
        positive = quoted(condition.operand)
        return f"guard the step `when {positive}`, or narrow the audience to accounts where `{positive}`"
    return f"guard the step `unless {text}`, or add `stop when {text}`, or narrow the audience"


def quoted(expr: ast.Expr) -> str:
    """An expression exactly as its source writes it, for quoting it back."""
    span = expr.span
    if not span.known:
        return "its condition"
    lines = span.source.text.splitlines()[span.line - 1 : span.end_line]
    if len(lines) == 1:
        return lines[0][span.column - 1 : span.end_column - 1]
    return " ".join([lines[0][span.column - 1 :], *lines[1:-1], lines[-1][: span.end_column - 1]]).strip()
