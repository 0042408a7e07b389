"""No input, however broken, makes the parser or the checker raise, and every finding points inside the text.

Hypothesis feeds `dsl.parse` and `dsl.check.check_text` random text, random bytes, and valid files
(every `*.parley` in the repository, found when the tests run) with lines deleted, duplicated,
swapped, truncated or sprinkled with tokens. Explicit tests cover the extremes: an empty file,
binary junk, a 10 MB line, and 10,000 levels of nesting.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl import parse, parser
from dsl.check import check_text
from dsl.diagnostics import Diagnostic, render_text

ROOT = Path(__file__).resolve().parent.parent
VALID_FILES = sorted(
    path for folder in ("tests/fixtures", "strategies", "policies") for path in (ROOT / folder).rglob("*.parley")
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Words and symbols of the language, so mutations produce near-misses rather than only noise.
TOKENS = [
    "step",
    "stpe",
    "end",
    "ned",
    "when",
    "otherwise",
    "unless",
    "on",
    "day",
    "every",
    "from",
    "to",
    "at",
    "most",
    "times",
    "send",
    "sms",
    "call",
    "offer",
    "plan",
    "handoff",
    "stop",
    "segment",
    "and",
    "or",
    "not",
    "between",
    "in",
    "(",
    ")",
    "[",
    "]",
    ",",
    '"',
    '"x"',
    "7d",
    "7 days",
    "25:00",
    "09:00-8:00",
    "$1.2.3",
    "$1,250.50",
    "5%",
    "0.7",
    "#",
    "\n",
    "\t",
    "é",
    "\x00",
    "rule",
    "limit",
    "per",
    "require",
    "content",
    "policy",
    "strategy",
    "version",
    "1",
]


def assert_points_inside(text: str, diagnostics: tuple[Diagnostic, ...]) -> None:
    """Every finding has a known span whose start and end lie within the text's lines."""
    lines = text.split("\n")
    for found in diagnostics:
        span = found.span
        assert span.known, found
        assert 1 <= span.line <= len(lines), found
        assert 1 <= span.column <= len(lines[span.line - 1]) + 1, found
        assert span.line <= span.end_line <= len(lines), found
        assert (span.end_line, span.end_column) >= (span.line, span.column), found
        assert span.end_column <= len(lines[span.end_line - 1]) + 1, found
        assert found.message and found.hint
        render_text(found)  # drawing the caret must not fail either


def survives(text: str) -> None:
    """Parse and check `text`; both must return findings, not raise."""
    parsed = parse(text, "fuzz.parley")
    assert parsed.program is not None or parsed.diagnostics
    assert_points_inside(text, parsed.diagnostics)
    checked = check_text(text, "fuzz.parley")
    assert_points_inside(text, checked.diagnostics)


@st.composite
def mutated_files(draw: st.DrawFn) -> str:
    """A valid file with a few random edits: delete, duplicate, swap lines, insert tokens, truncate."""
    lines = draw(st.sampled_from(VALID_FILES)).read_text(encoding="utf-8").split("\n")
    for _ in range(draw(st.integers(1, 4))):
        edit = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "truncate_line"]))
        at = draw(st.integers(0, len(lines) - 1))
        if edit == "delete" and len(lines) > 1:
            del lines[at]
        elif edit == "duplicate":
            lines.insert(at, lines[at])
        elif edit == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif edit == "insert":
            column = draw(st.integers(0, len(lines[at])))
            token = draw(st.sampled_from(TOKENS))
            lines[at] = f"{lines[at][:column]} {token} {lines[at][column:]}"
        elif edit == "truncate_line":
            lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))]
    text = "\n".join(lines)
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]
    return text


def test_there_are_valid_files_to_mutate() -> None:
    assert any(path.parent.name == "design" for path in VALID_FILES)


@FUZZ
@given(st.text(max_size=400))
def test_random_text_never_raises(text: str) -> None:
    survives(text)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=60).map(" ".join))
def test_random_token_soup_never_raises(text: str) -> None:
    survives('strategy "s" version 1\n' + text)


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_never_raise(data: bytes) -> None:
    survives(data.decode("utf-8", errors="replace"))


@FUZZ
@given(mutated_files())
def test_mutated_valid_files_never_raise(text: str) -> None:
    survives(text)


EXTREMES = {
    "empty": "",
    "only newlines": "\n" * 1000,
    "binary junk": bytes(range(256)).decode("latin-1") * 8,
    "nul bytes": "\x00" * 100,
    "10 MB line of letters": "x" * 10_000_000,
    "10 MB unterminated text": 'strategy "s" version 1\n  description "' + "a" * 10_000_000,
    "10,000 open parentheses": 'strategy "s" version 1\n  audience ' + "(" * 10_000 + "paid\nend\n",
    "10,000 balanced parentheses": 'strategy "s" version 1\n  audience '
    + "(" * 10_000
    + "paid"
    + ")" * 10_000
    + "\nend\n",
    "10,000 nots": 'strategy "s" version 1\n  audience ' + "not " * 10_000 + "paid\nend\n",
    "10,000 nots with parentheses": 'strategy "s" version 1\n  audience ' + "not (" * 10_000 + "paid\nend\n",
    "10,000 unclosed steps": 'strategy "s" version 1\n' + '  step "a" on day 1\n' * 10_000,
    "10 MB line of ands": 'strategy "s" version 1\n  audience ' + "paid and " * 1_200_000 + "paid\nend\n",
    "carriage returns only": 'strategy "s" version 1\r  stpe\rend\r',
}


@pytest.mark.parametrize("name", list(EXTREMES))
def test_extreme_input_gives_findings_not_exceptions(name: str) -> None:
    text = EXTREMES[name]
    parsed = parse(text, "extreme.parley")
    assert parsed.diagnostics, "every one of these texts is broken"
    assert all(d.rule == "PARSE" for d in parsed.diagnostics)
    assert_points_inside(text, parsed.diagnostics)
    assert_points_inside(text, check_text(text, "extreme.parley").diagnostics)


VALID_EXTREMES = {
    "10,000 ands": 'strategy "s" version 1\n  audience ' + "paid and " * 10_000 + "paid\nend\n",
    "1 MB description": 'strategy "s" version 1\n  description "' + "a" * 1_000_000 + '"\nend\n',
    "10 MB comment": "# " + "a" * 10_000_000 + '\nstrategy "s" version 1\nend\n',
}


@pytest.mark.parametrize("name", list(VALID_EXTREMES))
def test_extreme_but_valid_input_parses(name: str) -> None:
    text = VALID_EXTREMES[name]
    parsed = parse(text, "extreme.parley")
    assert parsed.program is not None and parsed.ok
    assert_points_inside(text, check_text(text, "extreme.parley").diagnostics)


def test_a_10_mb_description_parses() -> None:
    text = 'strategy "s" version 1\n  description "' + "a" * 10_000_000 + '"\nend\n'
    assert parse(text, "extreme.parley").ok


def test_deep_nesting_is_refused_where_it_goes_too_deep() -> None:
    text = 'strategy "s" version 1\n  audience ' + "not " * 10_000 + "paid\nend\n"
    (found,) = parse(text, "deep.parley").diagnostics
    assert found.span.line == 2
    assert "nested more than" in found.message


def test_too_many_connectives_are_refused_at_the_first_past_the_limit() -> None:
    limit = parser.MAX_CONNECTIVES
    # Words in texts and comments do not count.
    quiet = f'# {"and " * limit}\nstrategy "s" version 1\n  description "{"or " * limit}"\nend\n'
    assert parse(quiet, "quiet.parley").ok
    text = 'strategy "s" version 1\n  audience ' + "paid and " * (limit + 1) + "paid\nend\n"
    (found,) = parse(text, "many.parley").diagnostics
    assert (found.rule, found.span.line) == ("PARSE", 2)
    assert found.span.column == len("  audience ") + len("paid and ") * limit + len("paid ") + 1
    assert f"more than {limit:,} conditions" in found.message


def test_caret_is_drawn_under_the_right_line_after_a_form_feed() -> None:
    text = 'strategy "s" version 1\n  # a\x0cb\n  stpe "a" on day 1\nend\n'
    (found,) = parse(text, "ff.parley").diagnostics
    assert found.span.line == 3
    assert found.span.render().splitlines()[0] == '  stpe "a" on day 1'
