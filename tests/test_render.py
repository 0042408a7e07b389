"""Rendering messages: every template renders in each language, money and dates go through Babel,
and every failure names the template and the variable."""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsl.schema import DISCLOSURES, TEMPLATE_VARIABLES
from dsl.templates import CUSTOM_FILTERS, TemplateSet, build_template_set
from runtime.files import load_templates
from runtime.render import (
    DATE_VARIABLES,
    MONEY_VARIABLES,
    RenderedMessage,
    RenderError,
    environment,
    load_disclosure_wording,
    read_disclosure_wording,
    render_message,
    wording_for,
)

ROOT = Path(__file__).resolve().parents[1]

# Wording for tests only; the real wording belongs to the policy packs.
WORDING = {key: f"[{key} wording]" for key in DISCLOSURES}
VALUES: dict[str, Any] = {
    "patient.first_name": "Ana",
    "provider.facility_name": "Springside Clinic",
    "invoice.service_date": "2026-03-05",
    "account.reference": "A-1001",
    "agent.name": "Sam",
    "account.balance": Decimal("1250"),
    "account.original_balance": 1400,
    "account.due_date": date(2026, 4, 1),
    "account.last_payment_amount": "50.5",
    "account.last_payment_date": "2026-02-01",
    "plan.monthly_payment": 75,
    "plan.months": 12,
    "plan.first_payment_date": "2026-04-01",
    "plan.next_payment_date": "2026-05-01",
    "plan.missed_amount": 75,
    "links.portal": "https://portal.example/a",
    "links.pay": "https://portal.example/pay",
    "links.plan": "https://portal.example/plan",
    "links.fap": "https://portal.example/fap",
    "links.dispute": "https://portal.example/dispute",
    "org.name": "Springside Billing",
    "org.phone": "555-0100",
    "org.email": "billing@example.org",
    "org.hours": "9 to 5",
    "org.address": "1 Main St",
}


def one_template(text: str, name: str = "t", language: str = "en") -> TemplateSet:
    """A template set holding one template made from `text`."""
    templates, problems = build_template_set({(name, language): (text, f"{name}/{language}.j2")})
    assert not [p for p in problems if p.severity == "error"], problems
    return templates


@pytest.fixture(scope="module")
def templates() -> TemplateSet:
    templates, _ = load_templates(ROOT / "templates")
    return templates


def test_the_values_cover_every_variable_but_phi_and_disclosures() -> None:
    plain = {p for p, v in TEMPLATE_VARIABLES.items() if v.category not in ("phi", "disclosure")}
    assert plain == set(VALUES)
    assert {*MONEY_VARIABLES, *DATE_VARIABLES} <= set(VALUES)


def test_every_custom_filter_is_registered() -> None:
    assert set(CUSTOM_FILTERS) <= set(environment("en_US").filters)


def test_every_template_renders_in_each_language_and_channel(templates: TemplateSet) -> None:
    rendered = 0
    for template in templates:
        for channel in template.channels or ("letter",):
            message = render_message(templates, template.name, template.language, channel, VALUES, WORDING)
            assert "{{" not in message.body and "None" not in message.body
            for key in template.disclosures:
                assert f"[{key} wording]" in message.body
            assert message.disclosures == template.disclosures
            assert (message.html is not None) == (channel == "email")
            rendered += 1
    assert rendered >= 90


@pytest.mark.parametrize(
    ("language", "money", "day"),
    [
        ("en", "$1,250.00", "March 5, 2026"),
        ("es", "$1,250.00", "5 de marzo de 2026"),
        ("vi", "1.250,00\xa0US$", "5 tháng 3, 2026"),
    ],
)
def test_money_and_dates_in_the_patients_language(language: str, money: str, day: str) -> None:
    templates = one_template("{{ account.balance | money }} / {{ invoice.service_date | date }}", language=language)
    message = render_message(templates, "t", language, "sms", VALUES, WORDING)
    assert message.body == f"{money} / {day}"


@pytest.mark.parametrize(
    ("text", "values", "variable", "words"),
    [
        ("Hi {{ patient.first_name }}", {}, "patient.first_name", "has no value (line 1)"),
        ("Hi {{ patient.first_name }}", {"patient": {"first_name": None}}, "patient.first_name", "has no value"),
        ("---\nchannels: [sms]\n---\n\n{{ org.name }}", {}, "org.name", "(line 5)"),
        ("{{ account.balance | money }}", {"account.balance": "lots"}, "account.balance", "not an amount"),
        ("{{ account.balance | money }}", {"account.balance": float("nan")}, "account.balance", "not an amount"),
        ("{{ invoice.service_date | date }}", {"invoice.service_date": "soon"}, "invoice.service_date", "not a date"),
        ("{{ org.name }}", {"org.name": object()}, "org.name", "not text, a number or a date"),
        ("{{ disclosure.opt_out }}", {}, "disclosure.opt_out", "no `en` wording"),
        ("{{ disclosure.opt_outt }}", {}, "disclosure.opt_outt", "did you mean `opt_out`?"),
    ],
)
def test_a_failure_names_the_template_and_the_variable(
    text: str, values: dict[str, Any], variable: str, words: str
) -> None:
    templates = one_template(text, name="reminder")
    wording = {} if "disclosure.opt_out }}" in text else WORDING
    with pytest.raises(RenderError) as raised:
        render_message(templates, "reminder", "en", "sms", values, wording)
    assert raised.value.variable == variable
    assert raised.value.template == "reminder"
    assert f"`{variable}`" in str(raised.value) and words in str(raised.value)
    assert str(raised.value).startswith("template `reminder` (en): ")


@pytest.mark.parametrize(
    ("name", "language", "channel", "words"),
    [
        ("hospital_statement_email", "ko", "email", "no `ko` version (there is `en`, `es`, `vi`)"),
        ("hospital_statement_emial", "en", "email", "did you mean `hospital_statement_email`?"),
        ("hospital_statement_email", "en", "sms", "may not go by `sms` (only `email`)"),
    ],
)
def test_a_template_that_cannot_be_found_or_may_not_go(
    templates: TemplateSet, name: str, language: str, channel: str, words: str
) -> None:
    with pytest.raises(RenderError, match=words.replace("(", r"\(").replace(")", r"\)")):
        render_message(templates, name, language, channel, VALUES, WORDING)


def test_the_sandbox_refuses_python_internals() -> None:
    for text in ("{{ org.name.__class__.__mro__ }}", "{{ ''.__class__.__mro__[1].__subclasses__() }}"):
        with pytest.raises(RenderError, match=r"^template `t` \(en\): "):
            render_message(one_template(text), "t", "en", "sms", VALUES, WORDING)


def test_an_unreadable_template_is_an_error() -> None:
    templates, _ = build_template_set({("t", "en"): ("{{ org.name ", "t/en.j2")})
    with pytest.raises(RenderError, match="cannot be read"):
        render_message(templates, "t", "en", "sms", VALUES, WORDING)


def test_a_caller_cannot_replace_the_packs_wording() -> None:
    templates = one_template("{{ disclosure.debt_collector }}")
    values = {**VALUES, "disclosure": {"debt_collector": "nothing to see"}}
    message = render_message(templates, "t", "en", "sms", values, WORDING)
    assert message.body == "[debt_collector wording]"


def test_wording_shows_variables_in_the_patients_language() -> None:
    templates = one_template("{{ disclosure.opt_out }}", language="es")
    wording = {"opt_out": "Llame al {{ org.phone }} antes del {{ account.due_date | date }}."}
    message = render_message(templates, "t", "es", "sms", VALUES, wording)
    assert message.body == "Llame al 555-0100 antes del 1 de abril de 2026."


def test_email_html_escapes_everything() -> None:
    templates = one_template(
        "---\nchannels: [email]\nsubject: For {{ patient.first_name }}\n---\nA & B\n\n{{ org.name }}"
    )
    values = {**VALUES, "patient.first_name": "<Ana>", "org.name": "<script>x</script>"}
    message = render_message(templates, "t", "en", "email", values, WORDING)
    assert message.subject == "For <Ana>"
    assert message.html is not None
    assert "<p>A &amp; B</p>" in message.html and "&lt;script&gt;" in message.html and "<script>" not in message.html


def test_a_message_survives_json() -> None:
    message = RenderedMessage("t", "es", "email", "cuerpo", "asunto", "<p>cuerpo</p>", ("opt_out",))
    assert RenderedMessage.from_json(message.to_json()) == message


BOOK = """
[en]
debt_collector = "This communication is from a debt collector."
opt_out = "To stop messages to this address, tell us at {{ org.phone }}."
[en.sms]
opt_out = "Reply STOP to stop texts to this telephone number."
[es]
"""


def test_disclosure_wording_is_read_from_toml() -> None:
    book = read_disclosure_wording(BOOK)
    assert wording_for(book, "en", "sms") == {
        "debt_collector": "This communication is from a debt collector.",
        "opt_out": "Reply STOP to stop texts to this telephone number.",
    }
    assert wording_for(book, "en", "email")["opt_out"].startswith("To stop messages")
    assert wording_for(book, "es", "sms") == {} and wording_for(book, "vi", "sms") == {}


def test_a_wording_file_is_named_in_its_errors(tmp_path: Path) -> None:
    path = tmp_path / "disclosures.toml"
    path.write_text(BOOK)
    assert load_disclosure_wording(path)["en"]["sms"]["opt_out"].startswith("Reply STOP")
    path.write_text("[en\n")
    with pytest.raises(ValueError, match=r"disclosures\.toml`: "):
        load_disclosure_wording(path)
    with pytest.raises(ValueError, match=r"missing\.toml`: "):
        load_disclosure_wording(tmp_path / "missing.toml")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('[en]\nopt_outt = "x"\n', r"`en.opt_outt` is not a disclosure; did you mean `opt_out`\?"),
        ('[en]\nopt_out = ""\n', "`en.opt_out` must be non-empty text"),
        ("[en]\nopt_out = 3\n", "`en.opt_out` must be non-empty text"),
        ('[en.smss]\nopt_out = "x"\n', r"`en.smss` is not a channel; did you mean `sms`\?"),
        ('[en.sms]\nopt_oat = "x"\n', "`en.sms.opt_oat` is not a disclosure"),
        ('en = "x"\n', "`en` must be a table"),
    ],
)
def test_bad_disclosure_wording_is_named(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        read_disclosure_wording(text)


def test_the_book_fills_a_real_template(templates: TemplateSet) -> None:
    book = read_disclosure_wording(BOOK)
    message = render_message(templates, "agency_intro_text", "en", "sms", VALUES, wording_for(book, "en", "sms"))
    assert message.body.endswith(
        "This communication is from a debt collector. Reply STOP to stop texts to this telephone number."
    )
    with pytest.raises(RenderError, match=r"no `es` wording for `disclosure\.debt_collector`"):
        render_message(templates, "agency_intro_text", "es", "sms", VALUES, wording_for(book, "es", "sms"))


@settings(max_examples=200, deadline=None)
@given(name=st.text(min_size=1, max_size=40).filter(lambda t: t.strip() == t and t.strip()))
def test_a_value_is_shown_as_itself_never_run(name: str) -> None:
    templates = one_template("---\nchannels: [email]\n---\nHi {{ patient.first_name }}!")
    message = render_message(templates, "t", "en", "email", {**VALUES, "patient.first_name": name}, WORDING)
    assert message.body == f"Hi {name}!"  # `{{ 7 * 7 }}` in a name stays `{{ 7 * 7 }}`
    assert message.html is not None
    if "\n" not in name:  # a blank line would start a new paragraph
        assert html.escape(name) in message.html


@settings(max_examples=100, deadline=None)
@given(amount=st.decimals(min_value=0, max_value=10**7, places=2), language=st.sampled_from(["en", "es", "vi"]))
def test_money_keeps_every_cent(amount: Decimal, language: str) -> None:
    templates = one_template("{{ account.balance | money }}", language=language)
    body = render_message(templates, "t", language, "sms", {**VALUES, "account.balance": amount}, WORDING).body
    digits = "".join(c for c in body if c.isdigit())
    assert int(digits) == int(amount * 100)
