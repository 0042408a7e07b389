"""Source lines shown under a finding, the check registry's order, and everyday words for channels."""

from __future__ import annotations

import pytest

from dsl import parse
from dsl.check import check_text
from dsl.checks import CHECKS
from dsl.source import Source, Span, span_of_offset

RENDERED = [
    # (line text, span columns, expected rendering): each stand-in is one column, so carets stay put
    ("ab\x00cd", (4, 5), "ab\u2400cd\n   ^"),
    ("\x1b[31mred", (6, 9), "\u241b[31mred\n     ^^^"),
    ("x\x7fy", (3, 4), "x\u2421y\n  ^"),
    ("a\u200bb", (3, 4), "a\ufffdb\n  ^"),
    ("a\u00a0b", (2, 3), "a\u2423b\n ^"),
    ("a\rb", (3, 4), "a\u240db\n  ^"),
    ("plain text", (7, 11), "plain text\n      ^^^^"),
    ("tab\there", (5, 9), "tab here\n    ^^^^"),
]


@pytest.mark.parametrize(("line", "columns", "expected"), RENDERED, ids=[repr(r[0]) for r in RENDERED])
def test_rendered_lines_show_control_characters_as_visible_marks(
    line: str, columns: tuple[int, int], expected: str
) -> None:
    span = Span(Source("x.parley", line + "\n"), 1, columns[0], 1, columns[1])
    assert span.render() == expected


def test_a_rendered_line_never_holds_a_control_character() -> None:
    junk = "".join(chr(code) for code in range(0x20)).replace("\n", "") + "\x7f\x85\u2028\ufeff"
    span = span_of_offset(Source("junk.bin", junk), 0, 1)
    shown, caret = span.render().split("\n")
    assert shown.isprintable() and len(shown) == len(junk)
    assert caret == "^"


def test_a_binary_file_gives_a_finding_that_prints_cleanly() -> None:
    (found,) = parse('strategy "s" version 1\n\x00\x01\x02garbage\nend\n').diagnostics
    rendered = found.span.render()
    assert all(char.isprintable() or char == "\n" for char in rendered)


def test_the_checks_run_in_the_registered_order() -> None:
    assert isinstance(CHECKS, tuple)
    assert [name for name, _ in CHECKS] == [
        "frequency",
        "cooldown",
        "time_window",
        "bursts",
        "waiting",
        "notice",
        "obligation",
        "forbid_action",
        "holds",
        "consent",
        "content",
        "template_content",
    ]
    assert all(check.__name__ == "check" and check.__module__ == f"dsl.checks.{name}" for name, check in CHECKS)


CHANNEL_WORDS = [("text", "sms"), ("txt", "sms"), ("mail", "email"), ("smss", "sms")]


@pytest.mark.parametrize(("word", "meant"), CHANNEL_WORDS)
def test_an_everyday_word_for_a_channel_suggests_the_channel(word: str, meant: str) -> None:
    text = f'strategy "s" version 1\n  step "a" on day 1\n    send {word} "x"\n  end\nend\n'
    findings = [d for d in check_text(text, "s.parley").diagnostics if d.rule == "NAME"]
    assert [(d.message, d.hint) for d in findings] == [
        (f"`{word}` is not a channel a message can be sent by", f"did you mean `{meant}`?")
    ]
    assert (findings[0].span.line, findings[0].span.column) == (3, 10)
