"""Numbers past what any strategy means: days, durations and counts beyond the language's limits.

A step `on day 999999999` or `at most 999999999 times` is a typo, not a plan, and a checker that
took it literally would build a timeline of a billion runs. These limits make such values `TYPE`
errors, so the compliance checks (which run only on programs without language errors) never see
them:

- a day (`on day N`, `from day A to day B`) or a duration (`every …`, `after …`, `pause for …`,
  `wait … after`, a cap's window) of at most `MAX_DAYS` days: ten years, longer than any
  collection strategy or statute of limitations the packs cite;
- `at most N times` and a cap's `limit … to N` of at most `MAX_TIMES`;
- an amount, number or percentage of at most `MAX_AMOUNT` with at most `MAX_PLACES` digits after
  the point: a literal thousands of digits long is a typo too, and the solver would fail on it
  (it converts each literal to an exact fraction's text, which Python caps at 4,300 digits).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator
from decimal import Decimal

from dsl import ast
from dsl.diagnostics import Diagnostic, error

MAX_DAYS = 3650
MAX_TIMES = 1000
MAX_AMOUNT = Decimal(10) ** 12  # a trillion: the guard's largest amount of money too
MAX_PLACES = 6  # a score's 0.000001, far finer than any rule or model draws a line
MINUTES_PER_DAY = 24 * 60


def check_limits(program: ast.Program) -> list[Diagnostic]:
    """A `TYPE` error for every day, duration or count beyond the language's limits."""
    findings: list[Diagnostic] = []
    for node in nodes(program):
        if type(node) in LIMITED:  # most nodes hold no number with a limit: skip them cheaply
            findings.extend(node_problems(node))
    return findings


def node_problems(node: ast.Node) -> list[Diagnostic]:
    """The limit problems of one node (not of its children)."""
    if isinstance(node, ast.OnDay):
        return day_problem(node, node.day)
    if isinstance(node, ast.Every):
        return day_problem(node, node.start_day) or day_problem(node, node.end_day)
    if isinstance(node, ast.Duration) and node.minutes > MAX_DAYS * MINUTES_PER_DAY:
        return [
            error(
                "TYPE",
                node.span,
                f"`{node.amount} {node.unit}s` is longer than {MAX_DAYS} days (ten years), the longest Parley plans",
                "check the number; a strategy or a rule spans ten years at most",
            )
        ]
    if isinstance(node, ast.AtMost) and node.times > MAX_TIMES:
        return [too_many(node, f"`at most {node.times} times`")]
    if isinstance(node, ast.FrequencyCap) and node.limit > MAX_TIMES:
        return [too_many(node, f"a limit of {node.limit}")]
    if isinstance(node, ast.MoneyLit):
        return number_problem(node, node.amount, "$")
    if isinstance(node, (ast.NumberLit, ast.PercentLit)):
        return number_problem(node, node.value, "%" if isinstance(node, ast.PercentLit) else "")
    return []


# The node kinds `node_problems` looks at.
LIMITED = frozenset(
    {ast.OnDay, ast.Every, ast.Duration, ast.AtMost, ast.FrequencyCap, ast.MoneyLit, ast.NumberLit, ast.PercentLit}
)


def number_problem(node: ast.Node, value: Decimal, unit: str) -> list[Diagnostic]:
    """An amount, number or percentage too large or too finely written (`unit`: `$`, `%` or none)."""
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if abs(value) <= MAX_AMOUNT and places <= MAX_PLACES:
        return []
    written = shown(node, value, unit)
    if places > MAX_PLACES:
        message = f"{written} has more than {MAX_PLACES} digits after the point, more than Parley reads"
        hint = f"round it to {MAX_PLACES} decimal places or fewer"
    else:
        largest = "$1,000,000,000,000" if unit == "$" else f"1,000,000,000,000{unit}"
        message = f"{written} is more than {largest}, the largest Parley reads"
        hint = "check the number; it looks like a typo"
    return [error("TYPE", node.span, message, hint)]


def shown(node: ast.Node, value: Decimal, unit: str) -> str:
    """The literal in backticks as written, cut short when it is long (it may be thousands of digits)."""
    span = node.span
    text = span.source.line(span.line)[span.column - 1 : span.end_column - 1] if span.line == span.end_line else ""
    text = text.strip() or (f"${value}" if unit == "$" else f"{value}{unit}")
    return f"`{text[:24]}…`" if len(text) > 24 else f"`{text}`"


def day_problem(node: ast.Node, day: int) -> list[Diagnostic]:
    """A day number past the ten-year limit."""
    if day <= MAX_DAYS:
        return []
    return [
        error(
            "TYPE",
            node.span,
            f"day {day} is more than {MAX_DAYS} days (ten years) after placement, the longest Parley plans",
            f"check the number; use a day from 0 to {MAX_DAYS}",
        )
    ]


def too_many(node: ast.Node, what: str) -> Diagnostic:
    """A count past the limit."""
    return error(
        "TYPE",
        node.span,
        f"{what} is more than {MAX_TIMES}, the most Parley counts",
        f"check the number; use {MAX_TIMES} or fewer, or leave the count out",
    )


def nodes(root: ast.Node) -> Iterator[ast.Node]:
    """Every node under `root`, without recursion (conditions may be nested deeply)."""
    stack: list[object] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Node):
            yield item
            stack.extend(getattr(item, name) for name in child_fields(type(item)))
        elif isinstance(item, (tuple, list)):
            stack.extend(item)


# Field types that never hold a node, as `dsl.ast` writes them (it uses postponed annotations).
SCALAR_TYPES = frozenset({"str", "int", "bool", "Decimal", "dt.date", "str | None", "int | None", "dt.date | None"})


@functools.cache
def child_fields(kind: type) -> tuple[str, ...]:
    """The fields of a node kind that may hold other nodes (not its span, texts, numbers or dates), read once."""
    return tuple(f.name for f in dataclasses.fields(kind) if f.name != "span" and f.type not in SCALAR_TYPES)
