"""The tables behind parse-error messages: known mistakes, their wording, and what tokens are called.

`dsl.parse_errors` recognises a mistake and picks the words; this module only holds the words.
Each `MISTAKES` label comes with small broken texts that fail in the same parser state as the
real mistake, and `HINTS` gives that label's message and hint.
"""

from __future__ import annotations

import difflib

from dsl.source import Source, Span

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

# What the parser expects once the strategy or policy has been closed by its last `end`.
DOCUMENT_OVER = {"$END", "<END-OF-FILE>", "_NL"}

LINE_OPENERS = {"strategy": "strategy", "policy": "policy", "step": "step", "on": "handler", "rule": "rule"}

# The spellings of the `UNIT` terminal in dsl/grammar.lark, and words people try that are not units.
UNITS = ("minutes", "minute", "hours", "hour", "days", "day", "weeks", "week")
MONTHS = "months are not a unit, as their length varies; write `30 days`"
YEARS = "years are not a unit, as their length varies; write `365 days`"
SECONDS = "seconds are too short to schedule by; write `1 minute`"
NOT_UNITS = {
    **dict.fromkeys(("month", "months", "mo", "mos", "mth", "mths"), MONTHS),
    **dict.fromkeys(("year", "years", "yr", "yrs"), YEARS),
    **dict.fromkeys(("second", "seconds", "sec", "secs"), SECONDS),
}


def unit_hint(word: str) -> str:
    """The hint for a word written where a duration's unit belongs: the nearest unit, or the list."""
    lower = word.lower()
    if lower in NOT_UNITS:
        return NOT_UNITS[lower]
    limit = 1 if len(lower) <= 3 else 2
    near = sorted((edit_distance(lower, unit), not unit.endswith("s"), unit) for unit in UNITS)
    distance, _, unit = near[0]  # a tie between `day` and `days` goes to the plural
    if distance <= limit:
        return f"did you mean `{unit}`?"
    return "the units are `minutes`, `hours`, `days` and `weeks`"


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
