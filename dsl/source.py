"""Source text and spans: where a piece of the language came from, and how to show it."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    """A named text that was parsed (a file path or a label such as `<api>`)."""

    name: str
    text: str = field(repr=False)

    @functools.cached_property
    def lines(self) -> tuple[str, ...]:
        """The text split at `\n` only, as the parser counts lines (a form feed is not a line break)."""
        return tuple(line.removesuffix("\r") for line in self.text.split("\n"))

    def line(self, number: int) -> str:
        """The text of the 1-based line `number`, without its newline."""
        if 1 <= number <= len(self.lines):
            return self.lines[number - 1]
        return ""


NO_SOURCE = Source("<none>", "")


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a source: 1-based lines and columns, the end column exclusive.

    With slots: a large strategy has a span per node, and a span without a `__dict__` is one
    allocation instead of two, and less for the garbage collector to look at.
    """

    source: Source = field(default=NO_SOURCE, repr=False)
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0

    @property
    def file(self) -> str:
        """The name of the source this span belongs to."""
        return self.source.name

    @property
    def known(self) -> bool:
        """Whether the span points at real text."""
        return self.line > 0

    def render(self, max_width: int = 160) -> str:
        """The span's first line with a caret run under the span."""
        if not self.known:
            return ""
        text = visible(self.source.line(self.line).expandtabs(1))
        start = max(self.column - 1, 0)
        end = self.end_column - 1 if self.end_line == self.line else len(text)
        end = max(end, start + 1)
        offset = 0
        if len(text) > max_width:
            # Keep the caret visible on very long lines: show a window around it.
            offset = max(0, min(start - max_width // 3, len(text) - max_width))
            text = text[offset : offset + max_width]
        width = max(1, min(end, offset + max_width) - start)
        return f"{text}\n{' ' * (start - offset)}{'^' * width}"

    def to_dict(self) -> dict[str, object]:
        """The span as JSON-ready fields."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }


NO_SPAN = Span()

# Control characters shown as their Unicode "control picture" (NUL → ␀, ESC → ␛, DEL → ␡), so that
# junk in a file is neither sent to the terminal raw nor moves the caret: each stays one column wide.
CONTROL_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)} | {0x7F: "\u2421"}


def visible(text: str) -> str:
    """`text` with every non-printable character replaced by one visible stand-in of the same width.

    Control characters become control pictures, other invisible spaces `␣`, anything else
    non-printable (format marks, unassigned code points) the replacement mark `�`.
    """
    if text.isprintable():
        return text
    return "".join(stand_in(char) for char in text)


def stand_in(char: str) -> str:
    """One character as shown in a source line: itself when printable, else a visible mark."""
    if char.isprintable():
        return char
    if ord(char) in CONTROL_PICTURES:
        return CONTROL_PICTURES[ord(char)]
    return "\u2423" if char.isspace() else "\ufffd"


def span_of_offset(source: Source, start: int, end: int) -> Span:
    """The span covering character offsets `start`..`end` of `source`."""
    line, column = line_column(source.text, start)
    end_line, end_column = line_column(source.text, max(end, start))
    return Span(source, line, column, end_line, end_column)


def line_column(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of a character offset."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column
