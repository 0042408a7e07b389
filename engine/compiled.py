"""The compiled evaluator: conditions turned once into plain Python closures.

Same meaning as `engine.reference`, without walking the tree on every decision.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from decimal import Decimal

from dsl import ast
from engine.values import Scalar, compare, is_literal, literal_value, normalise, truthy

Facts = Mapping[str, object]
Predicate = Callable[[Facts], bool]
Getter = Callable[[Facts], Scalar]


def compile_condition(expr: ast.Expr, segments: Mapping[str, ast.Expr]) -> Predicate:
    """A closure that tells whether `expr` holds for given facts."""
    match expr:
        case ast.And(operands=operands):
            return conjunction(tuple(compile_condition(o, segments) for o in operands))
        case ast.Or(operands=operands):
            names = plain_names(operands, segments)
            if names is not None:  # `paid or disputed or …`: one loop over the facts, no closure per name
                return any_fact_true(names)
            return disjunction(tuple(compile_condition(o, segments) for o in operands))
        case ast.Not(operand=operand):
            inner = compile_condition(operand, segments)
            return lambda facts: not inner(facts)
        case ast.Compare(op=op, left=left, right=right):
            fast = fact_against_number(op, left, right, segments)
            if fast is not None:
                return fast
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
        case ast.Name(path=path) if path not in segments:
            # `normalise` hands a boolean back as itself, so "the fact is the boolean true" is all
            # `truthy(normalise(…))` asks.
            return lambda facts: facts.get(path) is True
    get_value = compile_value(expr, segments)
    return lambda facts: truthy(get_value(facts))


def plain_names(operands: tuple[ast.Expr, ...], segments: Mapping[str, ast.Expr]) -> tuple[str, ...] | None:
    """The fact names, when every operand is a bare fact name (not a segment); else None."""
    names = tuple(o.path for o in operands if isinstance(o, ast.Name) and o.path not in segments)
    return names if len(names) == len(operands) else None


def any_fact_true(names: tuple[str, ...]) -> Predicate:
    """Whether any of the facts is the boolean true (what `truthy(normalise(…))` asks of a bare name)."""

    def holds(facts: Facts) -> bool:
        for name in names:  # noqa: SIM110 - a plain loop is twice as fast as `any()` over a generator here
            if facts.get(name) is True:
                return True
        return False

    return holds


def conjunction(parts: tuple[Predicate, ...]) -> Predicate:
    """`a and b and …`, short-circuiting, without a generator for the usual two or three parts."""
    if len(parts) == 2:
        first, second = parts
        return lambda facts: first(facts) and second(facts)
    if len(parts) == 3:
        first, second, third = parts
        return lambda facts: first(facts) and second(facts) and third(facts)
    return lambda facts: all(part(facts) for part in parts)


def disjunction(parts: tuple[Predicate, ...]) -> Predicate:
    """`a or b or …`, short-circuiting, without a generator for the usual two or three parts."""
    if len(parts) == 2:
        first, second = parts
        return lambda facts: first(facts) or second(facts)
    if len(parts) == 3:
        first, second, third = parts
        return lambda facts: first(facts) or second(facts) or third(facts)
    return lambda facts: any(part(facts) for part in parts)


ORDERINGS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def fact_against_number(op: str, left: ast.Expr, right: ast.Expr, segments: Mapping[str, ast.Expr]) -> Predicate | None:
    """`fact OP number` (`balance >= $50`), the commonest condition, as one small closure.

    A whole number or a finite Decimal fact compares directly; anything else (missing, a boolean,
    text, a float, an infinity) goes the general way through `normalise` and `compare`, so the
    meaning is unchanged.
    """
    if op not in ORDERINGS or not isinstance(left, ast.Name) or left.path in segments or not is_literal(right):
        return None
    constant = literal_value(right)
    if not isinstance(constant, Decimal) or isinstance(constant, bool) or not constant.is_finite():
        return None
    ordering, path = ORDERINGS[op], left.path

    def holds(facts: Facts) -> bool:
        value = facts.get(path)
        kind = type(value)
        if kind is int or (kind is Decimal and value.is_finite()):  # type: ignore[union-attr]
            return ordering(value, constant)  # an int compares with a Decimal exactly, as normalise would
        return compare(op, normalise(value), constant)

    return holds


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
