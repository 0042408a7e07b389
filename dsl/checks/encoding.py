"""Conditions as z3 formulas over one run's copy of an account's facts, and facts back as text.

The encoding follows the engine's reading of a condition (`engine.values`): a comparison with a
missing fact is false, values of different kinds never compare, percentages keep their 0..100
value, durations and clocks are minutes. `dsl.checks.solver` decides which copies of the facts a
question uses; this module only turns one condition into one formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

import z3

from dsl import ast, schema

if TYPE_CHECKING:
    from dsl.checks.solver import Scenario

INT_KINDS = {schema.Kind.DAYS, schema.Kind.CLOCK}
TEXT_KINDS = {
    schema.Kind.TEXT,
    schema.Kind.CHANNEL,
    schema.Kind.LANGUAGE,
    schema.Kind.JURISDICTION,
    schema.Kind.TIMEZONE,
}


def literal_term(node: ast.Expr) -> z3.ExprRef | None:
    """A literal as a z3 value, in the engine's units (percent 0..100, durations and clocks in minutes)."""
    match node:
        case ast.StringLit(value=value):
            return z3.StringVal(value)
        case ast.NumberLit(value=value) | ast.MoneyLit(amount=value) | ast.PercentLit(value=value):
            return z3.RealVal(Fraction(value))
        case ast.Duration():
            return z3.IntVal(node.minutes)
        case ast.Clock():
            return z3.IntVal(node.minutes)
        case ast.BoolLit(value=value):
            return z3.BoolVal(value)
        case ast.DateLit(value=value):
            return z3.StringVal(value.isoformat())
        case ast.Window():
            return z3.StringVal(f"{node.start.minutes}-{node.end.minutes}")
    return None


class Encoder:
    """Turns conditions into z3 formulas over one copy of the account's facts (one run)."""

    def __init__(self, scenario: Scenario, copy: str, day: int | z3.ArithRef) -> None:
        self.scenario = scenario
        self.copy = copy
        self.day = day
        self.expanding: set[str] = set()

    # ------------------------------------------------------------ facts

    def fact(self, name: str, sort: str) -> tuple[z3.BoolRef, z3.ExprRef]:
        """(is known, value) of a fact on this run; `sort` is used only for names the schema lacks."""
        return self.scenario.fact_term(name, sort, self.copy, self.day)

    # ------------------------------------------------------------ conditions

    def condition(self, expr: ast.Expr) -> z3.BoolRef:
        """The formula that holds exactly when `expr` holds on this run (memoised per run and day)."""
        key = (expr, self.copy, self.day if isinstance(self.day, int) else None)
        memo = self.scenario.encoded
        if key not in memo:
            memo[key] = self.encode(expr)
        return memo[key]

    def encode(self, expr: ast.Expr) -> z3.BoolRef:
        """`condition` without the memo."""
        match expr:
            case ast.And(operands=operands):
                return z3.And(*[self.condition(o) for o in operands]) if operands else z3.BoolVal(True)
            case ast.Or(operands=operands):
                return z3.Or(*[self.condition(o) for o in operands]) if operands else z3.BoolVal(False)
            case ast.Not(operand=operand):
                return z3.Not(self.condition(operand))
            case ast.Compare(op=op, left=left, right=right):
                return self.compare(op, left, right)
            case ast.Between(subject=subject, low=low, high=high):
                return z3.And(self.compare(">=", subject, low), self.compare("<=", subject, high))
            case ast.InList(subject=subject, options=options):
                return z3.Or(*[self.compare("==", subject, o) for o in options]) if options else z3.BoolVal(False)
            case ast.BoolLit(value=value):
                return z3.BoolVal(value)
            case ast.Name(path=path):
                if path in self.scenario.segments:
                    return self.segment(path)
                known, value = self.fact(path, "bool")
                if z3.is_bool(value):
                    return z3.And(known, value)
                return z3.BoolVal(False)  # a number or text used as a condition is never true
        return z3.BoolVal(False)  # any other literal standing alone is not true

    def segment(self, name: str) -> z3.BoolRef:
        """A segment's condition, expanded; a segment defined through itself is a free yes/no."""
        if name in self.expanding:
            return self.scenario.atom(f"segment:{name}", self.copy)
        self.expanding.add(name)
        try:
            return self.condition(self.scenario.segments[name])
        finally:
            self.expanding.discard(name)

    def operand(self, expr: ast.Expr, hint: str) -> tuple[z3.BoolRef, z3.ExprRef]:
        """(is known, value) of one side of a comparison."""
        literal = literal_term(expr)
        if literal is not None:
            return z3.BoolVal(True), literal
        if isinstance(expr, ast.Name) and expr.path not in self.scenario.segments:
            return self.fact(expr.path, hint)
        return z3.BoolVal(True), self.condition(expr)

    def compare(self, op: str, left: ast.Expr, right: ast.Expr) -> z3.BoolRef:
        """`left OP right` as the engine reads it: false when a side is missing or the kinds differ."""
        left_known, left_value = self.operand(left, sort_hint(right))
        right_known, right_value = self.operand(right, sort_hint(left))
        try:
            relation = relate(op, left_value, right_value)
        except (z3.Z3Exception, TypeError):  # a comparison z3 cannot state: the engine calls it false
            relation = None
        if relation is None:
            return z3.BoolVal(False)
        return z3.And(left_known, right_known, relation)


def sort_hint(expr: ast.Expr) -> str:
    """What sort an unknown name compared with `expr` should take."""
    literal = literal_term(expr)
    if literal is None:
        return "real" if isinstance(expr, ast.Name) else "bool"
    if z3.is_bool(literal):
        return "bool"
    if z3.is_string(literal):
        return "text"
    return "real"


def relate(op: str, left: z3.ExprRef, right: z3.ExprRef) -> z3.BoolRef | None:
    """The z3 relation, or None when the engine would call it false (different kinds, ordered yes/no)."""
    arithmetic = z3.is_arith(left) and z3.is_arith(right)
    same = arithmetic or (z3.is_bool(left) and z3.is_bool(right)) or (z3.is_string(left) and z3.is_string(right))
    if not same:
        return None
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if z3.is_bool(left):
        return None
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}.get(op)


def z3_sort(kind: schema.Kind | None, sort: str) -> z3.SortRef:
    """The z3 sort of a fact of `kind` (or, for a name the schema lacks, of the sort it is used as)."""
    if kind is schema.Kind.BOOLEAN or (kind is None and sort == "bool"):
        return z3.BoolSort()
    if kind in INT_KINDS:
        return z3.IntSort()
    if kind in TEXT_KINDS or (kind is None and sort == "text"):
        return z3.StringSort()
    return z3.RealSort()


def range_constraints(name: str, kind: schema.Kind | None, known: z3.BoolRef, value: z3.ExprRef) -> list[z3.BoolRef]:
    """The schema's range of a fact, holding whenever the fact is known."""
    row = schema.fact(name) if kind is not None else None
    bounds: list[z3.BoolRef] = []
    if row is not None and row.low is not None:
        bounds.append(value >= z3.RealVal(Fraction(row.low)))
    if row is not None and row.high is not None:
        bounds.append(value <= z3.RealVal(Fraction(row.high)))
    if kind is schema.Kind.CLOCK:
        bounds.extend([value >= 0, value < 1440])
    return [z3.Implies(known, b) for b in bounds]


# Facts that can never exceed another: a bill is past due only after its first statement, so
# `days_since_first_statement >= days_past_due` whenever both are known (on the same run).
AT_LEAST = {"days_since_first_statement": "days_past_due"}


def linked_facts(name: str) -> list[tuple[str, str]]:
    """The (larger, smaller) pairs of `AT_LEAST` that fact `name` belongs to."""
    return [(big, small) for big, small in AT_LEAST.items() if name in (big, small)]


def at_least_constraint(big: tuple[z3.BoolRef, z3.ExprRef], small: tuple[z3.BoolRef, z3.ExprRef]) -> z3.BoolRef:
    """`big >= small` whenever both facts are known."""
    return z3.Implies(z3.And(big[0], small[0]), big[1] >= small[1])


def render(value: z3.ExprRef, kind: schema.Kind | None) -> str:
    """A z3 value as the language writes it: `true`, `$600.00`, `0.7`, `400`, `09:30`, `"US-MA"`."""
    if z3.is_true(value) or z3.is_false(value):
        return "true" if z3.is_true(value) else "false"
    if z3.is_string_value(value):
        return f'"{value.as_string()}"'
    if z3.is_rational_value(value) or z3.is_int_value(value):
        number = Fraction(value.as_fraction()) if z3.is_rational_value(value) else Fraction(value.as_long())
        if kind is schema.Kind.MONEY:
            return f"${Decimal(number.numerator) / Decimal(number.denominator):,.2f}"
        if kind is schema.Kind.CLOCK:
            minutes = int(number)
            return f"{minutes // 60:02d}:{minutes % 60:02d}"
        if number.denominator == 1:
            return str(number.numerator)
        return f"{Decimal(number.numerator) / Decimal(number.denominator):.4f}".rstrip("0").rstrip(".")
    return str(value)


def mentioned_names(conditions: Sequence[ast.Expr | None], segments: dict[str, ast.Expr]) -> set[str]:
    """Every fact and segment name the conditions use, segments followed into their conditions."""
    found: set[str] = set()
    pending = [c for c in conditions if c is not None]
    while pending:
        node = pending.pop()
        match node:
            case ast.Name(path=path):
                if path not in found:
                    found.add(path)
                    if path in segments:
                        pending.append(segments[path])
            case ast.And(operands=operands) | ast.Or(operands=operands):
                pending.extend(operands)
            case ast.Not(operand=operand):
                pending.append(operand)
            case ast.Compare(left=left, right=right):
                pending.extend([left, right])
            case ast.Between(subject=subject, low=low, high=high):
                pending.extend([subject, low, high])
            case ast.InList(subject=subject):
                pending.append(subject)
    return found
