"""The Parley syntax tree's terms: the base node, literal values, conditions and identifiers.

Both strategies (`dsl.ast`) and policy packs (`dsl.ast_policy`) are built from these. Import the
tree through `dsl.ast`, which re-exports every node.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from dsl.source import NO_SPAN, Span


@dataclass(frozen=True)
class Node:
    """Base of every syntax node."""

    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class Name(Node):
    """A bare or dotted name such as `paid` or `score.distress`."""

    path: str


@dataclass(frozen=True)
class StringLit(Node):
    """A quoted string."""

    value: str


@dataclass(frozen=True)
class NumberLit(Node):
    """An integer or decimal number."""

    value: Decimal


@dataclass(frozen=True)
class MoneyLit(Node):
    """An amount of money in dollars, such as `$1,250.50`."""

    amount: Decimal


@dataclass(frozen=True)
class PercentLit(Node):
    """A percentage such as `5%`."""

    value: Decimal


@dataclass(frozen=True)
class Duration(Node):
    """A length of time such as `7 days` or `24 hours`."""

    amount: int
    unit: str  # singular: minute, hour, day, week

    @property
    def minutes(self) -> int:
        """The duration in minutes."""
        return self.amount * {"minute": 1, "hour": 60, "day": 1440, "week": 10080}[self.unit]

    @property
    def days(self) -> float:
        """The duration in days (fractional for hours and minutes)."""
        return self.minutes / 1440


@dataclass(frozen=True)
class Clock(Node):
    """A time of day such as `09:00`."""

    hour: int
    minute: int

    @property
    def minutes(self) -> int:
        """Minutes since midnight."""
        return self.hour * 60 + self.minute


@dataclass(frozen=True)
class Window(Node):
    """A time-of-day window such as `09:00-19:00`."""

    start: Clock
    end: Clock


@dataclass(frozen=True)
class DateLit(Node):
    """A calendar date such as `2027-01-31`."""

    value: dt.date


@dataclass(frozen=True)
class BoolLit(Node):
    """`true` or `false`."""

    value: bool


Value = StringLit | NumberLit | MoneyLit | PercentLit | Duration | Clock | Window | DateLit | BoolLit


# ---------------------------------------------------------------- conditions


@dataclass(frozen=True)
class And(Node):
    """All of the operands hold."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Or(Node):
    """At least one operand holds."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Not(Node):
    """The operand does not hold."""

    operand: Expr


@dataclass(frozen=True)
class Compare(Node):
    """`left OP right` with OP one of `< <= > >= == !=`."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Between(Node):
    """`subject between low and high`, both ends included."""

    subject: Expr
    low: Expr
    high: Expr


@dataclass(frozen=True)
class InList(Node):
    """`subject in [a, b, …]`."""

    subject: Expr
    options: tuple[Value, ...]


Expr = Name | Value | And | Or | Not | Compare | Between | InList


@dataclass(frozen=True)
class Ident(Node):
    """A word chosen from a closed set, such as `provider` or `US-CA`, with its place."""

    name: str
