"""The shipped wording book (`policies/disclosures.toml`): every shipped template renders with it in
each of its languages and channels, with the packs' wording, not a placeholder, in the message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_render import VALUES

from dsl.schema import TEMPLATE_VARIABLES
from runtime.files import load_templates
from runtime.render import load_disclosure_wording, render_message, wording_for

ROOT = Path(__file__).resolve().parents[1]
BOOK = load_disclosure_wording(ROOT / "policies" / "disclosures.toml")
TEMPLATES, _ = load_templates(ROOT / "templates")
# Wording no compliance officer has confirmed yet: templates that need it must refuse to render.
UNWRITTEN = {"ca_license", "co_medical_credit"}
CASES = [
    (template.name, template.language, channel)
    for name in TEMPLATES.names()
    for language in TEMPLATES.languages_of(name)
    if (template := TEMPLATES.get(name, language)) is not None
    for channel in template.channels
]


def test_every_template_language_and_channel_is_covered() -> None:
    assert len(CASES) >= 90
    assert {language for _, language, _ in CASES} == {"en", "es", "vi"}


@pytest.mark.parametrize(("name", "language", "channel"), CASES)
def test_each_template_renders_with_the_shipped_wording(name: str, language: str, channel: str) -> None:
    template = TEMPLATES.get(name, language)
    assert template is not None
    if UNWRITTEN & set(template.disclosures):
        pytest.skip(f"`{name}` needs wording no compliance officer has written yet")
    wording = wording_for(BOOK, language, channel)
    message = render_message(TEMPLATES, name, language, channel, VALUES, wording)
    for key in template.disclosures:
        first_words = wording[key].split("{{")[0].strip()[:20]
        assert first_words in message.body, f"the {key} wording is missing from {name}/{language} by {channel}"
    assert "{{" not in message.body


def test_the_text_opt_out_is_the_catalogs_sufficient_example() -> None:
    # REGF-OPTOUT-NOTICE: "Reply STOP to stop texts to this telephone number." is a sufficient example.
    assert wording_for(BOOK, "en", "sms")["opt_out"] == "Reply STOP to stop texts to this telephone number."


def test_every_language_has_the_same_keys_as_english_except_new_york_wording() -> None:
    english = set(BOOK["en"]) - {"language_access"}
    for language in ("es", "vi"):
        assert english <= set(BOOK[language]), language


def test_wording_uses_only_variables_the_schema_knows() -> None:
    for language, table in BOOK.items():
        for key, value in table.items():
            texts = value.values() if isinstance(value, dict) else [value]
            for text in texts:
                for used in re.findall(r"{{\s*([a-z_.]+)\s*}}", text):
                    assert used in TEMPLATE_VARIABLES, f"{language}.{key} uses `{used}`"
