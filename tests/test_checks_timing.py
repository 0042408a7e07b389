"""Timing, hold and consent checks, table-driven over tests/fixtures/checks/timing/*.parley.

Each fixture is a strategy whose first comment lines say which small pack it is checked against
and exactly what must be found:

    # pack: IRS501R-ECA-120                 (tests/fixtures/checks/timing/packs/IRS501R-ECA-120.parley)
    # expect: IRS501R-ECA-120 error 9:5     (rule, severity, [file:]line:column; several split by `;`)
    # expect: nothing                       (a near miss: the strategy complies)
    # why: …                                (what the fixture shows, in words)
    # templates: none                       (optional: check without the area's templates)

Every finding of the compliance checks must be listed, and nothing else may be found, so a
breaking fixture proves the rule fires exactly there and its near miss proves it stays quiet.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from dsl import ast, parse
from dsl.check import CheckOptions, check_text
from dsl.diagnostics import Diagnostic, render_all_text
from dsl.templates import TemplateSet, build_template_set

CHECKS = Path(__file__).parent / "fixtures" / "checks"
AS_OF = dt.date(2026, 3, 2)
LANGUAGE_RULES = {"PARSE", "NAME", "TYPE", "DUPLICATE", "TEMPLATE"}


@dataclass(frozen=True)
class Case:
    """A fixture: its strategy, the packs it is checked against, and what must be found."""

    path: Path
    packs: tuple[str, ...]
    expected: tuple[str, ...]
    with_templates: bool = True

    @property
    def area(self) -> Path:
        """The folder of the fixture's kind (`timing`, `content`), which holds its packs and templates."""
        return self.path.parent


def read_case(path: Path) -> Case:
    """The header of a fixture file."""
    packs: list[str] = []
    expected: list[str] = []
    with_templates = True
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].partition(":")
        if key.strip() == "pack":
            packs.extend(p.strip() for p in value.split(","))
        elif key.strip() == "expect" and value.strip() != "nothing":
            expected.extend(item.strip() for item in value.split(";"))
        elif key.strip() == "templates":
            with_templates = value.strip() != "none"
    return Case(path, tuple(packs), tuple(sorted(expected)), with_templates)


def cases(kind: str) -> list[Case]:
    """Every fixture of one kind, in name order."""
    return [read_case(p) for p in sorted((CHECKS / kind).glob("*.parley"))]


def load_pack(area: Path, name: str) -> ast.Policy:
    """A small pack from the fixture area's `packs/` folder."""
    path = area / "packs" / f"{name}.parley"
    parsed = parse(path.read_text(encoding="utf-8"), str(path.relative_to(area)))
    assert isinstance(parsed.program, ast.Policy), parsed.diagnostics
    assert parsed.diagnostics == ()
    return parsed.program


def load_templates(area: Path) -> TemplateSet | None:
    """The fixture area's templates (`templates/NAME/LANG.j2`), or None when it has none."""
    folder = area / "templates"
    if not folder.is_dir():
        return None
    files = {
        (p.parent.name, p.stem): (p.read_text(encoding="utf-8"), str(p.relative_to(area)))
        for p in sorted(folder.glob("*/*.j2"))
    }
    templates, problems = build_template_set(files)
    assert problems == []
    return templates


def describe(diagnostic: Diagnostic, strategy_file: str) -> str:
    """`RULE severity [file:]line:column`, the file given only when it is not the strategy's."""
    span = diagnostic.span
    where = f"{span.line}:{span.column}" if span.file == strategy_file else f"{span.file}:{span.line}:{span.column}"
    return f"{diagnostic.rule} {diagnostic.severity.value} {where}"


def findings(case: Case) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """(language findings, compliance findings) of a fixture against its packs."""
    packs = tuple(load_pack(case.area, name) for name in case.packs)
    templates = load_templates(case.area) if case.with_templates else None
    options = CheckOptions(templates=templates, policies=packs, as_of=AS_OF)
    name = case.path.name
    result = check_text(case.path.read_text(encoding="utf-8"), name, options)
    language = [d for d in result.diagnostics if d.rule in LANGUAGE_RULES]
    return language, [d for d in result.diagnostics if d.rule not in LANGUAGE_RULES]


def run_case(case: Case) -> None:
    """The fixture reads cleanly and its compliance findings are exactly the expected ones."""
    assert case.packs, f"{case.path.name} names no pack"
    language, compliance = findings(case)
    assert language == [], [d.message for d in language]
    found = sorted(describe(d, case.path.name) for d in compliance)
    assert found == list(case.expected)
    for diagnostic in compliance:
        assert diagnostic.citation or diagnostic.rule == "CONTENT-SKIPPED", diagnostic.rule
        assert diagnostic.hint, diagnostic.rule
        assert diagnostic.message[0].islower() and not diagnostic.message.endswith(".")


TIMING = cases("timing")


@pytest.mark.parametrize("case", TIMING, ids=lambda c: c.path.stem)
def test_timing_fixture(case: Case) -> None:
    run_case(case)


def test_every_timing_rule_has_a_break_and_a_near_miss() -> None:
    broken = {line.split()[0] for case in TIMING for line in case.expected}
    quiet = {pack for case in TIMING if not case.expected for pack in case.packs}
    assert broken, "no breaking fixture"
    assert broken <= quiet, f"rules without a near miss: {sorted(broken - quiet)}"


@pytest.mark.parametrize("case", [c for c in TIMING if c.expected], ids=lambda c: c.path.stem)
def test_timing_findings_carry_a_dated_trace(case: Case) -> None:
    _, compliance = findings(case)
    for diagnostic in compliance:
        if diagnostic.severity.value == "info":
            continue
        assert diagnostic.trace, diagnostic.rule
        assert all(event.when[:4].isdigit() for event in diagnostic.trace)


# ---------------------------------------------------------------- golden renderings

UPDATE_GOLDEN = os.environ.get("PARLEY_UPDATE_GOLDEN") == "1"


def golden_check(case: Case) -> None:
    """The findings as `parley check` prints them equal the fixture's `.golden` file beside it.

    Set PARLEY_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate change, and read
    the diff before committing it.
    """
    _, compliance = findings(case)
    rendered = render_all_text(compliance) + "\n"
    golden = case.path.with_suffix(".golden")
    if UPDATE_GOLDEN or not golden.exists():
        golden.write_text(rendered, encoding="utf-8")
    assert rendered == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", [c for c in TIMING if c.expected], ids=lambda c: c.path.stem)
def test_timing_finding_reads_as_its_golden_text(case: Case) -> None:
    golden_check(case)


@pytest.mark.parametrize(
    ("audience", "question", "possible"),
    [
        ("days_past_due >= 400", "days_since_first_statement < 365", False),
        ("days_past_due >= 400", "days_since_first_statement < 401", True),
        ("days_since_first_statement < 30", "days_past_due >= 30", False),
        ("days_since_first_statement < 30", "days_past_due >= 29", True),
    ],
)
def test_a_bill_is_past_due_only_after_its_first_statement(audience: str, question: str, possible: bool) -> None:
    from dsl.checks import solver

    text = f'strategy "s" version 1\n  audience {audience}\n  stop when {question}\nend\n'
    program = parse(text, "s.parley").program
    assert isinstance(program, ast.Strategy)
    condition = program.stops[0].condition
    found = solver.Scenario(program).satisfiable((condition,), day=0, acting=False)
    assert (found is not None) is possible


STATE_HOLD = """policy "test.ca" title "A California hold" applies to provider in US-CA
  rule "CA-TEST-HOLD" cites "test"
    severity warning
    hold contact when disputed
  end
end
"""


@pytest.mark.parametrize(("guard", "held"), [('unless jurisdiction == "US-CA"', False), ("", True)])
def test_a_state_hold_binds_only_steps_that_reach_the_state(guard: str, held: bool) -> None:
    from dsl.checks import holds
    from dsl.checks.context import CheckContext, applicable_rules

    text = (
        'strategy "s" version 1\n  organization provider\n  jurisdictions US-CA, US-TX\n'
        f'  step "Letter" on day 1 {guard}\n    send letter "statement"\n  end\nend\n'
    )
    program = parse(text, "s.parley").program
    pack = parse(STATE_HOLD, "ca.parley").program
    assert isinstance(program, ast.Strategy) and isinstance(pack, ast.Policy)
    found = holds.check(program, CheckContext(program, applicable_rules(program, [pack], None)))
    assert [f.rule for f in found] == (["CA-TEST-HOLD"] if held else [])
