"""The formatter prints every tree so that it reads back the same, settles in one pass and keeps comments."""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path

import pytest
from ast_strategies import programs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl import ast
from dsl.comments import scan_comments
from dsl.formatter import format_program, format_text
from dsl.parser import parse

ROOT = Path(__file__).resolve().parent.parent
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STRATEGY = 'strategy "s" version 1\n'


def comment_texts(text: str) -> Counter[str]:
    """Every comment of a text, counted."""
    return Counter(comment.text for comment in scan_comments(text))


def formatted(text: str) -> str:
    """The canonical text, failing the test when there is none."""
    result = format_text(text)
    assert result.text is not None, result.diagnostics
    return result.text


# ---------------------------------------------------------------- properties


@PROPERTY
@given(programs())
def test_parse_of_format_gives_back_the_same_tree(program: ast.Program) -> None:
    text = format_program(program)
    parsed = parse(text)
    assert parsed.diagnostics == ()
    assert parsed.program == program


# Comments that tempt a scanner: quotes, a second `#`, keywords, other scripts, nothing at all.
COMMENTS = ["#", "# plain", '# "quoted # not a new comment"', '#step "x" on day 1', "# end", "# café ✓ 日本"]
EDITS = ["comment above", "comment after", "blank above", "tab indent", "no indent", "deep indent"]


@st.composite
def messy_texts(draw: st.DrawFn) -> tuple[ast.Program, str]:
    """A program's text as a person might leave it: clauses out of order, odd indents, comments anywhere."""
    program = draw(programs())
    lines = shuffle_clauses(draw, format_program(program).splitlines())
    edits = draw(st.lists(st.tuples(st.integers(0, 10**4), st.sampled_from(EDITS), st.sampled_from(COMMENTS))))
    above: dict[int, list[str]] = {}
    for at, edit, comment in edits:
        index = at % len(lines)
        if edit == "comment above":
            above.setdefault(index, []).append("   " * (at % 3) + comment)
        elif edit == "blank above":
            above.setdefault(index, []).append("")
        elif edit == "comment after" and lines[index].strip():
            lines[index] += " " * (at % 3) + comment
        else:
            indent = {"tab indent": "\t", "no indent": "", "deep indent": "        "}.get(edit, "")
            lines[index] = indent + lines[index].lstrip()
    out = [row for index, line in enumerate(lines) for row in [*above.get(index, []), line]]
    ending = draw(st.sampled_from(["", "# at the very end"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return program, newline.join([*out, ending])


def shuffle_clauses(draw: st.DrawFn, lines: list[str]) -> list[str]:
    """Reorder the runs of lines the grammar takes in any order: strategy header, rule items."""
    result = list(lines)
    runs = [clause_run(lines, 0, "  ")]
    runs += [clause_run(lines, i, "    ") for i, line in enumerate(lines) if line.startswith("  rule ")]
    for start, end in runs:
        order = draw(sort_keys(end - start))
        result[start:end] = [line for _, line in sorted(zip(order, result[start:end], strict=True))]
    return result


@functools.cache
def sort_keys(size: int) -> st.SearchStrategy[list[int]]:
    """Keys to shuffle `size` lines by (built once per size: building strategies is what costs)."""
    return st.lists(st.integers(0, 9), min_size=size, max_size=size)


def clause_run(lines: list[str], opener: int, indent: str) -> tuple[int, int]:
    """The lines right after `opener` at exactly `indent`, up to the first that is not."""
    end = opener + 1
    while end < len(lines) and lines[end].startswith(indent) and not lines[end].startswith(indent + " "):
        if lines[end].strip() == "end":
            break
        end += 1
    return opener + 1, end


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_texts())
def test_format_text_settles_in_one_pass_and_keeps_tree_and_comments(case: tuple[ast.Program, str]) -> None:
    program, text = case
    once = formatted(text)
    assert parse(once).program == program
    assert formatted(once) == once
    assert comment_texts(once) == comment_texts(text)


FRAGMENTS = [
    'strategy "s" version 1\n',
    'policy "p" title "t"\n',
    "end\n",
    '  step "a" on day 1\n',
    "  on reply\n",
    '  send sms "t" # x\n',
    "# a comment\n",
    "  tone gentle\n",
    "  audience a or (b and not c)\n",
    "  audience x in [$1,000, 25:00, 09:00-08:00]\n",
    '  "unclosed\n',
    "when paid\n",
    "otherwise\n",
    '  rule "R" cites "c"\n',
    "    limit call to 7 per debt per 7 days\n",
    "((((",
]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join))
def test_format_text_never_raises(text: str) -> None:
    result = format_text(text)
    assert (result.text is None) == (parse(text).program is None or any(d.is_error for d in result.diagnostics))


# ---------------------------------------------------------------- the project's own files


def parley_files() -> list[Path]:
    """Every Parley file in the fixtures, the example strategies and the policy packs."""
    folders = [ROOT / "tests" / "fixtures", ROOT / "strategies", ROOT / "policies"]
    return sorted(path for folder in folders for path in folder.rglob("*.parley"))


@pytest.mark.parametrize("path", parley_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_project_files_format_stably_and_keep_their_comments(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    result = format_text(text, str(path))
    parsed = parse(text, str(path))
    if not parsed.ok:  # a fixture of a broken text: the formatter must decline, not guess
        assert result.text is None and result.diagnostics
        return
    assert result.text is not None
    assert parse(result.text).program == parsed.program
    assert formatted(result.text) == result.text
    assert comment_texts(result.text) == comment_texts(text)
