"""Explain a parse failure the way a compliance officer would want to hear it.

Known mistakes are recognised with lark's `match_examples`: each label below comes with small
broken texts that fail in the same parser state as the real mistake.
"""

from __future__ import annotations

import difflib
import functools
import re

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from dsl.diagnostics import Diagnostic, error
from dsl.source import Source, Span, span_of_offset

HEAD = 'strategy "s" version 1\n'

MISTAKES: dict[str, list[str]] = {
    "duration_shorthand": [
        HEAD + 'step "a" every 7d from day 1 to day 9\n',
        HEAD + "on reply after 2d\n",
        'policy "p" title "t"\nrule "R" cites "c"\nlimit call to 7 per debt per 7d\n',
        'policy "p" title "t"\nrule "R" cites "c"\nafter conversation no call per debt for 7d\n',
        'policy "p" title "t"\nrule "R" cites "c"\nwait 30d after x before y\n',
    ],
    "missing_condition": [
        HEAD + 'step "a" on day 1 when\n',
        HEAD + 'step "a" on day 1 unless\n',
        HEAD + "segment x when\n",
        HEAD + "stop when\n",
        HEAD + "on reply when\n",
        HEAD + 'step "a" on day 1\nwhen\n',
        HEAD + "audience\n",
    ],
    "missing_day": [HEAD + 'step "a" on 3\n', HEAD + 'step "a" every 3 days from 1 to day 5\n'],
    "missing_version": ['strategy "s"\n', 'strategy "s" version\n', 'strategy "s" 1\n', 'strategy "s" v1\n'],
    "unfinished_condition": [
        HEAD + "audience x and\n",
        HEAD + "audience x or\n",
        HEAD + "audience not\n",
        HEAD + "audience x >=\n",
        HEAD + "audience x between\n",
        HEAD + "audience x between 1 and\n",
        HEAD + 'step "a" on day 1 when x and\n',
        HEAD + 'step "a" on day 1 when x or\n',
        HEAD + 'step "a" on day 1 unless not\n',
        HEAD + 'step "a" on day 1 when x ==\n',
        HEAD + "stop when x or\n",
        HEAD + "stop when x <\n",
    ],
    "otherwise_without_when": [
        HEAD + 'step "a" on day 1\notherwise\n',
        HEAD + 'step "a" on day 1\nsend sms "x"\notherwise\n',
        HEAD + "on reply\notherwise\n",
        HEAD + 'on reply\nhandoff "q"\notherwise\n',
    ],
}

HINTS: dict[str, tuple[str, str]] = {
    "duration_shorthand": (
        "durations are written in words",
        "write the number, a space and the unit: `7 days`, `24 hours`, `1 week`",
    ),
    "missing_condition": (
        "`{token}` needs a condition before the end of the line",
        "write a condition such as `when score.distress >= 0.7`, or remove the `when`/`unless`",
    ),
    "missing_day": ("a step's days are written `day N`", "write `on day 3` or `from day 1 to day 5`"),
    "missing_version": (
        "a strategy needs a version number after its name",
        'write `strategy "NAME" version 1`, and raise the number each time the strategy changes',
    ),
    "unfinished_condition": (
        "the condition stops after `{token}`",
        "finish it, as in `paid or disputed` or `score.distress >= 0.7`, or remove the `{token}`",
    ),
    "otherwise_without_when": (
        "`otherwise` must follow a `when` branch",
        "start the branch with `when CONDITION` on its own line, then its actions, then `otherwise`",
    ),
}

# The word that names the mistake, found just before the failing token.
LABEL_WORDS: dict[str, set[str]] = {
    "missing_condition": {"WHEN", "UNLESS", "AUDIENCE"},
    "unfinished_condition": {"AND", "OR", "NOT", "COMPARATOR", "BETWEEN"},
}

WORDS = {
    "NAME": "a name",
    "STRING": 'a text in double quotes ("…")',
    "INT": "a whole number",
    "DECIMAL": "a number",
    "MONEY": "an amount such as `$100`",
    "PERCENT": "a percentage such as `5%`",
    "CLOCK": "a time such as `09:00`",
    "WINDOW": "a window such as `09:00-19:00`",
    "DATE": "a date such as `2027-01-31`",
    "UNIT": "a unit (`days`, `hours`, `minutes`, `weeks`)",
    "JURISDICTION": "a jurisdiction such as `US-CA`",
    "COMPARATOR": "a comparison (`<`, `<=`, `>`, `>=`, `==`, `!=`)",
    "_NL": "the end of the line",
    "$END": "the end of the file",
}

OPENERS = {
    "STEP": "step",
    "ON": "handler",
    "WHEN": "`when` branch",
    "RULE": "rule",
    "STRATEGY": "strategy",
    "POLICY": "policy",
}


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


# Characters people type from other languages or word processors, and what this language writes instead.
CHARACTER_HINTS = {
    "&": "write `and` to require both conditions",
    "|": "write `or` when either condition will do",
    "!": "write `not` before a condition, or `!=` for “is not equal to”",
    "=": "to compare, write `==` (equal) or `!=` (not equal)",
    "{": "blocks are closed with `end`, not braces",
    "}": "blocks are closed with `end`, not braces",
    "'": 'texts are written in double quotes, like `"friendly_reminder"`',
    "“": 'this is a curly quote; write a straight double quote `"` (word processors curl them)',
    "”": 'this is a curly quote; write a straight double quote `"` (word processors curl them)',
    "‘": 'this is a curly quote; texts are written in straight double quotes `"`',
    "’": 'this is a curly quote; texts are written in straight double quotes `"`',
    ";": "statements end at the end of the line; remove the `;`",
    "%": "write a percentage without a space before `%`, like `5%`",
    "$": "write the amount right after `$`, like `$100` or `$1,250.50`",
}


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
    token = problem.token
    span = token_span(source, token)
    expected = set(problem.expected)
    keywords = keyword_values(expected, parser)
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


# What the parser expects once the strategy or policy has been closed by its last `end`.
DOCUMENT_OVER = {"$END", "<END-OF-FILE>", "_NL"}


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


LINE_OPENERS = {"strategy": "strategy", "policy": "policy", "step": "step", "on": "handler", "rule": "rule"}


def misaligned_end(source: Source) -> tuple[str, int, Span, str] | None:
    """The first `end` indented less than the block it closes but exactly as an outer one.

    Indentation is for people and the parser ignores it, so this is only a guess: it is used only
    when the file ran out with a block open, to say which block most likely lost its `end`.
    """
    open_blocks: list[tuple[str, int, int]] = []
    for number, line in enumerate(source.text.splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        indent = len(line) - len(line.lstrip())
        first = words[0]
        if first in LINE_OPENERS:
            open_blocks.append((LINE_OPENERS[first], number, indent))
        elif first == "when" and open_blocks and open_blocks[-1][0] in {"step", "handler", "`when` branch"}:
            open_blocks.append(("`when` branch", number, indent))
        elif first == "end" and open_blocks:
            kind, opened_on, opened_at = open_blocks.pop()
            outer = [outer_kind for outer_kind, _, outer_indent in open_blocks if outer_indent == indent]
            if indent < opened_at and outer:
                return kind, opened_on, Span(source, number, indent + 1, number, indent + 4), outer[-1]
    return None


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


def closest_word(word: str, candidates: set[str]) -> str | None:
    """The candidate nearest `word` by edit distance (a swap of two letters counts once)."""
    limit = 1 if len(word) <= 3 else 2
    candidates = {c for c in candidates if abs(len(c) - len(word)) <= limit}  # also keeps huge words cheap
    if not candidates:
        return None
    best = min(
        sorted(candidates), key=lambda c: (edit_distance(word, c), -difflib.SequenceMatcher(None, word, c).ratio())
    )
    return best if edit_distance(word, best) <= limit else None


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions, adjacent swaps."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]


def token_span(source: Source, token: Token) -> Span:
    if token.type == "$END" or token.line is None:
        end = len(source.text.rstrip())
        return span_of_offset(source, max(end - 1, 0), max(end, 1))
    if token.type == "_NL":
        start = token.start_pos or 0
        return span_of_offset(source, start, start + 1)
    return Span(source, token.line, token.column or 1, token.end_line or token.line, token.end_column or 1)


def describe_token(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    if token.type == "_NL":
        return "end of the line"
    text = str(token)
    return f"`{text[:40]}`" if text.strip() else "space"


def keyword_values(expected: set[str], parser: Lark) -> set[str]:
    words = set()
    for name in expected:
        terminal = terminal_pattern(parser, name)
        if terminal is not None and terminal.isidentifier():
            words.add(terminal)
    return words


def terminal_pattern(parser: Lark, name: str) -> str | None:
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
    state = getattr(problem, "interactive_parser", None)
    if state is None:
        return []
    return list(getattr(state.parser_state, "value_stack", []))
