"""The reference evaluator: a small, obviously correct walk over the syntax tree.

It is the yardstick the compiled evaluator (and the durable-rules backend) are tested against,
so it favours plainness over speed.
"""

from __future__ import annotations

from collections.abc import Mapping

from dsl import ast
from engine.values import Scalar, compare, is_literal, literal_value, normalise, truthy


def value_of(expr: ast.Expr, facts: Mapping[str, object], segments: Mapping[str, ast.Expr]) -> Scalar:
    """The value of an operand: a literal, a fact, a segment's truth, or a condition's truth."""
    if is_literal(expr):
        return literal_value(expr)
    if isinstance(expr, ast.Name):
        if expr.path in segments:
            return holds(segments[expr.path], facts, segments)
        return normalise(facts.get(expr.path))
    return holds(expr, facts, segments)


def holds(expr: ast.Expr, facts: Mapping[str, object], segments: Mapping[str, ast.Expr]) -> bool:
    """Whether a condition holds for these facts."""
    match expr:
        case ast.And(operands=operands):
            return all(holds(o, facts, segments) for o in operands)
        case ast.Or(operands=operands):
            return any(holds(o, facts, segments) for o in operands)
        case ast.Not(operand=operand):
            return not holds(operand, facts, segments)
        case ast.Compare(op=op, left=left, right=right):
            return compare(op, value_of(left, facts, segments), value_of(right, facts, segments))
        case ast.Between(subject=subject, low=low, high=high):
            value = value_of(subject, facts, segments)
            return compare(">=", value, value_of(low, facts, segments)) and compare(
                "<=", value, value_of(high, facts, segments)
            )
        case ast.InList(subject=subject, options=options):
            value = value_of(subject, facts, segments)
            return any(compare("==", value, literal_value(o)) for o in options)
    return truthy(value_of(expr, facts, segments))
