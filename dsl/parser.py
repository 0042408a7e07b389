"""Parse Parley text into a syntax tree. Never raises: every problem becomes a diagnostic."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources

from lark import Lark
from lark.exceptions import LarkError, UnexpectedInput, VisitError

from dsl import ast
from dsl.build_policy import ProgramBuilder
from dsl.diagnostics import Diagnostic, error
from dsl.parse_errors import describe_parse_error
from dsl.source import Source, span_of_offset

MAX_NESTING = 200


@dataclass(frozen=True)
class ParseResult:
    """What parsing gave: the program when the text could be read, and every finding."""

    source: Source
    program: ast.Program | None
    diagnostics: tuple[Diagnostic, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Whether the text parsed without errors."""
        return self.program is not None and not any(d.is_error for d in self.diagnostics)


@functools.cache
def lark_parser() -> Lark:
    """The LALR parser for the language, built once per process (lark caches the tables too)."""
    grammar = resources.files("dsl").joinpath("grammar.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=False,
        cache=True,
    )


def parse(text: str, name: str = "<text>") -> ParseResult:
    """Parse a strategy or policy pack; problems come back as diagnostics, never as exceptions."""
    source = Source(name, text)
    if not text.strip():
        return ParseResult(source, None, (empty_text(source),))
    too_deep = nesting_problem(source)
    if too_deep is not None:
        return ParseResult(source, None, (too_deep,))
    try:
        tree = lark_parser().parse(text)
    except UnexpectedInput as problem:
        return ParseResult(source, None, (describe_parse_error(source, problem, lark_parser()),))
    except LarkError as problem:  # pragma: no cover - lark's other errors are grammar bugs
        return ParseResult(source, None, (unreadable(source, str(problem)),))
    builder = ProgramBuilder(source)
    try:
        program = builder.transform(tree)
    except (RecursionError, VisitError):
        message = f"conditions are nested more than {MAX_NESTING} levels deep"
        return ParseResult(source, None, (unreadable(source, message),))
    return ParseResult(source, program, tuple(builder.diagnostics))


def nesting_problem(source: Source) -> Diagnostic | None:
    """Refuse conditions nested deeper than people write, before they cost a deep recursion."""
    depth = deepest = 0
    deepest_at = 0
    for offset, char in enumerate(source.text):
        if char == "(":
            depth += 1
            if depth > deepest:
                deepest, deepest_at = depth, offset
        elif char == ")":
            depth = max(0, depth - 1)
    if deepest <= MAX_NESTING:
        return None
    return error(
        "PARSE",
        span_of_offset(source, deepest_at, deepest_at + 1),
        f"conditions are nested more than {MAX_NESTING} levels deep",
        "split the condition into named segments (`segment NAME when …`) and combine those",
    )


def unreadable(source: Source, message: str) -> Diagnostic:
    """A catch-all parse diagnostic at the start of the text."""
    hint = "split the condition into named segments (`segment NAME when …`) and combine those"
    return error("PARSE", span_of_offset(source, 0, 1), message, hint)


def empty_text(source: Source) -> Diagnostic:
    """The diagnostic for a file with nothing in it."""
    return error(
        "PARSE",
        span_of_offset(source, 0, 0),
        "this file is empty",
        'start with `strategy "NAME" version 1` or `policy "NAME" title "TITLE"`',
    )
