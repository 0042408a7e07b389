"""Build the syntax tree in the LALR parser's reductions, with no parse tree in between.

lark's usual way builds a parse tree with positions, then `dsl.build_tree` walks it again; most
of a large text's parse time went to those two. Here each reduction of the LALR parser calls the
builder's method for its rule at once. What lark's tree builder does on the way is done here,
with the same results (the tests compare both paths on every example and on generated trees):

- a rule keeps its named tokens and built values; keywords and `_NL` are dropped;
- the items of lark's helper rules (`__x_star_N`, which spell `x*`) are spliced into the rule;
- a `?rule` that keeps one child passes it through unchanged;
- a node's span runs from the start of its first child to the end of its last, where a child
  passed through a `?rule` also covers what that rule matched around it (the parentheses of
  `( cond )`, the newline after an action): lark calls that the child's "container".

Every built value travels on the parser's stack as a `Piece`: the value with its container's
positions, read the way a token's are.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from lark import Lark
from lark.grammar import Rule

from dsl import ast
from dsl.build_policy import ProgramBuilder
from dsl.diagnostics import Diagnostic
from dsl.source import Source, Span

Reduce = Callable[[list[Any]], Any]


class Piece:
    """A built value on the parser's stack and the text its container covers, positioned like a token."""

    __slots__ = ("column", "end_column", "end_line", "line", "value")

    def __init__(self, value: Any, line: int, column: int, end_line: int, end_column: int) -> None:
        self.value = value
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column


class Kind(Enum):
    """How a rule's child reaches the builder."""

    TOKEN = "token"  # a named token, as it is
    VALUE = "value"  # a built value, taken out of its piece
    SPLICE = "splice"  # a helper rule's items, one after another


@dataclass(frozen=True)
class Plan:
    """What one alternative of one rule does with its children, worked out once from the grammar."""

    name: str  # the builder method (the rule's alias or name); a helper's name starts with `_`
    kept: tuple[tuple[int, Kind], ...]  # which children reach the builder, and how
    size: int  # how many children the parser hands over
    pass_through: bool  # a `?rule` keeping one value: that value, in the rule's container


def plan_of(rule: Rule) -> Plan:
    """The plan for `rule`; grammar shapes this module does not build raise `ValueError`."""
    if rule.options.keep_all_tokens or not rule.expansion:
        raise ValueError(f"rule `{rule}`: `!` rules and empty expansions are not built inline")
    kept = tuple(
        (index, Kind.TOKEN if symbol.is_term else Kind.SPLICE if symbol.name.startswith("_") else Kind.VALUE)
        for index, symbol in enumerate(rule.expansion)
        if not (symbol.is_term and symbol.filter_out)
    )
    name = str(rule.alias or rule.origin.name)
    pass_through = bool(rule.options.expand1 and not rule.alias and len(kept) == 1)
    if pass_through and kept[0][1] is not Kind.VALUE:
        raise ValueError(f"rule `{rule}`: a `?rule` passing through a token or a helper is not built inline")
    return Plan(name, kept, len(rule.expansion), pass_through)


def reducer(plan: Plan, builder: ProgramBuilder) -> Reduce:
    """The parser callback for one rule alternative, bound to one text's builder."""
    if plan.name.startswith("_"):
        return helper_reducer(plan)
    if plan.pass_through:
        if plan.size == 1:
            return operator.itemgetter(0)  # nothing around the value: its container is unchanged
        index = plan.kept[0][0]

        def pass_through(children: list[Any]) -> Piece:
            first, last = children[0], children[-1]
            return Piece(children[index].value, first.line, first.column, last.end_line, last.end_column)

        return pass_through
    build = getattr(builder, plan.name)
    source = builder.source
    kept = plan.kept

    def node(children: list[Any]) -> Piece:
        first, last = children[0], children[-1]
        line, column, end_line, end_column = first.line, first.column, last.end_line, last.end_column
        value = build(Span(source, line, column, end_line, end_column), gather(children, kept))
        return Piece(value, line, column, end_line, end_column)

    return node


def helper_reducer(plan: Plan) -> Reduce:
    """The callback of a helper rule spelling `x*`: its items gather in one list, extended in place.

    LALR helpers recurse on the left (`__x_star: x | __x_star x`), so the list grows at its end.
    """
    (first_index, first_kind), *rest = plan.kept
    if first_index == 0 and first_kind is Kind.SPLICE:

        def extend(children: list[Any]) -> Piece:
            piece, last = children[0], children[-1]
            piece.value.extend(gather(children, rest))
            piece.end_line, piece.end_column = last.end_line, last.end_column
            return piece

        return extend

    def start(children: list[Any]) -> Piece:
        first, last = children[0], children[-1]
        return Piece(gather(children, plan.kept), first.line, first.column, last.end_line, last.end_column)

    return start


def gather(children: list[Any], kept: tuple[tuple[int, Kind], ...] | list[tuple[int, Kind]]) -> list[Any]:
    """The children a builder method takes: tokens as they are, values out of their pieces, helpers spliced."""
    out: list[Any] = []
    for index, kind in kept:
        child = children[index]
        if kind is Kind.TOKEN:
            out.append(child)
        elif kind is Kind.VALUE:
            out.append(child.value)
        else:
            out.extend(child.value)
    return out


@functools.cache
def plans(parser: Lark) -> tuple[tuple[Rule, Plan], ...]:
    """Every rule alternative of `parser`'s grammar with its plan."""
    return tuple((rule, plan_of(rule)) for rule in parser.rules)


def build_inline(parser: Lark, source: Source) -> tuple[ast.Program, list[Diagnostic]]:
    """Parse `source` with `parser`'s tables and lexer, building the syntax tree as it goes.

    Raises what lark raises on text it cannot parse (and whatever a builder fault raises): the
    caller reads such text again the slow way, which explains the problem.
    """
    builder = ProgramBuilder(source)
    callbacks = {rule: reducer(plan, builder) for rule, plan in plans(parser)}
    frontend = parser.parser
    lalr = frontend.parser  # lark's LALR parser, or lark-cython's; either runs with other callbacks
    run = type(lalr.parser)(lalr._parse_table, callbacks)
    (start,) = parser.options.start
    result = run.parse(frontend._make_lexer_thread(source.text), start)
    return result.value, builder.diagnostics
