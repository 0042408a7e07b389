"""Comments of Parley source, and the output lines they are woven back into, for the formatter.

The parser drops `#` comments, so the formatter finds them here, together with the lines that
the syntax tree does not record: where each block's `end` and `otherwise` sit, and which line
holds each header clause. Every statement is one line, so a line number is a statement's
identity: the `Printer` ties each output line to the source lines it stands for, and `render`
puts every comment back beside the statement it was written with.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

from dsl import ast

# Words that open a block closed by `end`; each can start a line only as that block's header.
OPENERS = frozenset({"strategy", "policy", "step", "rule", "on", "when"})


@dataclass(frozen=True)
class Comment:
    """A `#` comment: its 1-based line and column, its text from `#` on, and whether code precedes it."""

    line: int
    column: int
    text: str
    trailing: bool


@dataclass(frozen=True)
class Block:
    """Where a block's own lines are: the header, the `otherwise` (branches only) and the `end`."""

    start: int
    end: int | None = None
    otherwise: int | None = None
    children: dict[str, list[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Outline:
    """The blocks of a text keyed by their header line."""

    blocks: dict[int, Block]

    def block(self, line: int) -> Block | None:
        """The block whose header is on `line`, if there is one."""
        return self.blocks.get(line)

    def children(self, line: int, word: str) -> tuple[int, ...]:
        """The lines directly inside the block on `line` that start with `word`."""
        block = self.blocks.get(line)
        return tuple(block.children.get(word, ())) if block else ()


def split_comment(line: str) -> int | None:
    """The index of the `#` that starts a comment on `line`, skipping `#` inside strings."""
    in_string = False
    i = 0
    while i < len(line):
        char = line[i]
        if in_string and char == "\\":
            i += 2
            continue
        if char == '"':
            in_string = not in_string
        elif char == "#" and not in_string:
            return i
        i += 1
    return None


def source_lines(text: str) -> list[str]:
    """The lines of `text` as the parser counts them: split on `\\n` only."""
    return text.split("\n")


def scan_comments(text: str) -> tuple[Comment, ...]:
    """Every comment in `text`, in order; the text is kept except for trailing whitespace."""
    found: list[Comment] = []
    for number, line in enumerate(source_lines(text), start=1):
        at = split_comment(line)
        if at is not None:
            trailing = bool(line[:at].strip())
            found.append(Comment(number, at + 1, line[at:].rstrip(), trailing))
    return tuple(found)


def outline(text: str) -> Outline:
    """The block structure of a text that parsed: each opener matched with its `end`."""
    blocks: dict[int, Block] = {}
    stack: list[Block] = []
    for number, line in enumerate(source_lines(text), start=1):
        at = split_comment(line)
        words = (line if at is None else line[:at]).split()
        if not words:
            continue
        word = words[0]
        if stack:
            stack[-1].children.setdefault(word, []).append(number)
        if word == "end" and stack:
            closed = stack.pop()
            blocks[closed.start] = Block(closed.start, number, closed.otherwise, closed.children)
        elif word == "otherwise" and stack:
            top = stack.pop()
            stack.append(Block(top.start, None, number, top.children))
        elif word in OPENERS:
            stack.append(Block(number))
    for unclosed in stack:
        blocks[unclosed.start] = unclosed
    return Outline(blocks)


# ---------------------------------------------------------------- placing comments


@dataclass(frozen=True)
class Line:
    """One output line: its depth, text ("" for a blank line) and the source lines it stands for.

    `closing` marks `end` and `otherwise`: comments before them belong to the body above, so
    they are indented one level deeper than the line itself.
    """

    depth: int
    text: str
    anchors: tuple[int, ...] = ()
    closing: bool = False


BLANK = Line(0, "")


class Printer:
    """Collects the output lines of one program, each tied to the source lines it stands for."""

    def __init__(self, source_outline: Outline | None) -> None:
        self.outline = source_outline or Outline({})
        self.lines: list[Line] = []

    def emit(self, depth: int, text: str, *nodes: ast.Node | None, lines: Sequence[int] = ()) -> None:
        """One line of text standing for the source lines of `nodes` and `lines`."""
        anchors = [node.span.line for node in nodes if node is not None and node.span.known]
        self.lines.append(Line(depth, text, tuple(dict.fromkeys([*anchors, *lines]))))

    def blank(self) -> None:
        """A blank line, unless there is one already or nothing yet."""
        if self.lines and self.lines[-1] is not BLANK:
            self.lines.append(BLANK)

    def trim(self) -> None:
        """Drop a blank line at the end: blocks close right after their last group."""
        if self.lines and self.lines[-1] is BLANK:
            self.lines.pop()

    def close(self, depth: int, word: str, opener: ast.Node) -> None:
        """`end` or `otherwise` of the block that starts at `opener`."""
        block = self.outline.block(opener.span.line) if opener.span.known else None
        line = getattr(block, word) if block is not None else None
        anchors = (line,) if line is not None else ()
        self.lines.append(Line(depth, word, anchors, closing=True))

    def children(self, opener: ast.Node, word: str) -> tuple[int, ...]:
        """The source lines of `opener`'s block that start with `word` (header clauses, rule metadata)."""
        return self.outline.children(opener.span.line, word) if opener.span.known else ()


def render(lines: Sequence[Line], comments: Sequence[Comment] = (), indent: str = "  ") -> str:
    """The text of `lines` with every comment woven back in; no comment is ever dropped.

    A trailing comment stays at the end of the line that holds its statement. A comment on a
    line of its own goes before the next statement in the source, at that statement's depth;
    after the last statement it goes at the end of the text.
    """
    where: dict[int, int] = {}
    for index, line in enumerate(lines):
        for anchor in line.anchors:
            where.setdefault(anchor, index)
    anchors = sorted(where)
    before: dict[int, list[str]] = {}
    after: dict[int, list[str]] = {}
    tail: list[str] = []
    for comment in sorted(comments, key=lambda c: (c.line, c.column)):
        if comment.trailing and comment.line in where:
            after.setdefault(where[comment.line], []).append(comment.text)
            continue
        following = bisect.bisect_right(anchors, comment.line)
        if following < len(anchors):
            before.setdefault(where[anchors[following]], []).append(comment.text)
        else:
            tail.append(comment.text)
    out: list[str] = []
    for index, line in enumerate(lines):
        depth = line.depth + (1 if line.closing else 0)
        out.extend(indent * depth + text for text in before.get(index, ()))
        text = indent * line.depth + line.text if line.text else ""
        if index in after:
            text = "  ".join([text, *after[index]])
        out.append(text)
    out.extend(tail)
    return "\n".join(out) + "\n"
