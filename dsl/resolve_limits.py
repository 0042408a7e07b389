"""Numbers past what any strategy means: days, durations and counts beyond the language's limits.

A step `on day 999999999` or `at most 999999999 times` is a typo, not a plan, and a checker that
took it literally would build a timeline of a billion runs. These limits make such values `TYPE`
errors, so the compliance checks (which run only on programs without language errors) never see
them:

- a day (`on day N`, `from day A to day B`) or a duration (`every …`, `after …`, `pause for …`,
  `wait … after`, a cap's window) of at most `MAX_DAYS` days: ten years, longer than any
  collection strategy or statute of limitations the packs cite;
- `at most N times` and a cap's `limit … to N` of at most `MAX_TIMES`.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator

from dsl import ast
from dsl.diagnostics import Diagnostic, error

MAX_DAYS = 3650
MAX_TIMES = 1000
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
    return []


# The node kinds `node_problems` looks at.
LIMITED = frozenset({ast.OnDay, ast.Every, ast.Duration, ast.AtMost, ast.FrequencyCap})


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
