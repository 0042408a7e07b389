"""Parse Parley text into a syntax tree. Never raises: every problem becomes a diagnostic."""

from __future__ import annotations

import functools
import re
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
# `not not not …`: the (MAX_NESTING + 1)th `not` in a row.
NOT_CHAIN = re.compile(rf"(?:\bnot\s+){{{MAX_NESTING}}}(not)\b")


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
    if only_comments(text):
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
    """Refuse conditions nested deeper than people write, before they cost a deep recursion.

    The span points at the first `(` or `not` past the limit.
    """
    depth = 0
    too_deep_at: int | None = None
    for offset, char in enumerate(source.text):
        if char == "(":
            depth += 1
            if depth > MAX_NESTING:
                too_deep_at = offset
                break
        elif char == ")":
            depth = max(0, depth - 1)
    nots = NOT_CHAIN.search(source.text)
    if nots is not None and (too_deep_at is None or nots.start(1) < too_deep_at):
        too_deep_at = nots.start(1)
    if too_deep_at is None:
        return None
    return error(
        "PARSE",
        span_of_offset(source, too_deep_at, too_deep_at + 1),
        f"conditions are nested more than {MAX_NESTING} levels deep",
        "split the condition into named segments (`segment NAME when …`) and combine those",
    )


def unreadable(source: Source, message: str) -> Diagnostic:
    """A catch-all parse diagnostic at the start of the text."""
    hint = "split the condition into named segments (`segment NAME when …`) and combine those"
    return error("PARSE", span_of_offset(source, 0, 1), message, hint)


def only_comments(text: str) -> bool:
    """Whether the text has nothing but blank lines and `#` comments."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def empty_text(source: Source) -> Diagnostic:
    """The diagnostic for a file with nothing in it (comments aside)."""
    return error(
        "PARSE",
        span_of_offset(source, 0, 0),
        "this file is empty" if not source.text.strip() else "this file holds only comments",
        'start with `strategy "NAME" version 1` or `policy "NAME" title "TITLE"`',
    )
