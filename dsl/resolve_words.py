"""Checking one word against a closed list, and pointing at the word inside a longer line.

Actions keep only their words (a `send` knows its channel as text, not where it was written), so
`word_span` finds the word again on the action's line to put the caret under it, not the line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from dsl import ast
from dsl.diagnostics import Diagnostic, error
from dsl.schema import did_you_mean
from dsl.source import Source, Span
from dsl.vocabulary import jurisdiction_problem

LISTED_IN_FULL = 8  # a closed list this short is shown whole when no near word exists


@functools.lru_cache(maxsize=16)
def lines_of(text: str) -> tuple[str, ...]:
    """A text's lines, computed once per text (a long strategy asks for many of them)."""
    return tuple(text.splitlines())


def line_of(source: Source, number: int) -> str:
    """The 1-based line `number` of `source` (empty past the end), without re-splitting the text."""
    lines = lines_of(source.text)
    return lines[number - 1] if 1 <= number <= len(lines) else ""


def word_span(span: Span, word: str, after: str | None = None) -> Span:
    """The first `word` on the span's first line, from the span's start (after `after` if given)."""
    if not span.known:
        return span
    text = line_of(span.source, span.line)
    start = span.column - 1
    if after is not None:
        found_after = re.compile(rf"(?<![\w.]){re.escape(after)}(?![\w])").search(text, start)
        start = found_after.end() if found_after else start
    boundary_left = "" if word.startswith('"') else r"(?<![\w.\-])"
    boundary_right = "" if word.endswith('"') else r"(?![\w.\-])"
    found = re.compile(boundary_left + re.escape(word) + boundary_right).search(text, start)
    if not found:
        return span
    return Span(span.source, span.line, found.start() + 1, span.line, found.end() + 1)


# Everyday words for a listed word that no spelling distance finds: `send text` means `send sms`.
EVERYDAY_WORDS = {"text": "sms", "texts": "sms", "txt": "sms", "mail": "email", "e_mail": "email", "post": "letter"}


def unknown_word_hint(word: str, known: Mapping[str, str]) -> str:
    """ "Did you mean" when a known word is near, else the list (or a few of it)."""
    if EVERYDAY_WORDS.get(word.lower()) in known:
        return f"did you mean `{EVERYDAY_WORDS[word.lower()]}`?"
    near = did_you_mean(word, known)
    if near:
        return near
    shown = ", ".join(f"`{w}`" for w in list(known)[:LISTED_IN_FULL])
    return f"use one of {shown}" + (", …" if len(known) > LISTED_IN_FULL else "")


def check_word(
    span: Span, word: str, known: Mapping[str, str], what: str, after: str | None = None
) -> list[Diagnostic]:
    """A `NAME` finding when `word` is not in `known`, pointing at the word in `span`."""
    if word in known:
        return []
    place = word_span(span, word, after)
    return [error("NAME", place, f"`{word}` is not {what}", unknown_word_hint(word, known))]


def check_ident(ident: ast.Ident, known: Mapping[str, str], what: str) -> list[Diagnostic]:
    """A `NAME` finding when the word `ident` is not in `known`."""
    return check_word(ident.span, ident.name, known, what)


def check_idents(idents: tuple[ast.Ident, ...], known: Mapping[str, str], what: str) -> list[Diagnostic]:
    """`check_ident` over a list of words."""
    return [finding for ident in idents for finding in check_ident(ident, known, what)]


def check_jurisdictions(places: tuple[ast.Ident, ...]) -> list[Diagnostic]:
    """Each jurisdiction is a real code: `US`, a state such as `US-CA`, or a city such as `US-NY-NYC`."""
    hint = "write `US`, a state such as `US-CA`, or a city such as `US-NY-NYC`"
    return [
        error("NAME", place.span, problem, hint)
        for place in places
        if (problem := jurisdiction_problem(place.name)) is not None
    ]
