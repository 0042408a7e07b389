"""Name and type checking of conditions: every name known, every comparison between like values.

A condition is a yes/no question about an account. `ConditionChecker.condition` walks one and
reports unknown names (`NAME`, with a did-you-mean), comparisons between different kinds of value
(`TYPE`: money with a plain number, a score with a number outside 0..1, a yes/no state with
anything), ranges that are empty, and values that are not yes/no questions used as if they were.
Kinds and ranges come from `dsl.schema`; nothing here knows a fact by name.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from dsl import ast
from dsl.diagnostics import Diagnostic, error
from dsl.resolve_words import line_of
from dsl.schema import ORDERED_KINDS, Fact, Kind, did_you_mean, fact, fact_names
from dsl.source import NO_SPAN, Span
from dsl.vocabulary import CHANNELS, jurisdiction_problem, language_problem, timezone_problem

LITERAL_KINDS: dict[type, Kind] = {
    ast.StringLit: Kind.TEXT,
    ast.NumberLit: Kind.NUMBER,
    ast.MoneyLit: Kind.MONEY,
    ast.PercentLit: Kind.PERCENT,
    ast.Duration: Kind.DURATION,
    ast.Clock: Kind.CLOCK,
    ast.Window: Kind.WINDOW,
    ast.DateLit: Kind.DATE,
    ast.BoolLit: Kind.BOOLEAN,
}

# Which literal kind each fact kind is compared with.
LITERAL_FOR: dict[Kind, Kind] = {
    Kind.MONEY: Kind.MONEY,
    Kind.NUMBER: Kind.NUMBER,
    Kind.DAYS: Kind.NUMBER,
    Kind.SCORE: Kind.NUMBER,
    Kind.CLOCK: Kind.CLOCK,
    Kind.TEXT: Kind.TEXT,
    Kind.CHANNEL: Kind.TEXT,
    Kind.LANGUAGE: Kind.TEXT,
    Kind.JURISDICTION: Kind.TEXT,
    Kind.TIMEZONE: Kind.TEXT,
}

TEXT_KINDS = frozenset({Kind.TEXT, Kind.CHANNEL, Kind.LANGUAGE, Kind.JURISDICTION, Kind.TIMEZONE})

EXAMPLE_FOR: dict[Kind, str] = {
    Kind.MONEY: "write money with a dollar sign, like `$100`",
    Kind.NUMBER: "write a plain number, like `65`",
    Kind.DAYS: "write a whole number of days, like `120`",
    Kind.SCORE: "write a number from 0 to 1, like `0.7`",
    Kind.CLOCK: "write a time of day, like `09:00`",
    Kind.TEXT: 'write it in quotes, like `"text"`',
    Kind.CHANNEL: 'write it in quotes, like `"sms"`',
    Kind.LANGUAGE: 'write it in quotes, like `"es"`',
    Kind.JURISDICTION: 'write it in quotes, like `"US-CA"`',
    Kind.TIMEZONE: 'write it in quotes, like `"America/Chicago"`',
}


def text_of(node: ast.Node) -> str:
    """The node's own text in its source, for messages (its value when it has no place)."""
    span = node.span
    if span.known and span.end_line == span.line:
        return line_of(span.source, span.line)[span.column - 1 : span.end_column - 1]
    if isinstance(node, ast.BoolLit):
        return "true" if node.value else "false"
    if isinstance(node, ast.Name):
        return node.path
    return "this value"


def literal_value(node: ast.Node) -> Decimal | None:
    """The number a literal stands for, so ranges can be ordered (None for text and the like)."""
    if isinstance(node, ast.NumberLit | ast.PercentLit):
        return node.value
    if isinstance(node, ast.MoneyLit):
        return node.amount
    if isinstance(node, ast.Clock):
        return Decimal(node.minutes)
    if isinstance(node, ast.Duration):
        return Decimal(node.minutes)
    return None


@dataclass(frozen=True)
class Operand:
    """One side of a comparison: its kind (None when its name is unknown) and the fact it names."""

    node: ast.Expr
    kind: Kind | None
    fact: Fact | None = None

    @property
    def is_literal(self) -> bool:
        """Whether the side is a written value rather than a name."""
        return type(self.node) in LITERAL_KINDS


class ConditionChecker:
    """Checks conditions against the fact schema and the strategy's segments, collecting findings."""

    def __init__(self, segments: Collection[str] = (), what: str = "a fact, score or segment") -> None:
        self.segments = segments
        self.what = what
        self.diagnostics: list[Diagnostic] = []
        self.where = NO_SPAN  # the innermost condition with a place, for values that have none

    def report(self, rule: str, span: Span, message: str, hint: str | None) -> None:
        """Record one error finding (at the enclosing condition when the value has no place, like `true`)."""
        self.diagnostics.append(error(rule, span if span.known else self.where, message, hint))

    # ------------------------------------------------------------ yes/no conditions

    def condition(self, expr: ast.Expr) -> None:
        """Check that `expr` is a yes/no condition with known names and like-for-like comparisons."""
        outer = self.where
        self.where = expr.span if expr.span.known else outer
        try:
            self.check_condition(expr)
        finally:
            self.where = outer

    def check_condition(self, expr: ast.Expr) -> None:
        """`condition` for one expression, at `self.where`."""
        if isinstance(expr, ast.And | ast.Or):
            for operand in expr.operands:
                self.condition(operand)
        elif isinstance(expr, ast.Not):
            self.condition(expr.operand)
        elif isinstance(expr, ast.Compare):
            self.compare(expr)
        elif isinstance(expr, ast.Between):
            self.between(expr)
        elif isinstance(expr, ast.InList):
            self.in_list(expr)
        elif isinstance(expr, ast.Name):
            self.bare_name(expr)
        elif not isinstance(expr, ast.BoolLit):
            self.report(
                "TYPE",
                expr.span,
                f"`{text_of(expr)}` is {LITERAL_KINDS[type(expr)].words}, not a yes/no condition",
                "compare a fact with it, like `balance >= $100`",
            )

    def bare_name(self, name: ast.Name) -> None:
        """A name used on its own must be a yes/no state or a segment."""
        resolved = self.resolve(name)
        if resolved is None or resolved.kind is Kind.BOOLEAN:
            return
        example = EXAMPLE_FOR.get(resolved.kind, "")
        self.report(
            "TYPE",
            name.span,
            f"`{name.path}` is {resolved.kind.words}, not a yes/no condition",
            f"compare it with a value: `{name.path} == …` or `{name.path} >= …` ({example})",
        )

    # ------------------------------------------------------------ names and operands

    def resolve(self, name: ast.Name, quoted_hint: bool = False) -> Operand | None:
        """The operand a name stands for, or None (reported) when nothing has that name."""
        if name.path in self.segments:
            return Operand(name, Kind.BOOLEAN)
        found = fact(name.path)
        if found is not None:
            return Operand(name, found.kind, found)
        hint = did_you_mean(name.path, [*fact_names(), *self.segments])
        if quoted_hint:
            # Beside a channel, language or place, a bare unknown word is that value without quotes.
            hint = f'to compare with the word itself, put it in quotes: `"{name.path}"`'
        self.report(
            "NAME",
            name.span,
            f"`{name.path}` is not {self.what}",
            hint or "the facts a condition may name are listed in the language guide",
        )
        return None

    def operand(self, expr: ast.Expr, quoted_hint: bool = False) -> Operand | None:
        """One side of a comparison; sub-conditions are checked and count as yes/no values."""
        if isinstance(expr, ast.Name):
            return self.resolve(expr, quoted_hint)
        if type(expr) in LITERAL_KINDS:
            return Operand(expr, LITERAL_KINDS[type(expr)])
        self.condition(expr)
        return Operand(expr, Kind.BOOLEAN)

    def sides(self, left: ast.Expr, right: ast.Expr) -> tuple[Operand | None, Operand | None]:
        """Both sides; an unknown name beside a text fact gets the "put it in quotes" hint."""
        left_side = self.operand(left) if not isinstance(left, ast.Name) else None
        right_side = self.operand(right) if not isinstance(right, ast.Name) else None
        if isinstance(left, ast.Name):
            left_side = self.operand(left, quoted_hint=self.is_text_fact(right))
        if isinstance(right, ast.Name):
            right_side = self.operand(right, quoted_hint=self.is_text_fact(left))
        return left_side, right_side

    def is_text_fact(self, expr: ast.Expr) -> bool:
        """Whether `expr` names a fact whose values are words (channel, language, place)."""
        found = fact(expr.path) if isinstance(expr, ast.Name) else None
        return found is not None and found.kind in TEXT_KINDS

    def not_yes_no(self, operand: Operand) -> bool:
        """Report a yes/no value used as a value to compare; True when it was one."""
        if operand.kind is not Kind.BOOLEAN:
            return False
        shown = text_of(operand.node)
        hint = f"write `{shown}` or `not {shown}` on its own" if isinstance(operand.node, ast.Name) else None
        self.report("TYPE", operand.node.span, f"`{shown}` is a yes/no state and cannot be compared", hint)
        return True

    # ------------------------------------------------------------ comparisons

    def compare(self, expr: ast.Compare) -> None:
        """`left OP right`: like kinds, an order where `<` is used, values in range."""
        left, right = self.sides(expr.left, expr.right)
        if left is None or right is None or self.not_yes_no(left) or self.not_yes_no(right):
            return
        if left.is_literal and right.is_literal:
            self.fixed_values(expr)
            return
        subject = left if not left.is_literal else right
        other = right if subject is left else left
        if expr.op not in ("==", "!=") and subject.kind not in ORDERED_KINDS:
            self.unordered(subject, expr.span)
            return
        self.against(subject, other)

    def between(self, expr: ast.Between) -> None:
        """`subject between low and high`: an ordered kind, like ends, low end first."""
        subject = self.operand(expr.subject)
        low, high = self.operand(expr.low), self.operand(expr.high)
        if subject is None or low is None or high is None:
            return
        if any(self.not_yes_no(side) for side in (subject, low, high)):
            return
        if subject.is_literal and low.is_literal and high.is_literal:
            self.fixed_values(expr)
            return
        if subject.kind not in ORDERED_KINDS:
            self.unordered(subject, expr.span)
            return
        if self.against(subject, low) and self.against(subject, high):
            self.range_in_order(expr)

    def range_in_order(self, expr: ast.Between) -> None:
        """Report a `between` whose written low end is above its high end."""
        low, high = literal_value(expr.low), literal_value(expr.high)
        if low is not None and high is not None and low > high:
            first, second = text_of(expr.low), text_of(expr.high)
            self.report(
                "TYPE",
                expr.span,
                f"`between {first} and {second}` is never true: `{first}` is more than `{second}`",
                f"write the lower value first: `between {second} and {first}`",
            )

    def in_list(self, expr: ast.InList) -> None:
        """`subject in [...]`: a non-empty list of values of the subject's kind."""
        subject = self.operand(expr.subject)
        if subject is None or self.not_yes_no(subject):
            return
        if subject.is_literal:
            self.fixed_values(expr)
            return
        if not expr.options:
            self.report("TYPE", expr.span, "the list is empty, so this is never true", "name at least one value")
            return
        for option in expr.options:
            self.against(subject, Operand(option, LITERAL_KINDS[type(option)]))

    def fixed_values(self, expr: ast.Expr) -> None:
        """Report a comparison of written values with each other."""
        self.report(
            "TYPE",
            expr.span,
            "this compares written values with each other, so it is always true or always false",
            "compare a fact with a value, like `balance >= $100`",
        )

    def unordered(self, subject: Operand, span: Span) -> None:
        """Report `<`, `>` or `between` on a kind without an order."""
        shown = text_of(subject.node)
        assert subject.kind is not None
        self.report(
            "TYPE",
            span,
            f"`{shown}` is {subject.kind.words}; it has no order to compare by",
            f"use `{shown} == …`, `{shown} != …` or `{shown} in [...]`",
        )

    def against(self, subject: Operand, other: Operand) -> bool:
        """Check `other` can be compared with `subject`; True when it can."""
        assert subject.kind is not None and other.kind is not None
        if not other.is_literal:
            return self.like_names(subject, other)
        if LITERAL_FOR.get(subject.kind) is not other.kind:
            self.kind_mismatch(subject, other)
            return False
        return self.value_fits(subject, other.node)

    def like_names(self, subject: Operand, other: Operand) -> bool:
        """Two names compare only when they are of one kind (days and numbers mix)."""
        assert subject.kind is not None and other.kind is not None
        numbers = {Kind.NUMBER, Kind.DAYS}
        if subject.kind is other.kind or {subject.kind, other.kind} <= numbers:
            return True
        self.report(
            "TYPE",
            other.node.span,
            f"`{text_of(subject.node)}` is {subject.kind.words} and `{text_of(other.node)}` is "
            f"{other.kind.words}; they cannot be compared",
            None,
        )
        return False

    def kind_mismatch(self, subject: Operand, other: Operand) -> None:
        """Report a written value of another kind than the fact's, with the way to write it."""
        assert subject.kind is not None and other.kind is not None
        shown = text_of(other.node)
        hint = EXAMPLE_FOR.get(subject.kind)
        if subject.kind is Kind.SCORE and isinstance(other.node, ast.PercentLit):
            hint = f"write the score as a fraction: `{other.node.value / 100}` for `{shown}`"
        elif subject.kind is Kind.DAYS and isinstance(other.node, ast.Duration):
            hint = f"write the number of days alone: `{other.node.days:g}`"
        self.report(
            "TYPE",
            other.node.span,
            f"`{text_of(subject.node)}` is {subject.kind.words}, but `{shown}` is {other.kind.words}",
            hint,
        )

    # ------------------------------------------------------------ values

    def value_fits(self, subject: Operand, node: ast.Node) -> bool:
        """Check a literal of the right kind is a value the fact can take."""
        found = subject.fact
        if found is None:
            return True
        if isinstance(node, ast.StringLit):
            return self.word_fits(found, node)
        value = literal_value(node)
        if value is None:
            return True
        if found.kind is Kind.DAYS and value != value.to_integral_value():
            self.report("TYPE", node.span, f"`{found.name}` counts whole days; `{text_of(node)}` is not one", None)
            return False
        if not found.in_range(value):
            self.out_of_range(found, node, value)
            return False
        return True

    def out_of_range(self, found: Fact, node: ast.Node, value: Decimal) -> None:
        """Report a value the fact can never take."""
        low = "" if found.low is None else f"{found.low}"
        limits = f"from {low} to {found.high}" if found.high is not None else f"from {low} up"
        hint = None
        if found.kind is Kind.SCORE and value <= 100:
            hint = f"a score is a fraction: write `{value / 100}` for {value}%"
        self.report("TYPE", node.span, f"`{found.name}` runs {limits}, so `{text_of(node)}` can never be reached", hint)

    def word_fits(self, found: Fact, node: ast.StringLit) -> bool:
        """Check a quoted word is a value of the fact's closed set (channel, language, place)."""
        problem: str | None = None
        hint: str | None = None
        if found.kind is Kind.LANGUAGE:
            problem = language_problem(node.value)
            hint = "use a language code such as `en`, `es`, `vi` or `zh`"
        elif found.kind is Kind.JURISDICTION:
            problem = jurisdiction_problem(node.value)
            hint = "write `US`, a state such as `US-CA`, or a city such as `US-NY-NYC`"
        elif found.kind is Kind.TIMEZONE:
            problem = timezone_problem(node.value)
            hint = "write a time zone such as `America/Chicago`"
        elif found.kind is Kind.CHANNEL and node.value not in CHANNELS:
            problem = f"`{node.value}` is not a channel"
            hint = did_you_mean(node.value, CHANNELS) or "channels are " + ", ".join(f"`{c}`" for c in CHANNELS)
        if problem is None:
            return True
        self.report("NAME", node.span, problem, hint)
        return False
