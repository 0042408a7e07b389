"""The formatter prints every tree so that it reads back the same, settles in one pass and keeps comments."""

from __future__ import annotations

import functools
import textwrap
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
        # A rule's constraints keep their order (it is part of the tree); metadata moves freely.
        constraint_slots = [i for i, line in enumerate(result[start:end]) if not line.strip().startswith(METADATA)]
        for slot, key in zip(constraint_slots, sorted(order[i] for i in constraint_slots), strict=True):
            order[slot] = key
        keyed = sorted(zip(order, range(end - start), result[start:end], strict=True))
        result[start:end] = [line for _, _, line in keyed]
    return result


METADATA = (
    "description",
    "organization",
    "jurisdictions",
    "audience",
    "languages",
    "tone",
    "severity",
    "applies",
    "effective",
    "status",
)


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


# ---------------------------------------------------------------- literals and conditions

AUDIENCE_CASES = [
    # money: thousands separators, cents only when there are some; in a list always cents
    ("balance > $1250.50", "balance > $1,250.50"),
    ("balance > $1,000.00", "balance > $1,000"),
    ("balance > $1000000", "balance > $1,000,000"),
    ("balance > $0.05", "balance > $0.05"),
    # (`[$5, $1000]` does not parse: the money token takes the comma after `$5`)
    ("balance in [$1000.00, $5]", "balance in [$1,000.00, $5.00]"),
    # numbers, percentages and dates keep the digits they were written with
    ("score.distress >= 0.70", "score.distress >= 0.70"),
    ("share <= 2.5%", "share <= 2.5%"),
    ("since > 2027-01-31", "since > 2027-01-31"),
    ("at < 07:30 or span == 09:00 - 19:00", "at < 07:30 or span == 09:00-19:00"),
    # strings are re-escaped: only what must be escaped is
    (r'x == "a\u0041"', 'x == "aA"'),
    (r'x == "caf\u00e9"', 'x == "café"'),
    (r'x == "tab\there"', r'x == "tab\there"'),
    (r'x == "odd \q"', r'x == "odd \\q"'),
    (r'x == "quote \" and \\"', r'x == "quote \" and \\"'),
    (r'x == "bell\u0007"', r'x == "bell\u0007"'),
    # the fewest parentheses that keep the tree
    ("(a)", "a"),
    ("((a or b))", "a or b"),
    ("(a or b) or c", "(a or b) or c"),
    ("a or (b or c)", "a or (b or c)"),
    ("(a and b) or c", "a and b or c"),
    ("a and (b or c)", "a and (b or c)"),
    ("(a and b) and c", "(a and b) and c"),
    ("not (a < 1)", "not a < 1"),
    ("not (a and b)", "not (a and b)"),
    ("not not a", "not not a"),
    ("(a < 1) == true", "(a < 1) == true"),
    ("x between (1) and (y)", "x between 1 and y"),
    ("(x in [1]) != false", "(x in [1]) != false"),
    ("x in [ ]", "x in []"),
    ("a   <=   1", "a <= 1"),
]


@pytest.mark.parametrize(("written", "canonical"), AUDIENCE_CASES)
def test_literals_and_conditions_are_normalised(written: str, canonical: str) -> None:
    text = formatted(f"{STRATEGY}audience {written}\nend\n")
    assert text == f"{STRATEGY}  audience {canonical}\nend\n"


BODY_CASES = [
    ("pause for 1 days", "pause for 1 day"),
    ("pause for 7 day", "pause for 7 days"),
    ("pause for 0 day", "pause for 0 days"),
    ("pause for 1 weeks", "pause for 1 week"),
    ("pause for 30 minute", "pause for 30 minutes"),
    ("pause for 24 hour", "pause for 24 hours"),
    ('send   sms   "t"   tone   gentle', 'send sms "t" tone gentle'),
    (
        "offer plan income_driven max_share 5% min_payment $1000 max_months 24",
        "offer plan income_driven max_share 5% min_payment $1,000 max_months 24",
    ),
    ('handoff "billing-team" priority high', None),
    ("stop", None),
    ("stop sms", None),
    ("screen financial_assistance", None),
    ("escalate eca", None),
]


@pytest.mark.parametrize(("written", "canonical"), BODY_CASES)
def test_actions_are_normalised(written: str, canonical: str | None) -> None:
    text = formatted(f'{STRATEGY}step "a" on day 1\n{written}\nend\nend\n')
    assert text == f'{STRATEGY}\n  step "a" on day 1\n    {canonical or written}\n  end\nend\n'


# ---------------------------------------------------------------- layout

LAYOUT_CASES = {
    "header clauses in canonical order": (
        """
        strategy "s" version 2
        tone gentle
        languages en, es
        audience balance > $100
        jurisdictions US-CA
        organization provider
        description "d"
        end
        """,
        """
        strategy "s" version 2
          description "d"
          organization provider
          jurisdictions US-CA
          audience balance > $100
          languages en, es
          tone gentle
        end
        """,
    ),
    "groups in canonical order, one blank line apart": (
        """
        strategy "s" version 1
        stop when paid
        on reply
        handoff "q"
        end
        step "b" on day 2
        call "c"
        end
        segment h when intent.hardship
        step "a" on day 1
        end
        tone gentle
        end
        """,
        """
        strategy "s" version 1
          tone gentle

          segment h when intent.hardship

          step "b" on day 2
            call "c"
          end

          step "a" on day 1
          end

          on reply
            handoff "q"
          end

          stop when paid
        end
        """,
    ),
    "step and handler options in canonical order": (
        """
        strategy "s" version 1
        step "a" every 3 days from day 1 to day 30 unless paid at best_time within 09:00 - 19:00 at most 4 times
        end
        on reply at most 2 times after 1 days when intent.hardship
        end
        end
        """,
        """
        strategy "s" version 1

          step "a" every 3 days from day 1 to day 30 at most 4 times at best_time within 09:00-19:00 unless paid
          end

          on reply when intent.hardship after 1 day at most 2 times
          end
        end
        """,
    ),
    "nested branches": (
        """
        strategy "s" version 1
        step "a" on day 1
        when a
        when b
        stop
        otherwise
        pause for 2 days
        end
        otherwise
        call "x"
        end
        end
        end
        """,
        """
        strategy "s" version 1

          step "a" on day 1
            when a
              when b
                stop
              otherwise
                pause for 2 days
              end
            otherwise
              call "x"
            end
          end
        end
        """,
    ),
    "rule metadata before the constraint, effective lines merged": (
        """
        policy "p" title "t" applies to agency, provider in US-CA, US-NY
        rule "R1" cites "c"
        require content opt_out in sms on first communications
        status active
        effective until 2030-01-01
        effective from 2020-01-01
        applies to agency
        severity warning
        description "d"
        end
        rule "R2" cites "c"
        require content opt_out in sms on later communication
        end
        end
        """,
        """
        policy "p" title "t" applies to agency, provider in US-CA, US-NY
          rule "R1" cites "c"
            description "d"
            severity warning
            applies to agency
            effective from 2020-01-01 until 2030-01-01
            status active
            require content opt_out in sms on first communication
          end

          rule "R2" cites "c"
            require content opt_out in sms on later communications
          end
        end
        """,
    ),
    "every constraint kind": (
        """
        policy "p" title "t"
          rule "A" cites "c"
            limit call, sms to 7 per debt per 7 days at work
          end

          rule "B" cites "c"
            after conversation no call per debt for 7 days
          end

          rule "C" cites "c"
            contact only between 08:00 and 21:00 local in call
          end

          rule "D" cites "c"
            forbid content invoice.diagnosis in sms
          end

          rule "E" cites "c"
            hold collection, credit_report when disputed until verified
          end

          rule "F" cites "c"
            require consent autodialed_calls for call
          end

          rule "G" cites "c"
            wait 120 days after first_statement before eca
          end

          rule "H" cites "c"
            forbid eca when fa_application_pending
          end

          rule "I" cites "c"
            require validation_notice within 5 days after first_communication
          end

          rule "J" cites "c"
            require notice "eca_notice" 30 days before eca
          end
        end
        """,
        None,
    ),
    "empty strategy": ('strategy "s" version 1\nend', None),
    "empty policy": ('policy "p" title "t"\nend', None),
}


def dedent(text: str) -> str:
    """The text of a case: leading indentation and the surrounding blank lines removed."""
    return textwrap.dedent(text).strip("\n") + "\n"


@pytest.mark.parametrize("name", LAYOUT_CASES)
def test_layout(name: str) -> None:
    written, canonical = LAYOUT_CASES[name]
    flat = "".join(line.strip() + "\n" for line in dedent(written).splitlines())
    assert formatted(flat) == dedent(canonical or written)


# ---------------------------------------------------------------- comments

COMMENT_CASES = {
    "comments travel with reordered header clauses": (
        """
        # about the file
        strategy "s" version 1 # header
          tone gentle # the tone
            # who collects
          organization provider
        end # done
        # bye
        """,
        """
        # about the file
        strategy "s" version 1  # header
          # who collects
          organization provider
          tone gentle  # the tone
        end  # done
        # bye
        """,
    ),
    "comments inside blocks stay inside them": (
        """
        strategy "s" version 1
        step "a" on day 1
        when paid # branch
        # then-body note
        send sms "x#1" # after a string holding #
        # before otherwise
        otherwise
        # before the call
        call "c"
        # after the call
        end
        # last in step
        end
        end
        """,
        """
        strategy "s" version 1

          step "a" on day 1
            when paid  # branch
              # then-body note
              send sms "x#1"  # after a string holding #
              # before otherwise
            otherwise
              # before the call
              call "c"
              # after the call
            end
            # last in step
          end
        end
        """,
    ),
    "comments travel with reordered rule lines": (
        """
        policy "p" title "t"
        rule "R" cites "c"
        limit call to 7 per debt per 7 days # the cap
        # since when
        effective from 2020-01-01 # start
        effective until 2030-01-01 # stop
        description "d" # said
        end
        end
        """,
        """
        policy "p" title "t"
          rule "R" cites "c"
            description "d"  # said
            # since when
            effective from 2020-01-01 until 2030-01-01  # start  # stop
            limit call to 7 per debt per 7 days  # the cap
          end
        end
        """,
    ),
    "a comment keeps its text but not the blank lines around it": (
        """
        strategy "s" version 1
        tone gentle

        #   spaced   out

        segment a when b
        end
        """,
        """
        strategy "s" version 1
          tone gentle

          #   spaced   out
          segment a when b
        end
        """,
    ),
    "a # inside a string is text": (
        r"""
        strategy "s" version 1
        step "a" on day 1
        send sms "say \"hi\" # not a comment" # real
        end
        end
        """,
        r"""
        strategy "s" version 1

          step "a" on day 1
            send sms "say \"hi\" # not a comment"  # real
          end
        end
        """,
    ),
}


@pytest.mark.parametrize("name", COMMENT_CASES)
def test_comment_placement(name: str) -> None:
    written, canonical = COMMENT_CASES[name]
    text = formatted(dedent(written))
    assert text == dedent(canonical)
    assert formatted(text) == text


SCAN_CASES = [
    ('send sms "a # b"', None),
    (r'send sms "a \" # b"', None),
    (r'send sms "a\\" # c', (16, "# c", True)),
    ('send sms "x" #c  ', (14, "#c", True)),
    ("  # own line", (3, "# own line", False)),
    ("#", (1, "#", False)),
]


@pytest.mark.parametrize(("line", "found"), SCAN_CASES)
def test_comment_scanner_skips_strings(line: str, found: tuple[int, str, bool] | None) -> None:
    comments = scan_comments(f"{line}\n")
    assert [(c.column, c.text, c.trailing) for c in comments] == ([found] if found else [])


def test_format_text_declines_texts_with_errors() -> None:
    duplicate = f"{STRATEGY}tone gentle\ntone firm # lost if formatted\nend\n"
    result = format_text(duplicate)
    assert result.text is None
    assert [d.rule for d in result.diagnostics] == ["DUPLICATE"]
    assert format_text("").text is None


@pytest.mark.parametrize("depth", [150, 199, 400])
def test_deep_conditions_format_or_are_declined_with_a_finding(depth: int) -> None:
    condition = "(" * depth + "a" + " or b)" * depth
    result = format_text(f"{STRATEGY}audience {condition}\nend\n")
    assert result.text is not None or any(d.is_error for d in result.diagnostics)
    if result.text is not None:
        assert formatted(result.text) == result.text
