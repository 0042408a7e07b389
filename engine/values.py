"""Literal values of the language as plain Python values the evaluators compare.

Money, numbers, percentages and scores are Decimals (percentages keep their 0–100 value);
durations are minutes; clock times are minutes since midnight. One conversion, shared by every
evaluator, so they cannot disagree about what a literal means.
"""

from __future__ import annotations

import math
import operator
from decimal import Decimal

from dsl import ast

Scalar = Decimal | int | bool | str | None

# The language's comparisons as functions: plain values and durable-rules' field expressions alike.
OPERATORS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def literal_value(node: ast.Expr) -> Scalar:
    """The Python value of a literal node."""
    match node:
        case ast.StringLit(value=value):
            return value
        case ast.NumberLit(value=value):
            return value
        case ast.MoneyLit(amount=amount):
            return amount
        case ast.PercentLit(value=value):
            return value
        case ast.Duration():
            return node.minutes
        case ast.Clock():
            return node.minutes
        case ast.BoolLit(value=value):
            return value
        case ast.DateLit(value=value):
            return value.isoformat()
        case ast.Window():
            return f"{node.start.minutes}-{node.end.minutes}"
    raise TypeError(f"not a literal: {type(node).__name__}")


def is_literal(node: ast.Expr) -> bool:
    """Whether a node is a literal value rather than a name or an operator."""
    return isinstance(
        node,
        ast.StringLit
        | ast.NumberLit
        | ast.MoneyLit
        | ast.PercentLit
        | ast.Duration
        | ast.Clock
        | ast.BoolLit
        | ast.DateLit
        | ast.Window,
    )


def normalise(value: object) -> Scalar:
    """A fact's value in the evaluators' terms: numbers as Decimal, everything else as is."""
    if isinstance(value, Decimal) and not value.is_finite():
        return None  # NaN and infinities are no measurement: unknown, as a missing fact
    if isinstance(value, bool) or value is None or isinstance(value, str | Decimal):
        return value  # type: ignore[return-value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    return str(value)


def compare(op: str, left: Scalar, right: Scalar) -> bool:
    """`left OP right`; an unknown value, or values of different kinds, compare false."""
    if left is None or right is None:
        return False
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    if isinstance(left, str) != isinstance(right, str):
        return False
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if isinstance(left, bool):
        return False
    try:
        if op == "<":
            return left < right  # type: ignore[operator]
        if op == "<=":
            return left <= right  # type: ignore[operator]
        if op == ">":
            return left > right  # type: ignore[operator]
        if op == ">=":
            return left >= right  # type: ignore[operator]
    except TypeError:
        return False
    raise ValueError(f"unknown comparison {op}")


def truthy(value: Scalar) -> bool:
    """A bare name as a condition: true only for the boolean true."""
    return value is True
