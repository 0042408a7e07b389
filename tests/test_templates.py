"""Templates read without running them: front matter, variables with their places, and the folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsl.diagnostics import Severity
from dsl.templates import Template, TemplateSet, build_template_set, check_template
from runtime.files import load_policies, load_templates


def read(text: str, name: str = "t", language: str = "en") -> tuple[Template, list]:
    """One template from text, and the problems found while reading it."""
    templates, problems = build_template_set({(name, language): (text, f"tpl/{name}/{language}.j2")})
    template = templates.get(name, language)
    assert template is not None
    return template, problems


# ---------------------------------------------------------------- front matter

FRONT_MATTER = [
    ("list", "---\nchannels: [sms, email]\n---\nHi\n", ("sms", "email")),
    ("one-word", "---\nchannels: sms\n---\nHi\n", ("sms",)),
    ("quoted", "---\nchannels: ['letter', \"email\"]\n---\nHi\n", ("letter", "email")),
    ("comment-and-blank", "---\n# where it goes\n\nchannels: [call]\n---\nHi\n", ("call",)),
    ("none", "Hi\n", ()),
]


@pytest.mark.parametrize(("text", "channels"), [c[1:] for c in FRONT_MATTER], ids=[c[0] for c in FRONT_MATTER])
def test_front_matter_channels(text: str, channels: tuple[str, ...]) -> None:
    template, problems = read(text)
    assert template.channels == channels
    assert template.declares_channels == bool(channels)
    assert problems == []


PROBLEMS = [
    # (id, text, severity, line, column, fragment)
    ("unknown-channel", "---\nchannels: [sms, emial]\n---\nHi\n", Severity.ERROR, 2, 17, "did you mean `email`?"),
    ("unknown-key", "---\nchanels: [sms]\n---\nHi\n", Severity.WARNING, 2, 1, "did you mean `channels`?"),
    ("not-key-value", "---\nchannels [sms]\n---\nHi\n", Severity.ERROR, 2, 1, "is not `key: value`"),
    ("unclosed", "---\nchannels: [sms]\nHi\n", Severity.ERROR, 1, 1, "no closing `---`"),
    ("syntax", "---\nchannels: [sms]\n---\nHi\n{{ patient.first_name\n", Severity.ERROR, 5, 1, "cannot be read"),
    ("bad-tag", "Hi {% iff x %}{% endif %}\n", Severity.ERROR, 1, 1, "unknown tag 'iff'"),
]


@pytest.mark.parametrize(
    ("text", "severity", "line", "column", "fragment"), [c[1:] for c in PROBLEMS], ids=[c[0] for c in PROBLEMS]
)
def test_reading_problems(text: str, severity: Severity, line: int, column: int, fragment: str) -> None:
    _template, problems = read(text)
    assert len(problems) == 1, [p.message for p in problems]
    (problem,) = problems
    assert (problem.rule, problem.severity, problem.span.line, problem.span.column) == (
        "TEMPLATE",
        severity,
        line,
        column,
    )
    assert problem.span.file == "tpl/t/en.j2"
    assert fragment in problem.message or fragment in (problem.hint or "")
    assert not problem.message.endswith(".")


def test_a_template_that_cannot_be_read_is_kept_as_unreadable() -> None:
    template, _problems = read("{% if %}")
    assert not template.readable and template.variables == ()


def test_an_unknown_language_is_a_warning() -> None:
    _template, problems = read("---\nchannels: [sms]\n---\nHi\n", language="klingon")
    assert [(p.severity, p.rule) for p in problems] == [(Severity.WARNING, "TEMPLATE")]


# ---------------------------------------------------------------- variables and filters

BODY = """---
channels: [email]
subject: Your bill at {{ provider.facility_name }}
---
Hi {{ patient.first_name }}, you owe {{ account.balance | money }}.
{% for line in lines %}{{ line.amount }} {{ loop.index }}{% endfor %}{% set total = 1 %}{{ total }}
{{ org.name.upper() }} {{ patient["first_name"] }} {{ disclosure.opt_out }}
"""


def test_variables_are_dotted_paths_in_text_order_without_local_names() -> None:
    template, problems = read(BODY)
    assert problems == []
    assert template.variables == (
        "provider.facility_name",
        "patient.first_name",
        "account.balance",
        "lines",
        "org.name",
        "disclosure.opt_out",
    )
    assert template.filters == ("money",)
    assert template.disclosures == ("opt_out",)
    assert template.text.startswith("Hi {{ patient.first_name }}")


@pytest.mark.parametrize(
    ("variable", "line", "column", "end_column"),
    [
        ("provider.facility_name", 3, 26, 48),  # in the subject line
        ("patient.first_name", 5, 7, 25),
        ("account.balance", 5, 41, 56),
        ("org.name", 7, 4, 12),
        ("disclosure.opt_out", 7, 55, 73),
        ("never.used", 1, 1, 4),  # the first line when it is not there
    ],
)
def test_span_of_points_into_the_template_file(variable: str, line: int, column: int, end_column: int) -> None:
    template, _ = read(BODY)
    span = template.span_of(variable)
    assert (span.file, span.line, span.column, span.end_column) == ("tpl/t/en.j2", line, column, end_column)


def test_a_repeated_name_on_one_line_points_at_each_use() -> None:
    template, _ = read("{{ patient.first_name }} and {{ patient }}\n")
    assert [(u.path, u.span.column) for u in template.uses] == [("patient.first_name", 4), ("patient", 33)]


CHECKS = [
    # (id, body, findings as (line, column, fragment))
    ("clean", "{{ patient.first_name }} {{ account.balance | money }} {{ invoice.diagnosis }}", []),
    ("typo", "{{ patient.firstname }}", [(1, 4, "did you mean `patient.first_name`?")]),
    ("group", "{{ org }}", [(1, 4, "`org` is a group of values")]),
    ("filter", "{{ account.balance | mony }}", [(1, 22, "did you mean `money`?")]),
    ("once", "{{ nope }} {{ nope }}", [(1, 4, "`nope` is not a template variable")]),
]


@pytest.mark.parametrize(("body", "expected"), [c[1:] for c in CHECKS], ids=[c[0] for c in CHECKS])
def test_check_template(body: str, expected: list[tuple[int, int, str]]) -> None:
    template, _ = read(body + "\n")
    findings = check_template(template)
    assert len(findings) == len(expected), [f.message for f in findings]
    for finding, (line, column, fragment) in zip(findings, expected, strict=True):
        assert (finding.rule, finding.span.line, finding.span.column) == ("TEMPLATE", line, column)
        assert fragment in finding.message or fragment in (finding.hint or "")


def test_template_set_lookup() -> None:
    files = {(n, lang): ("Hi\n", f"{n}/{lang}.j2") for n in ("b", "a") for lang in ("es", "en")}
    templates, _ = build_template_set(files)
    assert templates.names() == ("a", "b")
    assert templates.languages_of("a") == ("en", "es")
    assert templates.languages_of("missing") == ()
    assert templates.get("a", "vi") is None
    assert [(t.name, t.language) for t in templates] == [("a", "en"), ("a", "es"), ("b", "en"), ("b", "es")]
    assert len(TemplateSet()) == 0


# ---------------------------------------------------------------- the folders


def test_load_templates_reads_name_slash_language(tmp_path: Path) -> None:
    (tmp_path / "reminder").mkdir()
    (tmp_path / "reminder" / "en.j2").write_text("---\nchannels: [sms]\n---\nHi\n")
    (tmp_path / "reminder" / "notes.txt").write_text("not a template")
    (tmp_path / "reminder" / "es.j2").write_bytes(b"\xff\xfe")
    templates, problems = load_templates(tmp_path)
    assert templates.languages_of("reminder") == ("en",)
    assert [(p.rule, "UTF-8" in p.message) for p in problems] == [("FILE", True)]


def test_load_templates_from_a_missing_folder(tmp_path: Path) -> None:
    templates, problems = load_templates(tmp_path / "nowhere")
    assert len(templates) == 0 and [p.rule for p in problems] == ["FILE"]


def test_load_policies_keeps_clean_packs_and_reports_the_rest(tmp_path: Path) -> None:
    design = Path(__file__).parent / "fixtures" / "design"
    (tmp_path / "us").mkdir()
    (tmp_path / "us" / "fdcpa.parley").write_text((design / "policy.parley").read_text())
    (tmp_path / "typo.parley").write_text(
        'policy "t" title "t"\n  rule "X" cites "c"\n    limit cal to 1 per debt per 1 day\n  end\nend\n'
    )
    (tmp_path / "strategy.parley").write_text((design / "strategy.parley").read_text())
    (tmp_path / "broken.parley").write_text("policy\n")
    policies, findings = load_policies(tmp_path)
    assert [p.name for p in policies] == ["us.fdcpa_regf"]
    assert sorted((Path(f.span.file).name, f.rule) for f in findings) == [
        ("broken.parley", "PARSE"),
        ("strategy.parley", "FILE"),
        ("typo.parley", "NAME"),
    ]
