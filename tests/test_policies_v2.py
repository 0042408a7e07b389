"""The constraints added to the shipped packs once a rule could hold several: each one is enforced.

Every constraint in `ADDED` gets a strategy that breaks it and a near miss, in
tests/fixtures/checks/policies_v2/, checked with `dsl.check.check_text` against the real packs of
`policies/` and the fixtures' own templates. A fixture's header says:

    # rule: RULE-ID                         the rule the constraint belongs to
    # constraint: limit … / require … / …   the added constraint, exactly as the pack writes it
    # packs: state.wa                       optional: only these packs (default: all of them)
    # as_of: 2026-11-01                     the check date
    # expect: RULE severity, … | nothing    every error and warning, and every finding of RULE-ID
    # says: words                           a finding of RULE-ID says these words
    # native: why                           the check enforces it without reading the constraint
    # why: …                                what the fixture shows

A break proves more than a finding: with the added constraint taken out of its rule (the rule's
other constraints stay), the same strategy must give no finding of that rule, so the finding comes
from the added constraint alone. `native` marks a check that judges the rule id on its own terms;
for those the test pins down what the check does instead. Constraints the runtime guard judges have
guard cases in tests/fixtures/checks/policies_v2/guard/, with the same proof.

`packs:` narrows the packs only where the shipped packs make a lone break impossible: Regulation F's
08:00-21:00 reaches every agency, so a break of Massachusetts' or Washington's hours alone is
shown against their own pack.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from dsl import ast, parse
from dsl.check import CheckOptions, check_text
from dsl.diagnostics import Diagnostic, Severity
from dsl.templates import TemplateSet
from engine.guard import compile_rules, judge, parse_case
from runtime.files import load_policies, load_templates

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
FIXTURES = Path(__file__).parent / "fixtures" / "checks" / "policies_v2"
GUARD_CASES = sorted((FIXTURES / "guard").glob("*.json"))
FIXTURE_FILES = sorted(FIXTURES.glob("*.parley"))

# Every constraint added to a rule that used to hold one, by rule id, as the pack writes it.
ADDED: dict[str, tuple[str, ...]] = {
    "REGF-MINI-MIRANDA": ("require content debt_collector in call, sms, email, letter, chat on later communications",),
    "REGF-FREQ-REBUT": ("limit call to 6 per patient per 1 day",),
    "MA-940CMR-7.04-CALLS": ("limit call, sms, voicemail to 2 per debt per 30 days at other",),
    "MA-209CMR-18.16": (
        "limit call, sms to 2 per debt per 30 days at other",
        "contact only between 08:00 and 21:00 local",
    ),
    "WA-RCW-19.16.250": (
        "limit contact to 1 per patient per 1 week at work",
        "contact only between 07:30 and 21:00 local",
    ),
    "NYC-DCWP-2024-AMENDMENTS": ("require consent email for email", "require consent sms for sms"),
    "IRS501R-ECA-30DAY": ("require content fap in eca_notice",),
}
# Added constraints the runtime guard cannot judge: a case carries no rendered message.
STATIC_ONLY = frozenset(
    {("REGF-MINI-MIRANDA", ADDED["REGF-MINI-MIRANDA"][0]), ("IRS501R-ECA-30DAY", ADDED["IRS501R-ECA-30DAY"][0])}
)
SHOWN = (Severity.ERROR, Severity.WARNING)

# ---------------------------------------------------------------- reading packs, templates, fixtures


@cache
def shipped() -> tuple[ast.Policy, ...]:
    """The packs of `policies/`, read the way `parley check` reads them."""
    policies, findings = load_policies(POLICIES)
    assert not [d for d in findings if d.is_error], [d.message for d in findings]
    return tuple(policies)


@cache
def templates() -> TemplateSet:
    """The fixtures' own templates."""
    found, problems = load_templates(FIXTURES / "templates")
    assert not problems, [d.message for d in problems]
    return found


def constraint_of(text: str) -> ast.Constraint:
    """A constraint line read as a pack would read it."""
    result = parse(f'policy "t" title "t"\n  rule "T" cites "t"\n    {text}\n  end\nend\n', "constraint")
    assert isinstance(result.program, ast.Policy) and not result.diagnostics, result.diagnostics
    found = result.program.rules[0].constraint
    assert found is not None
    return found


def packs_named(names: tuple[str, ...], policies: tuple[ast.Policy, ...]) -> tuple[ast.Policy, ...]:
    """The packs a fixture or case asks for (all of them when it names none)."""
    if not names:
        return policies
    chosen = tuple(p for p in policies if p.name in names)
    assert len(chosen) == len(names), f"unknown packs in {names}"
    return chosen


def without(policies: tuple[ast.Policy, ...], rule_id: str, text: str) -> tuple[ast.Policy, ...]:
    """The packs with one constraint taken out of one rule; the rule keeps its other constraints."""
    gone = constraint_of(text)
    changed = []
    for policy in policies:
        rules = []
        for rule in policy.rules:
            if rule.rule_id == rule_id:
                assert gone in rule.constraints, f"`{rule_id}` has no constraint `{text}`"
                rule = replace(rule, constraints=tuple(c for c in rule.constraints if c != gone))
            rules.append(rule)
        changed.append(replace(policy, rules=tuple(rules)))
    return tuple(changed)


def with_constraint(policies: tuple[ast.Policy, ...], rule_id: str, old: str, new: str) -> tuple[ast.Policy, ...]:
    """The packs with one constraint of one rule replaced by another."""
    before, after = constraint_of(old), constraint_of(new)
    return tuple(
        replace(
            policy,
            rules=tuple(
                replace(rule, constraints=tuple(after if c == before else c for c in rule.constraints))
                if rule.rule_id == rule_id
                else rule
                for rule in policy.rules
            ),
        )
        for policy in policies
    )


@dataclass(frozen=True)
class Fixture:
    """A strategy fixture and what the header says about it."""

    path: Path
    rule: str
    constraint: str
    packs: tuple[str, ...]
    as_of: dt.date
    expected: frozenset[tuple[str, str]]
    says: str | None
    native: str | None

    @property
    def is_break(self) -> bool:
        """Whether the fixture breaks its rule."""
        return any(rule == self.rule for rule, _ in self.expected)


def header(text: str) -> dict[str, str]:
    """The `# key: value` lines at the top of a fixture."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"#\s*([a-z_]+):\s*(.*)$", line)
        if not match:
            break
        found[match.group(1)] = match.group(2).strip()
    return found


def read_fixture(path: Path) -> Fixture:
    """A fixture file with its header read."""
    fields = header(path.read_text(encoding="utf-8"))
    expect = fields.get("expect", "")
    expected = set()
    if expect != "nothing":
        for part in expect.split(","):
            rule, severity = part.split()
            expected.add((rule, severity))
    packs = tuple(p.strip() for p in fields["packs"].split(",")) if "packs" in fields else ()
    return Fixture(
        path,
        fields["rule"],
        fields["constraint"],
        packs,
        dt.date.fromisoformat(fields["as_of"]),
        frozenset(expected),
        fields.get("says"),
        fields.get("native"),
    )


def findings(fixture: Fixture, policies: tuple[ast.Policy, ...]) -> list[Diagnostic]:
    """Every finding of one fixture against the given packs."""
    options = CheckOptions(templates=templates(), policies=packs_named(fixture.packs, policies), as_of=fixture.as_of)
    result = check_text(fixture.path.read_text(encoding="utf-8"), fixture.path.name, options)
    assert result.parsed.program is not None, [d.message for d in result.diagnostics]
    return list(result.diagnostics)


def seen(fixture: Fixture, found: list[Diagnostic]) -> set[tuple[str, str]]:
    """The (rule, severity) pairs a fixture's header speaks of: errors, warnings, and its rule's findings."""
    return {(d.rule, d.severity.value) for d in found if d.severity in SHOWN or d.rule == fixture.rule}


FIXTURE_LIST = [read_fixture(p) for p in FIXTURE_FILES]

# ---------------------------------------------------------------- the packs hold what was added


@pytest.mark.parametrize(("rule_id", "text"), [(r, t) for r, texts in ADDED.items() for t in texts])
def test_added_constraint_is_in_its_rule(rule_id: str, text: str) -> None:
    rule = next(r for p in shipped() for r in p.rules if r.rule_id == rule_id)
    assert constraint_of(text) in rule.constraints
    assert len(rule.constraints) >= 2, "the added constraint sits beside the rule's first one"


def test_every_added_constraint_has_a_break_and_a_near_miss() -> None:
    for rule_id, texts in ADDED.items():
        for text in texts:
            mine = [f for f in FIXTURE_LIST if f.rule == rule_id and constraint_of(f.constraint) == constraint_of(text)]
            assert any(f.is_break for f in mine), f"no breaking fixture for `{rule_id}`: {text}"
            assert any(not f.is_break for f in mine), f"no near miss for `{rule_id}`: {text}"


# ---------------------------------------------------------------- static checks


@pytest.mark.parametrize("fixture", FIXTURE_LIST, ids=lambda f: f.path.stem)
def test_fixture_findings_are_exactly_the_expected_ones(fixture: Fixture) -> None:
    found = findings(fixture, shipped())
    assert seen(fixture, found) == fixture.expected, [f"{d.rule} {d.severity.value}: {d.message}" for d in found]
    if fixture.says:
        assert any(fixture.says in d.message for d in found if d.rule == fixture.rule), fixture.says


@pytest.mark.parametrize("fixture", [f for f in FIXTURE_LIST if f.is_break], ids=lambda f: f.path.stem)
def test_break_comes_from_the_added_constraint(fixture: Fixture) -> None:
    found = findings(fixture, without(shipped(), fixture.rule, fixture.constraint))
    mine = [d for d in found if d.rule == fixture.rule]
    if fixture.native:
        # The check judges this rule id by itself: the finding stays without the constraint.
        assert mine, "a native check stopped judging the rule; drop `# native:` from the fixture"
    else:
        assert mine == [], [d.message for d in mine]


def test_static_concentration_is_the_checks_own_number_not_the_packs() -> None:
    """bursts.py reads only the first constraint of `REGF-FREQ-REBUT`, so the pack's 6 is not read.

    With the pack saying 3 calls a day, a day of 4 calls should warn; it does not, because the
    check keeps its built-in threshold of 7. When the check learns to read every constraint of the
    rule, this test fails: turn it into a plain assertion that a 4-call day warns.
    """
    near_miss = next(f for f in FIXTURE_LIST if f.path.stem == "regf_freq_rebut_day_near_miss")
    packs = with_constraint(shipped(), "REGF-FREQ-REBUT", near_miss.constraint, "limit call to 3 per patient per 1 day")
    found = findings(near_miss, packs)
    assert not [d for d in found if d.rule == "REGF-FREQ-REBUT"], "the check now reads the pack's number"


# ---------------------------------------------------------------- the runtime guard


@cache
def guard_case(path: Path) -> dict[str, Any]:
    """A guard fixture: the case, the rule and constraint it is about, and the expected verdict."""
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {"about", "rule", "constraint", "case", "violations", "warnings"} <= set(data), path.name
    return data


def verdict_ids(data: dict[str, Any], policies: tuple[ast.Policy, ...]) -> tuple[list[str], list[str]]:
    """The rule ids of a case's violations and warnings under the given packs."""
    chosen = packs_named(tuple(data.get("packs", ())), policies)
    verdict = judge(parse_case(data["case"]), compile_rules(chosen), find_next=False)
    return sorted({f.rule for f in verdict.violations}), sorted({f.rule for f in verdict.warnings})


@pytest.mark.parametrize("path", GUARD_CASES, ids=lambda p: p.stem)
def test_guard_case_verdict(path: Path) -> None:
    data = guard_case(path)
    violations, warnings = verdict_ids(data, shipped())
    assert violations == sorted(data["violations"])
    assert warnings == sorted(data["warnings"])


def is_guard_break(path: Path) -> bool:
    """Whether a guard fixture's verdict names its own rule."""
    data = guard_case(path)
    return bool(data["rule"] in data["violations"] + data["warnings"])


@pytest.mark.parametrize("path", [p for p in GUARD_CASES if is_guard_break(p)], ids=lambda p: p.stem)
def test_guard_break_comes_from_the_added_constraint(path: Path) -> None:
    data = guard_case(path)
    rule = data["rule"]
    violations, warnings = verdict_ids(data, without(shipped(), rule, data["constraint"]))
    if data.get("native"):
        assert rule in violations + warnings, "the guard stopped judging the rule natively; drop `native`"
    else:
        assert rule not in violations + warnings


def test_every_runtime_constraint_has_a_guard_break_and_near_miss() -> None:
    for rule_id, texts in ADDED.items():
        for text in texts:
            if (rule_id, text) in STATIC_ONLY:
                continue
            mine = [
                guard_case(p)
                for p in GUARD_CASES
                if guard_case(p)["rule"] == rule_id
                and constraint_of(guard_case(p)["constraint"]) == constraint_of(text)
            ]
            assert any(rule_id in d["violations"] + d["warnings"] for d in mine), f"no guard break: {rule_id} {text}"
            assert any(rule_id not in d["violations"] + d["warnings"] for d in mine), f"no guard near miss: {text}"


@pytest.mark.parametrize(("rule_id", "text"), sorted(STATIC_ONLY))
def test_content_constraints_are_left_to_the_static_check(rule_id: str, text: str) -> None:
    # A case carries no rendered message, so the guard skips every content constraint of the rule.
    compiled = compile_rules(shipped())
    assert rule_id in compiled.skipped
    assert all(constraint_of(text) != r.constraint for r in compiled.rules)


def test_guard_concentration_is_the_guards_own_number_not_the_packs() -> None:
    """The guard judges `REGF-FREQ-REBUT` natively (warning from the 6th call to a number in a day).

    With the pack saying 3 calls a day, a 4th call should warn; it does not. When the guard reads
    the pack's numbers, this test fails: turn it into a plain assertion.
    """
    near = guard_case(FIXTURES / "guard" / "regf_freq_rebut_day_near_miss.json")
    packs = with_constraint(shipped(), "REGF-FREQ-REBUT", near["constraint"], "limit call to 3 per patient per 1 day")
    _, warnings = verdict_ids(near, packs)
    assert "REGF-FREQ-REBUT" not in warnings, "the guard now reads the pack's number"
