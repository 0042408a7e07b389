"""Build the syntax tree by walking lark's parse tree: the reference for `dsl.build_inline`.

`dsl.parser` builds the tree in the LALR parser's reductions (`dsl.build_inline`); this walk over
a finished parse tree (built with `propagate_positions`) gives the same tree and the same
diagnostics, more slowly. It reads texts the fast path gave up on (so that a fault in the builder
is reported the same way whichever path met it), and the tests compare the two paths with it.
"""

from __future__ import annotations

from typing import Any

from lark import Token, Transformer
from lark.tree import Meta

from dsl.build_policy import ProgramBuilder
from dsl.source import NO_SPAN, Source, Span


def span_of(source: Source, meta: Meta) -> Span:
    """The span lark's positions give a rule; none for a rule that matched no text."""
    if getattr(meta, "empty", True):
        return NO_SPAN
    return Span(source, meta.line, meta.column, meta.end_line, meta.end_column)


class TreeWalk(Transformer[Token, Any]):
    """Calls the builder's method for every node of lark's tree, bottom-up."""

    def __init__(self, builder: ProgramBuilder) -> None:
        super().__init__()
        self.builder = builder

    def __default__(self, data: str, children: list[Any], meta: Meta) -> Any:
        # Every rule goes through here: the walk itself has no method named after a rule.
        return getattr(self.builder, str(data))(span_of(self.builder.source, meta), children)
