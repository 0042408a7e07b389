"""Content checks, table-driven over tests/fixtures/checks/content/*.parley and its templates.

The fixtures use the header of tests/test_checks_timing.py (`# pack:`, `# expect:`, `# why:`,
`# templates: none`); expected spans name the template file (`templates/NAME/LANG.j2:line:col`),
because a content finding points at the words in the template, not at the strategy.
"""

from __future__ import annotations

import pytest
from test_checks_timing import Case, cases, findings, golden_check, run_case

from dsl.checks.template_content import THREATS, hits, readable_text
from dsl.templates import read_template

CONTENT = cases("content")


@pytest.mark.parametrize("case", CONTENT, ids=lambda c: c.path.stem)
def test_content_fixture(case: Case) -> None:
    run_case(case)


def test_every_content_rule_has_a_break_and_a_near_miss() -> None:
    broken = {line.split()[0] for case in CONTENT for line in case.expected} - {"CONTENT-SKIPPED"}
    quiet = {pack for case in CONTENT if not case.expected for pack in case.packs}
    assert broken, "no breaking fixture"
    assert broken <= quiet, f"rules without a near miss: {sorted(broken - quiet)}"


@pytest.mark.parametrize("case", [c for c in CONTENT if c.expected and c.with_templates], ids=lambda c: c.path.stem)
def test_content_findings_name_the_step_or_handler_that_sends_the_template(case: Case) -> None:
    _, compliance = findings(case)
    for diagnostic in compliance:
        assert diagnostic.span.file.startswith("templates/")
        assert "sent by step `" in diagnostic.message or "sent by the `on " in diagnostic.message, diagnostic.message


@pytest.mark.parametrize("case", [c for c in CONTENT if c.expected], ids=lambda c: c.path.stem)
def test_content_finding_reads_as_its_golden_text(case: Case) -> None:
    golden_check(case)


THREAT_CASES = [
    ("en", "Pay now to avoid legal action.", ["legal action"]),
    ("en", "If you do not pay, legal action will follow.", ["legal action"]),
    ("en", "We will not take legal action.", []),
    ("en", "There is no deadline and no lawsuit.", []),
    ("en", "This is your FINAL\nNOTICE.", ["FINAL NOTICE"]),
    ("en", "We may garnish your wages.", ["garnish"]),
    ("en", "Nonpayment may hurt your credit.", ["hurt your credit"]),
    ("es", "Podría ir a la cárcel.", ["cárcel"]),
    ("es", "Tomaremos acción legal.", ["acción legal"]),
    ("es", "No habrá acción legal.", []),
    ("en", "Call {{ org.phone }} about your lawsuit_free plan.", []),
    ("en", "{{ legal.action }} is a variable, not words.", []),
    ("en", "Nuestro abogado tomará acción legal.", []),  # English templates are read with English words
    ("vi", "We may take legal action.", ["legal action"]),  # a language without tables: every table
]


@pytest.mark.parametrize(("language", "body", "said"), THREAT_CASES)
def test_threat_words_are_read_outside_template_marks_and_denials(language: str, body: str, said: list[str]) -> None:
    template, _ = read_template("t", language, f"---\nchannels: [sms]\n---\n{body}\n", "t.j2")
    assert [hit.text for hit in hits(template, THREATS)] == said


def test_front_matter_is_not_read_but_an_email_subject_is() -> None:
    text = "---\nchannels: [email]\nsubject: Final notice\ndescription: legal action\n---\nHello\n"
    template, _ = read_template("t", "en", text, "t.j2")
    assert "legal action" not in readable_text(template)
    assert [hit.text for hit in hits(template, THREATS)] == ["Final notice"]
