"""The policy packs in `policies/`: they parse cleanly and agree with the catalog and their README.

The catalog lives beside the repository (`../shared/compliance/catalog.md`); on a clone without it
the tests that read it are skipped with the reason, the others still run.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from pathlib import Path

import pytest

from dsl import ast, parse
from dsl.check import check_text
from dsl.explain import KINDS
from dsl.formatter import format_text

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
README = POLICIES / "README.md"
CATALOG = ROOT.parent / "shared" / "compliance" / "catalog.md"
NEEDS_CATALOG = pytest.mark.skipif(
    not CATALOG.exists(), reason=f"the compliance catalog is not beside the repository ({CATALOG})"
)

PACKS = (
    "us.fdcpa_regf",
    "us.hipaa",
    "us.tcpa",
    "us.irs_501r",
    "us.credit_reporting",
    "state.ma",
    "state.wa",
    "state.ca",
    "state.co",
    "state.ny",
    "provider.ethics",
)
ORGANIZATIONS = frozenset({"agency", "provider", "nonprofit_hospital"})
ETHICS_PREFIX = "ETHICS-"
ID = r"[A-Z][A-Z0-9]*(?:[-.][A-Z0-9]+)+"

# ---------------------------------------------------------------- readers


@cache
def packs() -> dict[str, ast.Policy]:
    """Every pack in `policies/`, by its file name without `.parley`."""
    found: dict[str, ast.Policy] = {}
    for path in sorted(POLICIES.glob("*.parley")):
        result = parse(path.read_text(encoding="utf-8"), str(path))
        assert isinstance(result.program, ast.Policy), f"{path.name} is not a policy pack"
        found[path.name.removesuffix(".parley")] = result.program
    return found


def rules() -> list[tuple[str, ast.Rule]]:
    """Every rule of every pack with its pack's name."""
    return [(name, rule) for name, policy in packs().items() for rule in policy.rules]


def rule(rule_id: str) -> ast.Rule:
    """The rule with this id, wherever it is."""
    return next(r for _, r in rules() if r.rule_id == rule_id)


def heading_ids(heading: str) -> list[str]:
    """The rule ids one catalog heading names (the compliance README's rules for split headings)."""
    name = heading.split(" — ")[0].strip()
    aliased = re.fullmatch(rf"{ID} \(({ID})\)", name)
    if aliased:  # `FDCPA-TIME-8TO9 (REGF-TIME-8TO9)`: the id in brackets is the canonical one
        return [aliased.group(1)]
    first = re.match(ID, name)
    if " / " in name:
        return [part.strip() for part in name.split(" / ") if re.fullmatch(ID, part.strip())]
    return [first.group(0)] if first else []


@cache
def catalog_sections() -> dict[str, str]:
    """Each catalog rule id with the text of its section (a split heading's ids share one)."""
    text = CATALOG.read_text(encoding="utf-8")
    sections: dict[str, str] = {}
    for chunk in re.split(r"(?m)^#{2,3} ", text)[1:]:
        heading, _, body = chunk.partition("\n")
        for rule_id in heading_ids(heading):
            sections[rule_id] = heading + "\n" + body
    return sections


def readme_section(title: str) -> str:
    """The text of one `## title` section of policies/README.md."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"(?ms)^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text)
    assert match, f"policies/README.md has no section `{title}`"
    return match.group(1)


def table_rows(section: str) -> list[list[str]]:
    """The cells of a markdown table's body rows, without backticks."""
    rows = []
    for line in section.splitlines():
        if line.startswith("| `"):
            rows.append([cell.strip().strip("`") for cell in line.strip().strip("|").split("|")])
    return rows


def not_expressible_ids() -> set[str]:
    """The ids policies/README.md lists as not expressible in v1."""
    return {row[0] for row in table_rows(readme_section("Not expressible in v1"))}


def kind_name(constraint: ast.Constraint | None) -> str:
    """A constraint's kind in DESIGN.md's words (`frequency cap`, `hold`, …)."""
    assert constraint is not None
    return KINDS[type(constraint)][0]


def kind_names(r: ast.Rule) -> str:
    """The kinds of a rule's constraints, in the pack's order, each once (`frequency cap, time window`)."""
    return ", ".join(dict.fromkeys(kind_name(c) for c in r.constraints))


def constraint_line(text: str) -> ast.Constraint:
    """One constraint line read as a pack reads it."""
    parsed = parse(f'policy "t" title "t"\n  rule "T" cites "t"\n    {text}\n  end\nend\n', "expected")
    assert isinstance(parsed.program, ast.Policy) and not parsed.diagnostics, parsed.diagnostics
    found = parsed.program.rules[0].constraint
    assert found is not None
    return found


# ---------------------------------------------------------------- the packs themselves


def test_there_is_one_pack_per_body_of_law() -> None:
    assert sorted(packs()) == sorted(PACKS)


@pytest.mark.parametrize("name", PACKS)
def test_pack_parses_without_diagnostics(name: str) -> None:
    path = POLICIES / f"{name}.parley"
    result = parse(path.read_text(encoding="utf-8"), str(path))
    assert result.diagnostics == ()
    assert isinstance(result.program, ast.Policy)
    assert result.program.name == name, "a pack's name is its file name"
    assert result.program.rules, "a pack holds at least one rule"


@pytest.mark.parametrize("name", PACKS)
def test_every_word_of_a_pack_is_one_the_checker_and_guard_know(name: str) -> None:
    path = POLICIES / f"{name}.parley"
    result = check_text(path.read_text(encoding="utf-8"), str(path))
    assert [d.message for d in result.diagnostics] == []


@pytest.mark.parametrize("name", PACKS)
def test_pack_is_in_canonical_layout(name: str) -> None:
    text = (POLICIES / f"{name}.parley").read_text(encoding="utf-8")
    assert format_text(text, name).text == text, f"run `parley fmt policies/{name}.parley`"


def test_rule_ids_are_unique_across_packs() -> None:
    seen: dict[str, str] = {}
    for pack, r in rules():
        assert r.rule_id not in seen, f"`{r.rule_id}` is in both `{seen.get(r.rule_id)}` and `{pack}`"
        seen[r.rule_id] = pack


@pytest.mark.parametrize(("pack", "rule_id"), [(p, r.rule_id) for p, r in rules()])
def test_every_rule_says_what_it_means(pack: str, rule_id: str) -> None:
    r = rule(rule_id)
    assert r.citation.strip(), "a rule cites its law"
    assert r.description and len(r.description) > 40, "a rule explains itself in plain English"
    assert r.severity is not None and r.severity.name in ("error", "warning", "info")
    assert r.constraint is not None


def test_ethics_rules_are_ours_and_only_in_the_ethics_pack() -> None:
    for pack, r in rules():
        assert r.rule_id.startswith(ETHICS_PREFIX) == (pack == "provider.ethics"), r.rule_id


def test_vacated_rules_carry_status_vacated_and_only_they() -> None:
    vacated = {r.rule_id for _, r in rules() if r.status is not None}
    assert vacated == {"CREDIT-CFPB-2025"}
    assert rule("CREDIT-CFPB-2025").status == ast.Ident("vacated")


# ---------------------------------------------------------------- applicability


def applies(pack: str, r: ast.Rule) -> ast.Applies:
    """What reaches a rule: its own `applies to` line, else its pack's."""
    found = r.applies or packs()[pack].applies
    assert found is not None, f"`{r.rule_id}` says nowhere whom it applies to"
    return found


@pytest.mark.parametrize(
    ("pack", "organizations"),
    [
        ("us.fdcpa_regf", {"agency"}),
        ("us.irs_501r", {"nonprofit_hospital"}),
        ("us.hipaa", ORGANIZATIONS),
        ("us.tcpa", ORGANIZATIONS),
        ("us.credit_reporting", ORGANIZATIONS),
        ("provider.ethics", ORGANIZATIONS),
    ],
)
def test_federal_packs_reach_the_right_organizations(pack: str, organizations: set[str]) -> None:
    for r in packs()[pack].rules:
        found = applies(pack, r)
        assert {o.name for o in found.organizations} == organizations, r.rule_id
        assert found.jurisdictions == (), f"`{r.rule_id}` applies in every state"


@pytest.mark.parametrize("pack", [p for p in PACKS if p.startswith("state.")])
def test_state_rules_never_escape_their_state(pack: str) -> None:
    state = "US-" + pack.removeprefix("state.").upper()
    for r in packs()[pack].rules:
        places = [j.name for j in applies(pack, r).jurisdictions]
        assert places, f"`{r.rule_id}` would apply everywhere"
        assert all(p == state or p.startswith(state + "-") for p in places), r.rule_id


@pytest.mark.parametrize(
    ("rule_id", "organizations", "jurisdictions"),
    [
        ("MA-940CMR-7.04-CALLS", ORGANIZATIONS, {"US-MA"}),
        ("MA-209CMR-18.16", {"agency"}, {"US-MA"}),
        ("CA-ROSENTHAL", {"agency"}, {"US-CA"}),
        ("NYC-DCWP-LANGUAGE", {"agency"}, {"US-NY-NYC"}),
        ("NYC-DCWP-2024-AMENDMENTS", ORGANIZATIONS, {"US-NY-NYC"}),
        ("CREDIT-NY-FMDRA", ORGANIZATIONS, {"US-NY"}),
    ],
)
def test_rules_that_reach_other_collectors(rule_id: str, organizations: set[str], jurisdictions: set[str]) -> None:
    pack = next(p for p, r in rules() if r.rule_id == rule_id)
    found = applies(pack, rule(rule_id))
    assert {o.name for o in found.organizations} == organizations
    assert {j.name for j in found.jurisdictions} == jurisdictions


@pytest.mark.parametrize(
    ("rule_id", "start"),
    [
        ("NYC-DCWP-2024-AMENDMENTS", dt.date(2026, 9, 1)),
        ("TCPA-REVOKE", dt.date(2025, 4, 11)),
        ("CREDIT-CA-SB1061", dt.date(2025, 1, 1)),
        ("CREDIT-NY-FMDRA", dt.date(2023, 12, 13)),
    ],
)
def test_dated_rules_start_when_the_catalog_says(rule_id: str, start: dt.date) -> None:
    assert rule(rule_id).effective_from == start
    assert rule(rule_id).effective_until is None


def test_only_the_catalogs_dates_are_used() -> None:
    dated = {r.rule_id for _, r in rules() if r.effective_from or r.effective_until}
    assert dated == {"NYC-DCWP-2024-AMENDMENTS", "TCPA-REVOKE", "CREDIT-CA-SB1061", "CREDIT-NY-FMDRA"}


# ---------------------------------------------------------------- the catalog's numbers


@pytest.mark.parametrize(
    ("rule_id", "constraint"),
    [
        ("REGF-FREQ-7IN7", "limit call, voicemail to 7 per debt per 7 days"),
        ("REGF-FREQ-POSTCONV-7D", "after conversation no call, voicemail per debt for 7 days"),
        ("REGF-TIME-8TO9", "contact only between 08:00 and 21:00 local"),
        ("REGF-VALIDATION-TIMING", "require validation_notice within 5 days after first_communication"),
        ("REGF-PASSIVE-COLLECTION", "wait 14 days after letter_sent before credit_report"),
        ("IRS501R-ECA-120", "wait 120 days after first_statement before eca"),
        ("IRS501R-ECA-30DAY", 'require notice "eca_notice" 30 days before eca'),
        ("CREDIT-NCRA-365", "wait 365 days after delinquency before credit_report"),
        ("CREDIT-NCRA-500", "forbid credit_report when original_balance < $500"),
        ("MA-940CMR-7.04-CALLS", "limit call, sms, voicemail to 2 per debt per 7 days at personal"),
        ("WA-RCW-19.16.250", "limit contact to 3 per patient per 1 week"),
        ("CA-HSC-127425", "wait 180 days after first_statement before eca"),
        ("NYC-DCWP-2024-AMENDMENTS", "limit contact to 3 per patient per 7 days"),
    ],
)
def test_numbers_are_the_catalogs(rule_id: str, constraint: str) -> None:
    # The pack's first constraint reads exactly as written here: the numbers come from the catalog.
    assert rule(rule_id).constraint == constraint_line(constraint)


@pytest.mark.parametrize(
    ("rule_id", "lines"),
    [
        ("REGF-FREQ-REBUT", ("limit call to 1 per patient per 5 minutes", "limit call to 6 per patient per 1 day")),
        (
            "REGF-MINI-MIRANDA",
            (
                "require content mini_miranda in call, sms, email, letter, chat on first communication",
                "require content debt_collector in call, sms, email, letter, chat on later communications",
            ),
        ),
        (
            "MA-940CMR-7.04-CALLS",
            (
                "limit call, sms, voicemail to 2 per debt per 7 days at personal",
                "limit call, sms, voicemail to 2 per debt per 30 days at other",
            ),
        ),
        (
            "MA-209CMR-18.16",
            (
                "limit call, sms to 2 per debt per 7 days at personal",
                "limit call, sms to 2 per debt per 30 days at other",
                "contact only between 08:00 and 21:00 local",
            ),
        ),
        (
            "WA-RCW-19.16.250",
            (
                "limit contact to 3 per patient per 1 week",
                "limit contact to 1 per patient per 1 week at work",
                "contact only between 07:30 and 21:00 local",
            ),
        ),
        (
            "NYC-DCWP-2024-AMENDMENTS",
            (
                "limit contact to 3 per patient per 7 days",
                "require consent email for email",
                "require consent sms for sms",
            ),
        ),
        ("IRS501R-ECA-30DAY", ('require notice "eca_notice" 30 days before eca', "require content fap in eca_notice")),
    ],
)
def test_every_constraint_of_a_several_constraint_rule_is_the_catalogs(rule_id: str, lines: tuple[str, ...]) -> None:
    # Each constraint reads exactly as written here, in this order (catalog section 1, 3, 6 and 8).
    assert rule(rule_id).constraints == tuple(constraint_line(line) for line in lines)


def test_only_these_rules_hold_several_constraints() -> None:
    several = {r.rule_id for _, r in rules() if len(r.constraints) > 1}
    assert several == {
        "REGF-FREQ-REBUT",
        "REGF-MINI-MIRANDA",
        "MA-940CMR-7.04-CALLS",
        "MA-209CMR-18.16",
        "WA-RCW-19.16.250",
        "NYC-DCWP-2024-AMENDMENTS",
        "IRS501R-ECA-30DAY",
        "CREDIT-CO-HB23-1126",
    }


@pytest.mark.parametrize("name", PACKS)
def test_no_pack_keeps_a_constraint_in_a_comment(name: str) -> None:
    # A rule may hold several constraints now: a law's second half is a constraint, or the README says why not.
    text = (POLICIES / f"{name}.parley").read_text(encoding="utf-8")
    commented = re.compile(r"^\s*#\s*(limit|require|contact only|forbid|hold|wait|after) ")
    assert not [line for line in text.splitlines() if commented.match(line)]


@NEEDS_CATALOG
def test_every_pack_rule_is_a_catalog_rule_or_ours() -> None:
    unknown = [r.rule_id for _, r in rules() if r.rule_id not in catalog_sections()]
    assert all(rule_id.startswith(ETHICS_PREFIX) for rule_id in unknown), unknown


@NEEDS_CATALOG
def test_every_catalog_rule_is_in_a_pack_or_listed_as_not_expressible() -> None:
    in_packs = {r.rule_id for _, r in rules()}
    missing = set(catalog_sections()) - in_packs - not_expressible_ids()
    assert not missing, f"catalog rules neither in a pack nor in policies/README.md: {sorted(missing)}"


@NEEDS_CATALOG
def test_split_headings_give_the_compliance_readmes_ids() -> None:
    ids = set(catalog_sections())
    split = {"REGF-TIME-8TO9", "REGF-EMAIL-PROCEDURES", "REGF-TEXT-PROCEDURES", "REGF-DELIVERY", "ESIGN-CONSENT"}
    assert split | {"CREDIT-NCRA-PAID", "CREDIT-NCRA-365", "CREDIT-NCRA-500"} <= ids
    assert "FDCPA-TIME-8TO9" not in ids


@NEEDS_CATALOG
def test_rules_whose_catalog_entry_is_unconfirmed_say_so() -> None:
    sections = catalog_sections()
    unconfirmed = [r for _, r in rules() if "UNCONFIRMED" in sections.get(r.rule_id, "")]
    assert len(unconfirmed) >= 10, "the catalog marks many of these rules UNCONFIRMED"
    silent = [r.rule_id for r in unconfirmed if "UNCONFIRMED" not in (r.description or "")]
    assert not silent, f"these rules rest on UNCONFIRMED facts but do not say so: {silent}"


@NEEDS_CATALOG
def test_not_expressible_rules_are_catalog_rules_and_not_in_packs() -> None:
    listed = not_expressible_ids()
    assert listed <= set(catalog_sections())
    assert not listed & {r.rule_id for _, r in rules()}


# ---------------------------------------------------------------- the README


def test_readme_lists_every_rule_with_its_pack_and_kind() -> None:
    table = {row[0]: row[1:] for row in table_rows(readme_section("Every rule"))}
    for pack, r in rules():
        assert r.rule_id in table, f"`{r.rule_id}` is missing from policies/README.md"
        listed_pack, kind, checked = table[r.rule_id]
        assert listed_pack == pack, r.rule_id
        assert kind == kind_names(r), r.rule_id
        assert checked in ("static", "run time", "both", "never (vacated)"), r.rule_id
    assert set(table) == {r.rule_id for _, r in rules()}, "the README lists a rule no pack has"


def test_readme_counts_each_packs_rules() -> None:
    counts = {row[0]: row[-1] for row in table_rows(README.read_text(encoding="utf-8").split("## ")[0])}
    assert counts == {name: str(len(policy.rules)) for name, policy in packs().items()}


def test_readme_lists_every_added_constraint_with_what_enforces_it() -> None:
    rows = table_rows(readme_section("Rules with several constraints"))
    listed = [(row[0], constraint_line(row[1])) for row in rows]
    added = [(r.rule_id, c) for _, r in rules() if len(r.constraints) > 1 for c in r.constraints[1:]]
    assert sorted(listed, key=repr) == sorted(added, key=repr)
    for row in rows:
        assert row[2] and row[3], f"say what the checker and the guard do with `{row[1]}`"
