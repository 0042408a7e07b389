"""Three evaluators behind one interface: pick how a plan's conditions are evaluated.

- `compiled` (default): closures built once per plan;
- `reference`: walks the syntax tree on every evaluation, the yardstick the others are tested against;
- `durable`: durable-rules' Rete network (imported only when chosen; see `engine.durable_backend`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from dsl import ast
from engine.compiled import Predicate, compile_condition
from engine.plan import Plan, compile_plan
from engine.reference import holds

EVALUATORS = ("compiled", "reference", "durable")


class UnknownEvaluator(ValueError):
    """The evaluator named is not one of `EVALUATORS`."""


def reference_condition(expr: ast.Expr, segments: Mapping[str, ast.Expr]) -> Predicate:
    """A predicate that walks the tree every time it is asked."""
    return lambda facts: holds(expr, facts, segments)


def condition_compiler(evaluator: str, label: str) -> Callable[[ast.Expr, Mapping[str, ast.Expr]], Predicate]:
    """The function that turns a condition into a predicate for the chosen evaluator."""
    if evaluator == "compiled":
        return compile_condition
    if evaluator == "reference":
        return reference_condition
    if evaluator == "durable":
        from engine.durable_backend import DurableConditions

        return DurableConditions(label).compile_expr
    raise UnknownEvaluator(f"unknown evaluator `{evaluator}`; choose one of {', '.join(EVALUATORS)}")


def build_plan(strategy: ast.Strategy, text: str, evaluator: str = "compiled") -> Plan:
    """A plan whose conditions run on the chosen evaluator."""
    plan = compile_plan(strategy, text)
    if evaluator == "compiled":
        return plan
    return compile_plan(strategy, text, condition_compiler(evaluator, plan.content_hash[:12]))
