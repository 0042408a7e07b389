"""Explain a parse failure the way a compliance officer would want to hear it.

Known mistakes are recognised with lark's `match_examples`: each label below comes with small
broken texts that fail in the same parser state as the real mistake.
"""

from __future__ import annotations

import difflib

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
    assert isinstance(problem, UnexpectedToken)
    return unexpected_token(source, problem, parser)


def unexpected_characters(source: Source, problem: UnexpectedCharacters, parser: Lark) -> Diagnostic:
    offset = problem.pos_in_stream or 0
    char = source.text[offset : offset + 1]
    span = span_of_offset(source, offset, offset + 1)
    if char == '"':
        line_end = source.text.find("\n", offset)
        span = span_of_offset(source, offset, line_end if line_end >= 0 else len(source.text))
        return error(
            "PARSE",
            span,
            "this text is missing its closing quote",
            'end the text with `"` on the same line; write `\\"` for a quote inside it',
        )
    shown = char if char.isprintable() and char.strip() else repr(char)
    return error("PARSE", span, f"`{shown}` cannot appear here", expected_hint(problem.allowed or set(), parser))


def unexpected_token(source: Source, problem: UnexpectedToken, parser: Lark) -> Diagnostic:
    token = problem.token
    span = token_span(source, token)
    label = problem.match_examples(parser.parse, MISTAKES, use_accepts=True)
    if label is not None:
        message, hint = HINTS[label]
        shown = previous_keyword(problem) or "when"
        return error("PARSE", span, message.format(token=shown), hint)
    expected = set(problem.expected)
    keywords = keyword_values(expected, parser)
    if token.type == "NAME" and keywords:
        close = closest_word(str(token), keywords)
        if close:
            return error("PARSE", span, f"unknown word `{token}`", f"did you mean `{close}`?")
    if token.type == "$END" or (token.type in {"STEP", "ON", "STOP", "SEGMENT", "RULE"} and "END" in expected):
        opener = open_block(source, problem)
        if opener is not None:
            kind, where = opener
            return error(
                "PARSE",
                span,
                f"the {kind} that starts on line {where.line} is missing its `end`",
                f"add `end` on its own line to close the {kind}",
            )
    return error("PARSE", span, f"unexpected {describe_token(token)}", expected_hint(expected, parser))


def closest_word(word: str, candidates: set[str]) -> str | None:
    """The candidate nearest `word` by edit distance (a swap of two letters counts once)."""
    best = min(
        sorted(candidates), key=lambda c: (edit_distance(word, c), -difflib.SequenceMatcher(None, word, c).ratio())
    )
    limit = 1 if len(word) <= 3 else 2
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


def previous_keyword(problem: UnexpectedToken) -> str | None:
    stack = value_stack(problem)
    for value in reversed(stack):
        if isinstance(value, Token) and value.type in {"WHEN", "UNLESS", "AUDIENCE"}:
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
