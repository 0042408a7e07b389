"""Forbidden actions (`forbid ACTION when COND`): can a step take the action while the condition holds?

A step acts when its guard and branch conditions hold, the audience admitted the account, and no
`stop when` condition has ended the strategy. If all of that together with the rule's condition is
satisfiable, some account can meet the forbidden action: z3 finds one, and its values become the
finding's facts. Clock facts (`days_since_first_statement`, `days_past_due`) grow with the days, so
the audience bounds them at placement and a guard at the step's own day; facts that can change
(balance, states, scores) are not bounded by the audience, only by the path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import z3

from dsl import ast
from dsl.checks.context import ApplicableRule, CheckContext, jurisdiction_covers
from dsl.checks.waiting import CLOCK_FACTS, Act, acts, does, event, finding
from dsl.diagnostics import Diagnostic

CLOCK_NAMES = frozenset(CLOCK_FACTS.values())
# Facts that do not change while the account is in the strategy: the audience bounds them for good.
STABLE_FACTS = frozenset({"original_balance", "jurisdiction", "patient.language", "patient.timezone"})
UNIT_FACTS = ("score.", "sentiment.")


@dataclass
class Translation:
    """Conditions turned into z3 terms; one variable per fact, typed by how the conditions use it."""

    strategy: ast.Strategy
    jurisdictions: tuple[str, ...]
    day: z3.ArithRef = field(default_factory=lambda: z3.Int("action_day"))
    variables: dict[str, z3.ExprRef] = field(default_factory=dict)
    codes: dict[str, int] = field(default_factory=dict)
    constraints: list[z3.BoolRef] = field(default_factory=list)

    def segments(self) -> dict[str, ast.Expr]:
        return {s.name: s.condition for s in self.strategy.segments}

    def var(self, name: str, sort: str) -> z3.ExprRef:
        key = f"{name}:{sort}"
        if key not in self.variables:
            made = {"bool": z3.Bool, "real": z3.Real, "code": z3.Int}[sort](key)
            self.variables[key] = made
            self.bound(name, sort, made)
        return self.variables[key]

    def bound(self, name: str, sort: str, made: z3.ExprRef) -> None:
        base = name.split("@")[0]
        if sort == "real" and (base.startswith(UNIT_FACTS)):
            self.constraints.append(z3.And(made >= 0, made <= 1))  # type: ignore[operator]
        elif sort == "real":
            self.constraints.append(made >= 0)  # type: ignore[operator]
        elif sort == "code" and base == "jurisdiction":
            self.constraints.append(z3.Or([made == self.code(j) for j in self.jurisdictions] or [z3.BoolVal(True)]))

    def code(self, text: str) -> int:
        return self.codes.setdefault(text, len(self.codes) + 1)

    # ------------------------------------------------------------ terms

    def fact(self, name: str, sort: str, at_placement: bool) -> z3.ExprRef:
        """A fact when the action happens (or at placement, for the audience)."""
        if name in CLOCK_NAMES and sort == "real":
            base = self.var(name, "real")
            return base if at_placement else base + z3.ToReal(self.day)  # type: ignore[operator]
        if at_placement and name not in STABLE_FACTS:
            return self.var(f"{name}@placement", sort)
        return self.var(name, sort)

    def boolean(self, expr: ast.Expr, at_placement: bool, depth: int = 0) -> z3.BoolRef:
        """A condition as a z3 formula; anything it cannot read becomes a free, unknown truth value."""
        if isinstance(expr, ast.And):
            return z3.And([self.boolean(e, at_placement, depth) for e in expr.operands])
        if isinstance(expr, ast.Or):
            return z3.Or([self.boolean(e, at_placement, depth) for e in expr.operands])
        if isinstance(expr, ast.Not):
            return z3.Not(self.boolean(expr.operand, at_placement, depth))
        if isinstance(expr, ast.BoolLit):
            return z3.BoolVal(expr.value)
        if isinstance(expr, ast.Name):
            segment = self.segments().get(expr.path)
            if segment is not None and depth < 20:
                return self.boolean(segment, at_placement, depth + 1)
            return self.fact(expr.path, "bool", at_placement)  # type: ignore[return-value]
        if isinstance(expr, ast.Compare):
            return self.compare(expr, at_placement)
        if isinstance(expr, ast.Between):
            low = ast.Compare(">=", expr.subject, expr.low)
            high = ast.Compare("<=", expr.subject, expr.high)
            return z3.And(self.compare(low, at_placement), self.compare(high, at_placement))
        if isinstance(expr, ast.InList):
            return z3.Or([self.compare(ast.Compare("==", expr.subject, o), at_placement) for o in expr.options])
        return self.unknown()

    def unknown(self) -> z3.BoolRef:
        return z3.Bool(f"unknown#{len(self.variables)}#{id(object())}")

    def compare(self, expr: ast.Compare, at_placement: bool) -> z3.BoolRef:
        left, right = expr.left, expr.right
        if isinstance(left, ast.StringLit) or isinstance(right, ast.StringLit):
            return self.compare_text(expr, at_placement)
        lhs, rhs = self.numeric(left, at_placement), self.numeric(right, at_placement)
        if lhs is None or rhs is None:
            return self.unknown()
        ops = {
            "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b,
            "==": lambda a, b: a == b,
            "!=": lambda a, b: a != b,
        }
        return ops[expr.op](lhs, rhs)  # type: ignore[no-any-return]

    def numeric(self, expr: ast.Expr, at_placement: bool) -> z3.ArithRef | None:
        value = literal(expr)
        if value is not None:
            return z3.RealVal(str(value))
        if isinstance(expr, ast.Name):
            return self.fact(expr.path, "real", at_placement)  # type: ignore[return-value]
        return None

    def compare_text(self, expr: ast.Compare, at_placement: bool) -> z3.BoolRef:
        name, text = (expr.left, expr.right) if isinstance(expr.right, ast.StringLit) else (expr.right, expr.left)
        if not isinstance(name, ast.Name) or not isinstance(text, ast.StringLit) or expr.op not in ("==", "!="):
            return self.unknown()
        var = self.fact(name.path, "code", at_placement)
        if name.path == "jurisdiction":
            held = z3.Or([var == self.code(j) for j in self.jurisdictions if jurisdiction_covers(text.value, j)])
        else:
            held = var == self.code(text.value)
        return held if expr.op == "==" else z3.Not(held)


def literal(expr: ast.Expr) -> Decimal | None:
    """A literal's value as a number: money in dollars, percentages as fractions, durations in days."""
    if isinstance(expr, ast.NumberLit):
        return expr.value
    if isinstance(expr, ast.MoneyLit):
        return expr.amount
    if isinstance(expr, ast.PercentLit):
        return expr.value / 100
    if isinstance(expr, ast.Duration):
        return Decimal(expr.minutes) / 1440
    return None


def satisfiable(
    strategy: ast.Strategy, act: Act, extra: Iterable[ast.Expr], jurisdictions: tuple[str, ...]
) -> dict[str, str] | None:
    """Values of the facts under which `act` happens while every `extra` condition holds, or None."""
    t = Translation(strategy, jurisdictions)
    solver = z3.Solver()
    solver.set("timeout", 2000)
    solver.add(t.day >= act.first_day)
    if act.last_day is not None:
        solver.add(t.day <= act.last_day)
    if strategy.audience is not None:
        solver.add(t.boolean(strategy.audience, at_placement=True))
    for condition in (*act.conditions, *extra):
        solver.add(t.boolean(condition, at_placement=False))
    for stop in strategy.stops:
        solver.add(z3.Not(t.boolean(stop.condition, at_placement=False)))
    solver.add(t.constraints)
    if solver.check() == z3.unsat:
        return None  # unknown (a timeout) counts as satisfiable: sound first
    return model_facts(t, solver.model()) if solver.check() == z3.sat else {}


def model_facts(t: Translation, model: z3.ModelRef) -> dict[str, str]:
    """The model as readable fact values (`original_balance` → `$320`)."""
    names = {v: k for k, v in t.codes.items()}
    facts: dict[str, str] = {}
    for key, var in sorted(t.variables.items()):
        name, sort = key.rsplit(":", 1)
        value = model.eval(var, model_completion=False)
        if not (z3.is_bool(value) and (z3.is_true(value) or z3.is_false(value))) and not (
            z3.is_rational_value(value) or z3.is_int_value(value)
        ):
            continue  # a fact the model leaves free tells the reader nothing
        facts[name] = show(name, sort, value, names)
    day = model.eval(t.day, model_completion=True)
    facts["day"] = str(day)
    return facts


def show(name: str, sort: str, value: z3.ExprRef, names: dict[int, str]) -> str:
    """A z3 value in the words of the language."""
    if sort == "bool":
        return "true" if z3.is_true(value) else "false"
    if sort == "code":
        return f'"{names.get(value.as_long(), "another value")}"'  # type: ignore[attr-defined]
    number = value.as_fraction()  # type: ignore[attr-defined]
    amount = Decimal(number.numerator) / Decimal(number.denominator)
    if "balance" in name:
        return f"${amount:,.2f}"
    return f"{amount.normalize():f}"


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
                found = forbidden(program, rule, constraint, act)
                if found is not None:
                    findings.append(found)
    return findings


def forbidden(program: ast.Strategy, rule: ApplicableRule, constraint: ast.ForbidAction, act: Act) -> Diagnostic | None:
    """The finding for one action, when some admitted account can meet the rule's condition."""
    facts = satisfiable(program, act, (constraint.condition,), rule.jurisdictions)
    if facts is None:
        return None
    day = int(facts.pop("day", act.first_day))
    condition = constraint.condition.span.source.text[slice(*offsets(constraint.condition))] or "its condition"
    shown = [(name, value) for name, value in facts.items() if not name.endswith("@placement")]
    return finding(
        rule,
        act.action.span,
        f"{act.owner_label} can `{act.text}` when `{condition}`, which `{rule.rule_id}` forbids",
        f"guard the step `unless {condition}`, or add `stop when {condition}`, or narrow the audience",
        [event(0, "the account enters the strategy"), event(day, f"{act.owner_label}: `{act.text}`", act.window_start)],
        shown,
    )


def offsets(expr: ast.Expr) -> tuple[int, int]:
    """Character offsets of an expression in its source, for quoting it back."""
    span = expr.span
    if not span.known:
        return (0, 0)
    lines = span.source.text.splitlines(keepends=True)
    start = sum(len(line) for line in lines[: span.line - 1]) + span.column - 1
    end = sum(len(line) for line in lines[: span.end_line - 1]) + span.end_column - 1
    return (start, end)
