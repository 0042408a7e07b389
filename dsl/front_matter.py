"""Template front matter: the `key: value` lines between `---` lines at the top of a template.

Parsed by hand (no YAML dependency): `channels: [sms, email]`, `channels: sms`, `subject: …`,
`description: …`; `#` comments and blank lines are skipped. Unknown keys are warnings, unknown
channels and malformed lines errors, each with rule `TEMPLATE` at its line in the template file.
"""

from __future__ import annotations

import re

from dsl.diagnostics import Diagnostic, error, warning
from dsl.schema import did_you_mean
from dsl.source import Source, Span
from dsl.vocabulary import CHANNELS

FRONT_MATTER_KEYS: dict[str, str] = {
    "channels": "the channels the template may go in",
    "subject": "an email's subject line",
    "description": "what the template is for",
}
FENCE = "---"


def read_front_matter(source: Source) -> tuple[dict[str, str | tuple[str, ...]], int, list[Diagnostic]]:
    """The `key: value` lines between the opening `---` lines, the body's first line, and problems."""
    lines = source.text.splitlines()
    if not lines or lines[0].strip() != FENCE:
        return {}, 1, []
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == FENCE), None)
    if closing is None:
        problem = error(
            "TEMPLATE",
            line_span(source, 1),
            "the front matter has no closing `---` line",
            "end the front matter with a line holding only `---`",
        )
        return {}, 1, [problem]
    front: dict[str, str | tuple[str, ...]] = {}
    problems: list[Diagnostic] = []
    for number in range(2, closing + 1):
        read_front_line(source, number, front, problems)
    return front, closing + 2, problems


def read_front_line(
    source: Source, number: int, front: dict[str, str | tuple[str, ...]], problems: list[Diagnostic]
) -> None:
    """Read one front-matter line into `front`."""
    line = source.line(number)
    if not line.strip() or line.lstrip().startswith("#"):
        return
    key, colon, raw = line.partition(":")
    key = key.strip()
    if not colon or not re.fullmatch(r"[a-z_]+", key):
        problems.append(
            error("TEMPLATE", line_span(source, number), "this front-matter line is not `key: value`", None)
        )
        return
    if key not in FRONT_MATTER_KEYS:
        hint = did_you_mean(key, FRONT_MATTER_KEYS) or "known keys: " + ", ".join(f"`{k}`" for k in FRONT_MATTER_KEYS)
        problems.append(warning("TEMPLATE", word_span(source, number, key), f"unknown front-matter key `{key}`", hint))
    value = parse_front_value(raw.strip())
    front[key] = value
    if key == "channels":
        check_channels(source, number, value, problems)


def parse_front_value(raw: str) -> str | tuple[str, ...]:
    """`[a, b]` as a tuple of words, anything else as one unquoted string."""
    if raw.startswith("[") and raw.endswith("]"):
        return tuple(unquote(item) for item in raw[1:-1].split(",") if item.strip())
    return unquote(raw)


def unquote(item: str) -> str:
    """A front-matter word without its quotes."""
    item = item.strip()
    return item[1:-1] if len(item) >= 2 and item[0] == item[-1] and item[0] in "\"'" else item


def check_channels(source: Source, number: int, value: str | tuple[str, ...], problems: list[Diagnostic]) -> None:
    """Every channel in `channels:` is a channel Parley knows."""
    for channel in (value,) if isinstance(value, str) else value:
        if channel not in CHANNELS:
            hint = did_you_mean(channel, CHANNELS) or "channels are " + ", ".join(f"`{c}`" for c in CHANNELS)
            problems.append(
                error("TEMPLATE", word_span(source, number, channel), f"`{channel}` is not a channel", hint)
            )


def line_span(source: Source, line: int) -> Span:
    """The whole of one line of a template file."""
    return Span(source, line, 1, line, len(source.line(line)) + 1)


def word_span(source: Source, line: int, word: str) -> Span:
    """The first occurrence of `word` on `line` (the whole line when it is not there)."""
    column = source.line(line).find(word)
    return Span(source, line, column + 1, line, column + 1 + len(word)) if column >= 0 else line_span(source, line)
