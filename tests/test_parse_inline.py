"""The fast parse path (syntax tree built in the LALR reductions) gives exactly what the tree walk gives.

`dsl.parser.parse` builds the tree inline (`dsl.build_inline`); `dsl.parser.parse_slowly` builds
lark's parse tree and walks it (`dsl.build_tree`). Both must give equal trees, the same span on
every node and the same findings: on every file in the repository, on texts chosen for their
parentheses, comments and layout, and on generated trees.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from ast_strategies import programs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl import ast
from dsl.build_inline import build_inline
from dsl.formatter import format_program
from dsl.parser import fast_parser, lark_parser, parse, parse_slowly
from dsl.source import Source

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(
    path
    for folder in ("strategies", "policies", "templates", "tests/fixtures", "tests/golden")
    for path in (ROOT / folder).rglob("*.parley")
)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Texts whose spans depend on what a `?rule` passes through: parentheses, comments, blank lines.
TRICKY = {
    "parentheses": 'strategy "s" version 1\n  audience ((paid)) and (balance > $10 or (not disputed))\nend\n',
    "parenthesised comparison side": 'strategy "s" version 1\n  audience (balance) >= ($100) and (x) in ["a"]\nend\n',
    "between parentheses": 'strategy "s" version 1\n  audience (balance) between ($1) and (($2))\nend\n',
    "comments after actions": (
        'strategy "s" version 1\n  step "a" on day 1 # why\n    send sms "t" # after\n\n'
        "    when paid # c\n      stop # d\n    otherwise # e\n      pause for 2 days\n    end # f\n  end # g\nend\n"
    ),
    "tabs and blank lines": 'strategy "s" version 1\n\n\t\ton reply\tafter 2 days\n\n\t\tescalate x\n\tend\n\nend',
    "empty lists and bodies": 'strategy "s" version 1\n  audience x in []\n  step "a" on day 1\n  end\nend\n',
    "leading newline": '\n# c\nstrategy "s" version 1\n  tone gentle\nend',
    "literal mistakes": (
        'strategy "s" version 1\n  audience t > 25:00 and b < $1.2.3 and d == 2026-02-30\n'
        '  step "a" on day 1 at 9:00-08:00\n  end\n  tone x\n  tone y\nend\n'
    ),
    "policy": (
        'policy "p" title "t" applies to agency in US-NY\n  rule "r" cites "c"\n    description "d"\n'
        "    effective from 2026-01-01 until 2027-01-01\n    limit call, sms to 7 per debt per 7 days at home\n"
        "    contact only between 08:00 and 21:00 local in call\n"
        "    require content k in letter on first communication\n"
        '    hold call when (disputed) until validated\n    require notice "n" 3 days before call\n  end\nend\n'
    ),
}


def node_spans(tree: object) -> list[tuple[str, int, int, int, int]]:
    """Every node's kind and span, in order: what equality of trees leaves out."""
    found: list[tuple[str, int, int, int, int]] = []
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Node):
            span = item.span
            found.append((type(item).__name__, span.line, span.column, span.end_line, span.end_column))
            stack.extend(getattr(item, f.name) for f in dataclasses.fields(item) if f.name != "span")
        elif isinstance(item, tuple | list):
            stack.extend(item)
    return found


def assert_same_as_tree_walk(text: str, name: str = "t.parley") -> None:
    """The fast path (with lark-cython and with lark alone) matches the tree walk, spans included."""
    source = Source(name, text)
    slow = parse_slowly(source)
    for parser in (fast_parser(), lark_parser()):
        assert parser is not None
        if slow.program is None:
            with pytest.raises(Exception):  # noqa: B017 - whatever lark raises, the slow path explains it
                build_inline(parser, source)
            continue
        program, found = build_inline(parser, source)
        assert program == slow.program
        assert node_spans(program) == node_spans(slow.program)
        assert tuple(found) == slow.diagnostics


def test_the_repository_has_files_to_compare() -> None:
    assert len(FILES) > 100


@pytest.mark.parametrize("path", FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_file_builds_the_same_both_ways(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if text.strip():  # `parse` answers empty files itself, before either path
        assert_same_as_tree_walk(text, path.name)


@pytest.mark.parametrize("name", list(TRICKY))
def test_tricky_texts_build_the_same_both_ways(name: str) -> None:
    assert parse_slowly(Source("t.parley", TRICKY[name])).program is not None
    assert_same_as_tree_walk(TRICKY[name])


def test_parse_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(source: Source) -> None:
        raise AssertionError(f"{source.name} was read the slow way")

    monkeypatch.setattr("dsl.parser.parse_slowly", refuse)
    paths = [*(ROOT / "strategies").glob("*.parley"), *(ROOT / "policies").glob("*.parley")]
    assert len(paths) > 10
    for path in paths:
        assert parse(path.read_text(encoding="utf-8"), path.name).ok


def test_a_fault_in_the_builder_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr("dsl.build_strategy.StrategyBuilder.segment", broken)
    (found,) = parse('strategy "s" version 1\n  segment a when b\nend\n').diagnostics
    assert "could not read this text" in found.message


@st.composite
def laid_out(draw: st.DrawFn) -> str:
    """A generated program's text with comments at line ends and indents of any width."""
    lines = format_program(draw(programs())).splitlines()
    for index, line in enumerate(lines):
        indent = draw(st.sampled_from(["", "\t", "   "])) if line.startswith(" ") else ""
        comment = draw(st.sampled_from(["", " # note", "\t#"]))
        lines[index] = indent + line + comment
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n\n# end\n"]))


@PROPERTY
@given(laid_out())
def test_generated_programs_build_the_same_both_ways(text: str) -> None:
    assert_same_as_tree_walk(text)
