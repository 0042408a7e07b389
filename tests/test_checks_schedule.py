"""Schedule checks on fixture strategies: each rule's breaking fixture and its near miss.

Each fixture in `tests/fixtures/checks/schedule/` says which test packs it is checked against
(`# packs:`), optionally the check date (`# as_of:`), and marks every line where a finding must
start with `# expect: RULE severity [col N], …`. The findings (errors and warnings) of the schedule
passes must be exactly those; a near miss has no mark and no finding.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from dsl import ast, parse
from dsl.checks import bursts, cooldown, frequency, time_window
from dsl.checks.context import CheckContext, applicable_rules
from dsl.diagnostics import Diagnostic, Severity

FIXTURES = Path(__file__).parent / "fixtures" / "checks" / "schedule"
PASSES = (frequency.check, cooldown.check, time_window.check, bursts.check)
EXPECT = re.compile(r"#\s*expect:\s*(.+)$")
ONE = re.compile(r"(?P<rule>[A-Z0-9.\-]+)\s+(?P<severity>error|warning|info)(\s+col\s+(?P<col>\d+))?")


@dataclass(frozen=True)
class Fixture:
    """A strategy fixture with its packs, check date and expected findings."""

    path: Path
    packs: tuple[str, ...]
    as_of: dt.date | None
    expected: frozenset[tuple[str, str, int, int]]


def read_fixture(path: Path) -> Fixture:
    text = path.read_text(encoding="utf-8")
    packs: tuple[str, ...] = ()
    as_of = None
    expected: set[tuple[str, str, int, int]] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("# packs:"):
            packs = tuple(p.strip() for p in line.split(":", 1)[1].split(","))
        elif line.startswith("# as_of:"):
            as_of = dt.date.fromisoformat(line.split(":", 1)[1].strip())
        elif (mark := EXPECT.search(line)) and not line.startswith("#"):
            column = len(line) - len(line.lstrip()) + 1
            for part in mark.group(1).split(","):
                one = ONE.fullmatch(part.strip())
                assert one, f"{path.name}:{number}: cannot read expectation {part!r}"
                col = int(one["col"]) if one["col"] else column
                expected.add((one["rule"], one["severity"], number, col))
    return Fixture(path, packs, as_of, frozenset(expected))


def load_pack(name: str) -> ast.Policy:
    result = parse((FIXTURES / "packs" / f"{name}.parley").read_text(encoding="utf-8"), f"{name}.parley")
    assert result.ok and isinstance(result.program, ast.Policy), result.diagnostics
    return result.program


def schedule_findings(text: str, name: str, policies: list[ast.Policy], as_of: dt.date | None) -> list[Diagnostic]:
    """Every finding of the schedule passes on one strategy text."""
    result = parse(text, name)
    assert result.ok and isinstance(result.program, ast.Strategy), result.diagnostics
    strategy = result.program
    ctx = CheckContext(strategy, applicable_rules(strategy, policies, as_of), as_of=as_of)
    return [d for check in PASSES for d in check(strategy, ctx)]


FIXTURE_FILES = sorted(FIXTURES.glob("*.parley"))


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
def test_fixture_findings_are_exactly_the_marked_ones(path: Path) -> None:
    fixture = read_fixture(path)
    findings = schedule_findings(
        path.read_text(encoding="utf-8"), path.name, [load_pack(p) for p in fixture.packs], fixture.as_of
    )
    got = {(d.rule, d.severity.value, d.span.line, d.span.column) for d in findings if d.severity is not Severity.INFO}
    assert got == fixture.expected, "\n".join(f"{d.rule} {d.span.line}:{d.span.column} {d.message}" for d in findings)


def test_every_rule_has_a_break_and_a_near_miss() -> None:
    broken = {rule for p in FIXTURE_FILES for rule, *_ in read_fixture(p).expected}
    assert broken == {
        "REGF-FREQ-7IN7",
        "REGF-FREQ-POSTCONV-7D",
        "REGF-FREQ-REBUT",
        "REGF-TIME-8TO9",
        "MA-940CMR-7.04-CALLS",
        "MA-209CMR-18.16",
        "WA-RCW-19.16.250",
        "NYC-DCWP-2024-AMENDMENTS",
    }
    near = [p for p in FIXTURE_FILES if "_near" in p.stem]
    prefixes = {p.stem.split("_break")[0] for p in FIXTURE_FILES if "_break" in p.stem}
    for prefix in prefixes:
        assert any(p.stem.startswith(prefix) for p in near), f"no near miss for {prefix}"


def test_errors_carry_citation_facts_and_a_dated_timeline() -> None:
    path = FIXTURES / "regf_7in7_break_branches.parley"
    (finding,) = [
        d
        for d in schedule_findings(path.read_text(), path.name, [load_pack("regf")], None)
        if d.rule == "REGF-FREQ-7IN7"
    ]
    assert finding.citation == "12 CFR 1006.14(b)(2)(i)(A)"
    assert dict(finding.facts)["hardship"] == "false"
    assert finding.trace[0].when == "Tue 2026-03-03 10:00"
    assert "over the limit" in finding.trace[7].what
    assert finding.message == "one account can get 14 calls per debt in 7 consecutive days; `REGF-FREQ-7IN7` allows 7"
    assert finding.hint and "at most" in finding.hint


def test_steps_without_a_window_get_an_info_not_an_error() -> None:
    text = """strategy "No window" version 1
  organization agency
  step "Call" on day 2
    call "agent_script"
  end
end
"""
    findings = schedule_findings(text, "t.parley", [load_pack("regf")], None)
    assert [(d.rule, d.severity) for d in findings] == [("REGF-TIME-8TO9", Severity.INFO)]
    assert "08:00-21:00" in findings[0].message


def test_unknown_names_and_odd_schedules_never_crash() -> None:
    text = """strategy "Odd" version 1
  organization agency
  segment loop when loop or nonsense.score > 3
  step "Backwards" every 1 day from day 9 to day 2
    call "a"
  end
  step "Zero" every 0 days from day 1 to day 5 when loop
    call "b"
  end
  on reply when no_such_fact >= "x"
    call "c"
  end
end
"""
    findings = schedule_findings(text, "odd.parley", [load_pack("regf")], None)
    assert "REGF-FREQ-7IN7" in {d.rule for d in findings}  # the reply handler is unbounded
