"""Explain a parse failure the way a compliance officer would want to hear it.

Known mistakes are recognised with lark's `match_examples`: each label below comes with small
broken texts that fail in the same parser state as the real mistake.
"""

from __future__ import annotations

import functools
import re

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from dsl.diagnostics import Diagnostic, error
from dsl.parse_mistakes import (
    CHARACTER_HINTS,
    DOCUMENT_OVER,
    HINTS,
    LABEL_WORDS,
    MISTAKES,
    OPENERS,
    UNITS,
    WORDS,
    closest_word,
    misaligned_end,
    unit_hint,
)
from dsl.source import Source, Span, span_of_offset


def describe_parse_error(source: Source, problem: UnexpectedInput, parser: Lark) -> Diagnostic:
    """One PARSE diagnostic for a lark failure: where, what was expected, and how to fix it."""
    if isinstance(problem, UnexpectedCharacters):
        return unexpected_characters(source, problem, parser)
    if isinstance(problem, UnexpectedToken):
        return unexpected_token(source, problem, parser)
    # lark's LALR parser raises only the two above; anything else still becomes a finding.
    end = len(source.text.rstrip())
    return error(
        "PARSE",
        span_of_offset(source, max(end - 1, 0), max(end, 1)),
        "the text ends too early",
        "finish the last line and close every block with `end`",
    )


def unexpected_characters(source: Source, problem: UnexpectedCharacters, parser: Lark) -> Diagnostic:
    """A character no token can start with here: a stray quote, a capital, an invisible or foreign mark."""
    offset = problem.pos_in_stream or 0
    char = source.text[offset : offset + 1]
    span = span_of_offset(source, offset, offset + 1)
    allowed = set(problem.allowed or set())
    if char == '"':
        line_end = source.text.find("\n", offset)
        span = span_of_offset(source, offset, line_end if line_end >= 0 else len(source.text))
        return error(
            "PARSE",
            span,
            "this text is missing its closing quote",
            'end the text with `"` on the same line; write `\\"` for a quote inside it',
        )
    glued = glued_unit(source, offset)
    if glued is not None:
        return glued
    if char.isascii() and char.isalpha() and char.isupper():
        return capitalised_word(source, offset, allowed, parser)
    if not char.isprintable() or (char.isspace() and char not in "\n"):
        return error(
            "PARSE",
            span,
            f"an invisible character (U+{ord(char):04X}) cannot appear here",
            "delete it and type a plain space if one is needed; copying from a word processor often adds these",
        )
    if char.isalpha():
        return error(
            "PARSE",
            span,
            f"`{char}` cannot appear here",
            "names and keywords use only the letters a–z, digits and `_`; other letters belong inside quoted text",
        )
    hint = CHARACTER_HINTS.get(char) or expected_hint(allowed, parser)
    return error("PARSE", span, f"`{char}` cannot appear here", hint)


WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def capitalised_word(source: Source, offset: int, allowed: set[str], parser: Lark) -> Diagnostic:
    """Keywords and names are lowercase: `Step` → did you mean `step`?"""
    match = WORD.match(source.text, offset)
    word = match.group(0) if match else source.text[offset]
    span = span_of_offset(source, offset, offset + len(word))
    lower = word.lower()
    keywords = keyword_values(allowed, parser)
    close = lower if lower in keywords else closest_word(lower, keywords) if keywords else None
    if close is None and "NAME" in allowed:
        close = lower
    if close is None:
        return error("PARSE", span, f"`{word}` cannot appear here", expected_hint(allowed, parser))
    return error("PARSE", span, f"`{word}` must be written in lowercase", f"did you mean `{close}`?")


def unexpected_token(source: Source, problem: UnexpectedToken, parser: Lark) -> Diagnostic:
    """A whole word or symbol the grammar does not allow here, explained by the likeliest mistake."""
    token = problem.token
    span = token_span(source, token)
    expected = set(problem.expected)
    keywords = keyword_values(expected, parser)
    if token.type == "NAME":
        unit = unknown_unit(source, token) if "UNIT" in expected else glued_unit(source, token.start_pos or 0)
        if unit is not None:
            return unit
    joined = split_keyword(source, token, keywords) if token.type == "NAME" else None
    if joined is not None:
        return joined
    # A misspelt keyword fails in the same parser state as other mistakes, so it is asked first.
    if token.type == "NAME" and keywords:
        close = closest_word(str(token), keywords)
        if close:
            return error("PARSE", span, f"unknown word `{token}`", f"did you mean `{close}`?")
    label = named_mistake(problem, parser)
    if label == "otherwise_without_when" and token.type != "OTHERWISE":
        label = None  # any stray word fails in that state; only `otherwise` is this mistake
    if label is not None:
        message, hint = HINTS[label]
        shown = previous_keyword(problem, LABEL_WORDS.get(label, set())) or "when"
        return error("PARSE", span, message.format(token=shown), hint.format(token=shown))
    stop_inside = stop_when_inside_block(source, problem)
    if stop_inside is not None:
        return stop_inside
    clock = clock_mistake(source, token, expected)
    if clock is not None:
        return clock
    if token.type == "NAME" and expected == {"STRING"}:
        return error("PARSE", span, f"`{token}` needs double quotes", f'write `"{token}"`')
    if expected <= DOCUMENT_OVER:
        return text_after_end(source, token, span)
    if token.type == "$END" or (token.type in {"STEP", "ON", "STOP", "SEGMENT", "RULE"} and "END" in expected):
        missing = missing_end(source, problem, token, span)
        if missing is not None:
            return missing
    return error("PARSE", span, f"unexpected {describe_token(token)}", expected_hint(expected, parser))


def unknown_unit(source: Source, token: Token) -> Diagnostic | None:
    """`every 7 dyas`, `after 1 month`: a word, set apart from its number, where a unit belongs.

    `7d` (no space) is left to the `duration_shorthand` mistake, which says how durations are written.
    """
    start = token.start_pos
    word = str(token)
    if start is None or start == 0 or not word.isalpha() or not source.text[start - 1].isspace():
        return None
    span = span_of_offset(source, start, start + len(word))
    return error("PARSE", span, f"unknown unit `{word}`", unit_hint(word))


def glued_unit(source: Source, offset: int) -> Diagnostic | None:
    """`1 dayz`: the lexer read the unit `day` and stopped at the letter after it."""
    start = offset
    while start > 0 and source.text[start - 1].isalpha():
        start -= 1
    word = re.compile(r"[A-Za-z]+").match(source.text, start)
    if word is None or start == offset or source.text[start:offset].lower() not in UNITS:
        return None
    if not source.text[:start].rstrip(" \t")[-1:].isdigit() or not source.text[start - 1].isspace():
        return None
    span = span_of_offset(source, start, word.end())
    return error("PARSE", span, f"unknown unit `{word.group()}`", unit_hint(word.group()))


def split_keyword(source: Source, token: Token, keywords: set[str]) -> Diagnostic | None:
    """`at best time`: a keyword joined by `_` written as separate words (or with a `-`)."""
    for keyword in sorted(k for k in keywords if "_" in k):
        pattern = r"(?:[ \t]+|-)".join(re.escape(part) for part in keyword.split("_"))
        written = re.compile(pattern + r"\b").match(source.text, token.start_pos or 0)
        if written is not None:
            span = span_of_offset(source, written.start(), written.end())
            return error("PARSE", span, f"`{written.group()}` is one word, joined by `_`", f"did you mean `{keyword}`?")
    return None


def missing_end(source: Source, problem: UnexpectedToken, token: Token, span: Span) -> Diagnostic | None:
    """A block left open: from lark's stack, or at the end of the file from the indentation."""
    opener = open_block(source, problem)
    if opener is None:
        return None
    kind, where = opener
    if token.type == "$END" and kind in {"strategy", "policy"}:
        misaligned = misaligned_end(source)
        if misaligned is not None:
            inner_kind, inner_line, end_span, outer_kind = misaligned
            return error(
                "PARSE",
                end_span,
                f"the {inner_kind} that starts on line {inner_line} is missing its `end`",
                f"add `end` on its own line before line {end_span.line} to close the {inner_kind}; "
                f"this one lines up with the {outer_kind}",
            )
    return error(
        "PARSE",
        span,
        f"the {kind} that starts on line {where.line} is missing its `end`",
        f"add `end` on its own line to close the {kind}",
    )


TWELVE_HOUR = re.compile(r"\d{1,2}(:\d{2})?\s*(am|pm|a\.m\.|p\.m\.)", re.IGNORECASE)


def clock_mistake(source: Source, token: Token, expected: set[str]) -> Diagnostic | None:
    """`9am` for `09:00`, or a single time where a step needs a window."""
    if not expected & {"WINDOW", "CLOCK"} or token.start_pos is None:
        return None
    twelve_hour = TWELVE_HOUR.match(source.text, token.start_pos)
    if twelve_hour is not None:
        return error(
            "PARSE",
            span_of_offset(source, twelve_hour.start(), twelve_hour.end()),
            f"`{twelve_hour.group()}` is not how times of day are written",
            "use a 24-hour clock with two digits for the hour: `09:00`, `17:30`; a window is `09:00-17:00`",
        )
    if token.type == "CLOCK" and "WINDOW" in expected:
        return error(
            "PARSE",
            token_span(source, token),
            "a step's time is a window with a start and an end",
            f"write `{token}-19:00`, or `best_time within {token}-19:00` to let the model choose",
        )
    return None


def stop_when_inside_block(source: Source, problem: UnexpectedToken) -> Diagnostic | None:
    """`stop when …` inside a step or handler reads as `stop CHANNEL`: the block lost its `end`."""
    stack = value_stack(problem)
    if len(stack) < 2:
        return None
    stop, word = stack[-2], stack[-1]
    if not (isinstance(stop, Token) and stop.type == "STOP" and isinstance(word, Token) and str(word) == "when"):
        return None
    opener = open_block(source, problem)
    if opener is None or opener[0] in {"strategy", "policy"}:
        return None
    kind, where = opener
    return error(
        "PARSE",
        token_span(source, stop),
        f"the {kind} that starts on line {where.line} is missing its `end`",
        f"`stop when …` ends the whole strategy, so it goes after the {kind}'s `end`",
    )


def text_after_end(source: Source, token: Token, span: Span) -> Diagnostic:
    """Something follows the `end` that closed the whole strategy or policy."""
    before = source.text[: token.start_pos or 0].splitlines()
    closing = next((n for n in range(len(before), 0, -1) if before[n - 1].split("#", 1)[0].strip() == "end"), None)
    document = "policy" if source.text.lstrip().startswith("policy") else "strategy"
    where = f"the `end` on line {closing}" if closing else "an earlier `end`"
    return error(
        "PARSE",
        span,
        f"this comes after the {document}'s final `end`",
        f"{where} already closed the {document}: remove an extra `end`, or move this inside the {document}",
    )


def named_mistake(problem: UnexpectedToken, parser: Lark) -> str | None:
    """The label of the `MISTAKES` example that fails in the same parser state, if any.

    Like lark's `match_examples`, but states are compared by their LR state alone: lark also
    compares stack depth, which changes with how many statements come before the mistake, so an
    example written as a strategy's first line would not match the same mistake further down.
    """
    state = getattr(problem, "state", None)
    position = getattr(state, "position", None)
    candidates = [
        (label, token_type)
        for label, example_position, accepts, token_type in example_failures(parser)
        if example_position == position and accepts == problem.accepts
    ]
    exact = [label for label, token_type in candidates if token_type == problem.token.type]
    return (exact or [label for label, _ in candidates] or [None])[0]


@functools.cache
def example_failures(parser: Lark) -> tuple[tuple[str, int, frozenset[str], str], ...]:
    """Where each `MISTAKES` example fails: label, LR state, acceptable tokens, failing token type."""
    failures = []
    for label, examples in MISTAKES.items():
        for example in examples:
            try:
                parser.parse(example)
            except UnexpectedToken as failure:
                position = getattr(failure.state, "position", None)
                failures.append((label, position, frozenset(failure.accepts or ()), failure.token.type))
            except UnexpectedInput:
                continue
    return tuple(failures)


def token_span(source: Source, token: Token) -> Span:
    """Where a token is; at the end of the file or line, the last character before it."""
    if token.type == "$END" or token.line is None:
        end = len(source.text.rstrip())
        return span_of_offset(source, max(end - 1, 0), max(end, 1))
    if token.type == "_NL":
        start = token.start_pos or 0
        return span_of_offset(source, start, start + 1)
    return Span(source, token.line, token.column or 1, token.end_line or token.line, token.end_column or 1)


def describe_token(token: Token) -> str:
    """A token as a message names it: the end of the file or line in words, else its text in backticks."""
    if token.type == "$END":
        return "end of file"
    if token.type == "_NL":
        return "end of the line"
    text = str(token)
    return f"`{text[:40]}`" if text.strip() else "space"


def keyword_values(expected: set[str], parser: Lark) -> set[str]:
    """The keywords (plain words such as `step`) among the expected terminal names."""
    words = set()
    for name in expected:
        terminal = terminal_pattern(parser, name)
        if terminal is not None and terminal.isidentifier():
            words.add(terminal)
    return words


def terminal_pattern(parser: Lark, name: str) -> str | None:
    """The literal text of a terminal such as `STEP` (`step`), or None for a pattern such as `NAME`."""
    try:
        definition = parser.get_terminal(name)
    except KeyError:
        return None
    if definition.pattern.type == "str":
        return str(definition.pattern.value)
    return None


def expected_hint(expected: set[str], parser: Lark) -> str:
    """`expected …` in words, keywords first."""
    words = sorted(f"`{w}`" for w in (terminal_pattern(parser, n) for n in expected) if w)
    others = sorted({WORDS[n] for n in expected if n in WORDS and terminal_pattern(parser, n) is None})
    choices = words + others
    if not choices:
        return "check the line against the examples in the README"
    if len(choices) > 8:
        choices = [*choices[:8], "…"]
    return "expected " + ", ".join(choices)


def previous_keyword(problem: UnexpectedToken, types: set[str]) -> str | None:
    """The nearest word of one of `types` before the failing token, to name it in the message."""
    for value in reversed(value_stack(problem)):
        if isinstance(value, Token) and value.type in types:
            return str(value)
    return None


def open_block(source: Source, problem: UnexpectedToken) -> tuple[str, Span] | None:
    """The innermost block still open when the parser stopped, from lark's value stack."""
    still_open: list[Token] = []
    for value in value_stack(problem):
        if not isinstance(value, Token):
            continue
        if value.type in OPENERS and (value.type != "WHEN" or branch_when(value, source)):
            still_open.append(value)
        elif value.type == "END" and still_open:
            still_open.pop()
    if not still_open:
        return None
    innermost = still_open[-1]
    return OPENERS[innermost.type], token_span(source, innermost)


def branch_when(token: Token, source: Source) -> bool:
    """A `when` that begins its line opens a branch; one after a step header is a guard."""
    return source.line(token.line or 0).lstrip().startswith("when")


def value_stack(problem: UnexpectedToken) -> list[object]:
    """What lark had read when it stopped, innermost last (empty when lark kept no parser state)."""
    state = getattr(problem, "interactive_parser", None)
    if state is None:
        return []
    return list(getattr(state.parser_state, "value_stack", []))
