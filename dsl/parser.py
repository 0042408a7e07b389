"""Parse Parley text into a syntax tree. Never raises: every problem becomes a diagnostic.

Two paths give the same tree. Valid text takes the fast one: the tree is built in the LALR
parser's reductions (`dsl.build_inline`), on lark-cython's compiled loop and lexer when installed.
Text the fast path cannot read is read again through lark's parse tree (`parse_slowly`), whose
errors `dsl.parse_errors` explains.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources

from lark import Lark
from lark.exceptions import LarkError, UnexpectedInput

from dsl import ast
from dsl.build_inline import build_inline
from dsl.build_policy import ProgramBuilder
from dsl.build_tree import TreeWalk
from dsl.diagnostics import Diagnostic, error
from dsl.parse_errors import describe_parse_error
from dsl.source import Source, span_of_offset

MAX_NESTING = 200
PARENTHESES = re.compile(r"[()]")
# A quoted text (closed or not, never past its line) or a comment, whichever starts first.
# Written as runs of plain characters between escapes, which `re` scans fast on a 10 MB line.
TEXT_OR_COMMENT = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*(?P<close>")?|#[^\n]*')
# The most `and`/`or` a text may hold: reading each costs about 50 microseconds, so a 10 MB line of
# `paid and paid and …` would take a minute and gigabytes; real strategies hold a few hundred.
MAX_CONNECTIVES = 25_000
CONNECTIVE = re.compile(r"\b(?:and|or)\b")
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


def build_parser(**extra: object) -> Lark:
    """The language's LALR parser with the contextual lexer and positions, plus `extra` options."""
    grammar = resources.files("dsl").joinpath("grammar.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=False, **extra)


@functools.cache
def lark_parser() -> Lark:
    """The pure-Python LALR parser, built once per process (lark caches the tables too).

    The slow path parses with it, because the error reporting reads its interactive state.
    """
    return build_parser(cache=True)


@functools.cache
def fast_parser() -> Lark | None:
    """The same parser on lark-cython's compiled LALR loop and lexer, when installed: the fast path's engine.

    It reads the same tokens with the same tables; errors are always explained by the pure-Python parser.
    """
    try:
        import lark_cython
    except ImportError:  # pragma: no cover - an optional accelerator
        return None
    return build_parser(_plugins=lark_cython.plugins)


def parse(text: str, name: str = "<text>") -> ParseResult:
    """Parse a strategy or policy pack; problems come back as diagnostics, never as exceptions.

    A UTF-8 byte-order mark at the start is dropped: some Windows editors write one, and it is
    not part of the text (editors do not count it as a column either).
    """
    text = text.removeprefix("\ufeff")
    source = Source(name, text)
    if only_comments(text):
        return ParseResult(source, None, (empty_text(source),))
    early = unterminated_text(source) or nesting_problem(source) or too_many_connectives(source)
    if early is not None:
        return ParseResult(source, None, (early,))
    try:
        program, found = build_inline(fast_parser() or lark_parser(), source)
    except Exception:  # whatever stopped the fast path, the slow one reads again and explains
        return parse_slowly(source)
    return ParseResult(source, program, tuple(found))


def parse_slowly(source: Source) -> ParseResult:
    """Parse through lark's parse tree: how errors are explained, and the reference for the fast path."""
    try:
        tree = lark_parser().parse(source.text)
    except UnexpectedInput as problem:
        return ParseResult(source, None, (describe_parse_error(source, problem, lark_parser()),))
    except LarkError as problem:  # pragma: no cover - lark's other errors are grammar bugs
        return ParseResult(source, None, (unreadable(source, str(problem)),))
    builder = ProgramBuilder(source)
    try:
        program = TreeWalk(builder).transform(tree)
    except RecursionError:
        message = f"conditions are nested more than {MAX_NESTING} levels deep"
        return ParseResult(source, None, (unreadable(source, message),))
    except Exception:  # a fault in the builder, not in the text: still a finding, never an exception
        message = "Parley could not read this text; please report it with the file attached"
        return ParseResult(source, None, (unreadable(source, message),))
    return ParseResult(source, program, tuple(builder.diagnostics))


def unterminated_text(source: Source) -> Diagnostic | None:
    """A quoted text with no closing quote on its line, found in one regular-expression pass.

    lark finds these too, but on a very long line it takes seconds to do so.
    """
    for match in TEXT_OR_COMMENT.finditer(source.text):
        if match.group().startswith('"') and match.group("close") is None:
            return error(
                "PARSE",
                span_of_offset(source, match.start(), match.end()),
                "this text is missing its closing quote",
                'end the text with `"` on the same line; write `\\"` for a quote inside it',
            )
    return None


def nesting_problem(source: Source) -> Diagnostic | None:
    """Refuse conditions nested deeper than people write, before they cost a deep recursion.

    The span points at the first `(` or `not` past the limit.
    """
    depth = 0
    too_deep_at: int | None = None
    if source.text.count("(") > MAX_NESTING:
        for paren in PARENTHESES.finditer(source.text):
            depth = depth + 1 if paren.group() == "(" else max(0, depth - 1)
            if depth > MAX_NESTING:
                too_deep_at = paren.start()
                break
    nots = NOT_CHAIN.search(source.text) if source.text.count("not") > MAX_NESTING else None
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


def too_many_connectives(source: Source) -> Diagnostic | None:
    """Refuse a text joining more than `MAX_CONNECTIVES` conditions, before lark spends minutes on it.

    The span points at the first `and` or `or` past the limit; words inside texts and comments
    do not count (they are blanked out first, keeping every offset).
    """
    text = source.text
    if text.count("and") + text.count("or") <= MAX_CONNECTIVES:
        return None
    code = TEXT_OR_COMMENT.sub(lambda match: " " * len(match.group()), text)
    for count, match in enumerate(CONNECTIVE.finditer(code), start=1):
        if count > MAX_CONNECTIVES:
            return error(
                "PARSE",
                span_of_offset(source, match.start(), match.end()),
                f"this text joins more than {MAX_CONNECTIVES:,} conditions with `and` or `or`, more than Parley reads",
                "split the condition into named segments (`segment NAME when …`) and combine those",
            )
    return None


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
