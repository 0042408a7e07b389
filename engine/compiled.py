"""The compiled evaluator: conditions turned once into plain Python closures.

Same meaning as `engine.reference`, without walking the tree on every decision.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from dsl import ast
from engine.values import Scalar, compare, is_literal, literal_value, normalise, truthy

Facts = Mapping[str, object]
Predicate = Callable[[Facts], bool]
Getter = Callable[[Facts], Scalar]


def compile_condition(expr: ast.Expr, segments: Mapping[str, ast.Expr]) -> Predicate:
    """A closure that tells whether `expr` holds for given facts."""
    match expr:
        case ast.And(operands=operands):
            parts = tuple(compile_condition(o, segments) for o in operands)
            return lambda facts: all(part(facts) for part in parts)
        case ast.Or(operands=operands):
            parts = tuple(compile_condition(o, segments) for o in operands)
            return lambda facts: any(part(facts) for part in parts)
        case ast.Not(operand=operand):
            inner = compile_condition(operand, segments)
            return lambda facts: not inner(facts)
        case ast.Compare(op=op, left=left, right=right):
            get_left, get_right = compile_value(left, segments), compile_value(right, segments)
            return lambda facts: compare(op, get_left(facts), get_right(facts))
        case ast.Between(subject=subject, low=low, high=high):
            get, get_low, get_high = (compile_value(e, segments) for e in (subject, low, high))

            def between(facts: Facts) -> bool:
                value = get(facts)
                return compare(">=", value, get_low(facts)) and compare("<=", value, get_high(facts))

            return between
        case ast.InList(subject=subject, options=options):
            get = compile_value(subject, segments)
            allowed = tuple(literal_value(o) for o in options)
            return lambda facts: any(compare("==", get(facts), option) for option in allowed)
    get_value = compile_value(expr, segments)
    return lambda facts: truthy(get_value(facts))


def compile_value(expr: ast.Expr, segments: Mapping[str, ast.Expr]) -> Getter:
    """A closure that reads an operand's value from facts."""
    if is_literal(expr):
        constant = literal_value(expr)
        return lambda facts: constant
    if isinstance(expr, ast.Name):
        if expr.path in segments:
            segment = compile_condition(segments[expr.path], segments)
            return segment
        path = expr.path
        return lambda facts: normalise(facts.get(path))
    return compile_condition(expr, segments)
