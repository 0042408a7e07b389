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

The parser runs on a copy of lark's LALR table in which each rule is replaced by its `Plan`.
On every reduction the parser loop compares the rule with the end state and finds the next state
by the rule's name; lark's `Rule` and its name (a `Token`) compare in Python, a `Plan` (by
identity) and a plain `str` in C, which saves about a sixth of the parse. Only the table's shape
is read (`states`, `start_states`, `end_states`, `Shift`/`Reduce`), the same in lark and lark-cython.

This leans on three of lark's internals: the frontend's `_parse_table` and `_make_lexer_thread`,
and its LALR loop class taking a table and callbacks. Should an upgrade change them, `parse`
would quietly take the slow path; `tests/test_parse_inline.py` fails instead.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from lark import Lark
from lark.grammar import Rule
from lark.parsers.lalr_analysis import ParseTable, ParseTableBase, Reduce

from dsl import ast
from dsl.build_policy import ProgramBuilder
from dsl.diagnostics import Diagnostic
from dsl.source import Source, Span

Reducer = Callable[[list[Any]], Any]
Taker = Callable[[list[Any]], list[Any]]


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


@dataclass(frozen=True, eq=False)
class Origin:
    """The symbol a rule reduces to; the parser reads its `name` to find the next state."""

    name: str


@dataclass(frozen=True, eq=False)
class Plan:
    """What one alternative of one rule does with its children, worked out once from the grammar.

    It stands in for lark's `Rule` in the parser's table: the parser reads `origin.name` and the
    length of `expansion`, and finds the callback by the plan's identity (`eq=False`).
    """

    origin: Origin
    expansion: tuple[str, ...]  # the names of the symbols the rule matches
    name: str  # the builder method (the rule's alias or name); a helper's name starts with `_`
    kept: tuple[tuple[int, Kind], ...]  # which children reach the builder, and how
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
    pass_through = bool(rule.options.expand1 and not rule.alias and len(kept) == 1)
    if pass_through and kept[0][1] is not Kind.VALUE:
        raise ValueError(f"rule `{rule}`: a `?rule` passing through a token or a helper is not built inline")
    expansion = tuple(str(symbol.name) for symbol in rule.expansion)
    return Plan(Origin(str(rule.origin.name)), expansion, str(rule.alias or rule.origin.name), kept, pass_through)


@dataclass(frozen=True)
class InlineTable:
    """A parser's LALR table with every rule replaced by its plan, and those plans."""

    table: ParseTableBase[Any]
    plans: tuple[Plan, ...]


@functools.cache
def inline_table(parser: Lark) -> InlineTable:
    """`parser`'s table for building inline, made once per parser."""
    if parser.options.maybe_placeholders:  # lark would hand `None` for each absent `[x]`
        raise ValueError("placeholders for absent `[x]` are not built inline")
    table = parser.parser.parser._parse_table
    plans: dict[Rule, Plan] = {}

    def plan_for(rule: Rule) -> Plan:
        if rule not in plans:
            plans[rule] = plan_of(rule)
        return plans[rule]

    states = {
        state: {
            str(symbol): (action, plan_for(argument)) if action is Reduce else (action, argument)
            for symbol, (action, argument) in actions.items()
        }
        for state, actions in table.states.items()
    }
    copy = ParseTable(states, dict(table.start_states), dict(table.end_states))
    return InlineTable(copy, tuple(plans.values()))


def reducer(plan: Plan, builder: ProgramBuilder) -> Reducer:
    """The parser callback for one rule alternative, bound to one text's builder."""
    if plan.name.startswith("_"):
        return helper_reducer(plan)
    if plan.pass_through:
        if len(plan.expansion) == 1:
            return operator.itemgetter(0)  # nothing around the value: its container is unchanged
        index = plan.kept[0][0]

        def pass_through(children: list[Any]) -> Piece:
            first, last = children[0], children[-1]
            return Piece(children[index].value, first.line, first.column, last.end_line, last.end_column)

        return pass_through
    build = getattr(builder, plan.name)
    source = builder.source
    if plan.kept == ((0, Kind.TOKEN),) and len(plan.expansion) == 1:
        # A rule that is one named token (`ref`, the literals): a third of all nodes, so kept short.

        def token_node(children: list[Any]) -> Piece:
            (token,) = children
            line, column, end_line, end_column = token.line, token.column, token.end_line, token.end_column
            value = build(Span(source, line, column, end_line, end_column), children)
            return Piece(value, line, column, end_line, end_column)

        return token_node
    take = taker(plan.kept)

    def node(children: list[Any]) -> Piece:
        first, last = children[0], children[-1]
        line, column, end_line, end_column = first.line, first.column, last.end_line, last.end_column
        value = build(Span(source, line, column, end_line, end_column), take(children))
        return Piece(value, line, column, end_line, end_column)

    return node


def helper_reducer(plan: Plan) -> Reducer:
    """The callback of a helper rule spelling `x*`: its items gather in one list, extended in place.

    LALR helpers recurse on the left (`__x_star: x | __x_star x`), so the list grows at its end.
    """
    (first_index, first_kind), *rest = plan.kept
    if first_index == 0 and first_kind is Kind.SPLICE:
        take_rest = taker(tuple(rest))

        def extend(children: list[Any]) -> Piece:
            piece, last = children[0], children[-1]
            piece.value.extend(take_rest(children))
            piece.end_line, piece.end_column = last.end_line, last.end_column
            return piece

        return extend
    take = taker(plan.kept)

    def start(children: list[Any]) -> Piece:
        first, last = children[0], children[-1]
        return Piece(take(children), first.line, first.column, last.end_line, last.end_column)

    return start


def taker(kept: tuple[tuple[int, Kind], ...]) -> Taker:
    """A function giving the children a builder method takes: tokens as they are, values out of their pieces.

    The shapes most reductions have (one token, one value) get a function of their own.
    """
    if len(kept) == 1 and kept[0][1] is Kind.TOKEN:
        only = kept[0][0]
        return lambda children: [children[only]]
    if len(kept) == 1 and kept[0][1] is Kind.VALUE:
        only = kept[0][0]
        return lambda children: [children[only].value]
    return functools.partial(gather, kept=kept)


def gather(children: list[Any], kept: Sequence[tuple[int, Kind]]) -> list[Any]:
    """The children a builder method takes, for any shape; helpers' items are spliced in."""
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


def build_inline(parser: Lark, source: Source) -> tuple[ast.Program, list[Diagnostic]]:
    """Parse `source` with `parser`'s tables and lexer, building the syntax tree as it goes.

    Raises what lark raises on text it cannot parse (and whatever a builder fault raises): the
    caller reads such text again the slow way, which explains the problem.
    """
    builder = ProgramBuilder(source)
    inline = inline_table(parser)
    callbacks = {plan: reducer(plan, builder) for plan in inline.plans}
    frontend = parser.parser
    # lark's LALR loop, or lark-cython's: the same class as the parser's own, with this table.
    run = type(frontend.parser.parser)(inline.table, callbacks)
    (start,) = parser.options.start
    result = run.parse(frontend._make_lexer_thread(source.text), start)
    return result.value, builder.diagnostics
