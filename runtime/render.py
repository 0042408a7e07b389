"""Rendering a message from a template: the body (and an email's subject) in the patient's language.

Templates are `templates/NAME/LANG.j2` (`dsl.templates`). They are rendered by Jinja2's
`SandboxedEnvironment` with `StrictUndefined`, so a template cannot reach Python internals and a
variable without a value is an error, never an empty gap. Money, dates and percentages go through
Babel in the patient's language (`{{ account.balance | money }}` is `$1,250.00` in English and Spanish
for a patient in the United States, `1.250,00 US$` in Vietnamese).

`{{ disclosure.KEY }}` is filled with the wording the policy packs give for that key in the
patient's language (`disclosures`), so a template cannot get a disclosure wrong. The wording may
itself show template variables (`{{ org.phone }}`), rendered with the same values.

A template that cannot be rendered raises `RenderError` naming the template, its language and the
variable: the caller stores nothing, so no half-written message is ever queued.
"""

from __future__ import annotations

import functools
import html
import json
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_percent
from jinja2 import StrictUndefined, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from dsl.schema import DISCLOSURES, did_you_mean
from dsl.templates import Template, TemplateSet
from dsl.vocabulary import CHANNELS

# Patients are in the United States: Spanish uses US conventions (`$1,250.00`), not Spain's.
LOCALES: dict[str, str] = {"en": "en_US", "es": "es_US"}
CURRENCY = "USD"
# Template variables whose values are amounts or dates: checked and converted before rendering, so
# a bad value is an error naming the variable rather than a filter failing somewhere in the text.
MONEY_VARIABLES = frozenset(
    {
        "account.balance",
        "account.original_balance",
        "account.last_payment_amount",
        "plan.monthly_payment",
        "plan.missed_amount",
    }
)
DATE_VARIABLES = frozenset(
    {
        "invoice.service_date",
        "account.due_date",
        "account.last_payment_date",
        "plan.first_payment_date",
        "plan.next_payment_date",
    }
)
# Channels whose messages also get an HTML body.
HTML_CHANNELS = frozenset({"email"})


class RenderError(Exception):
    """A template could not be rendered; names the template, its language and the variable."""

    def __init__(self, template: str, language: str, message: str, variable: str | None = None) -> None:
        self.template = template
        self.language = language
        self.variable = variable
        self.message = message
        super().__init__(f"template `{template}` ({language}): {message}")


@dataclass(frozen=True)
class RenderedMessage:
    """One message ready to deliver: what the outbox stores and a channel sends."""

    template: str
    language: str
    channel: str
    body: str
    subject: str | None = None
    html: str | None = None
    disclosures: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The message as plain JSON (the outbox's `message` column)."""
        data = asdict(self)
        data["disclosures"] = list(self.disclosures)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RenderedMessage:
        """The message stored by `to_json`."""
        return cls(
            template=str(data["template"]),
            language=str(data["language"]),
            channel=str(data["channel"]),
            body=str(data["body"]),
            subject=data.get("subject"),
            html=data.get("html"),
            disclosures=tuple(data.get("disclosures", ())),
        )


def render_message(
    templates: TemplateSet,
    template_name: str,
    language: str,
    channel: str,
    variables: Mapping[str, Any],
    disclosures: Mapping[str, str],
) -> RenderedMessage:
    """Render `template_name` in `language` for `channel`; raises `RenderError`, never returns half a message.

    `variables` holds the values by dotted path (`{"patient.first_name": "Ana"}`) or nested
    (`{"patient": {"first_name": "Ana"}}`); `disclosures` the packs' wording in `language`, by key.
    """
    template = find_template(templates, template_name, language, channel)
    env = environment(locale_for(template_name, language))
    context = build_context(template, variables)
    context["disclosure"] = render_disclosures(env, template, disclosures, context)
    body = render_text(env, template, template.text, context).strip("\n")
    subject_text = dict(template.front_matter).get("subject")
    subject = render_text(env, template, subject_text, context).strip() if isinstance(subject_text, str) else None
    return RenderedMessage(
        template=template_name,
        language=language,
        channel=channel,
        body=body,
        subject=subject,
        html=to_html(body) if channel in HTML_CHANNELS else None,
        disclosures=template.disclosures,
    )


def find_template(templates: TemplateSet, name: str, language: str, channel: str) -> Template:
    """The readable template `name` in `language` that may go in `channel`."""
    template = templates.get(name, language)
    if template is None:
        known = templates.languages_of(name)
        if known:
            shown = ", ".join(f"`{code}`" for code in known)
            raise RenderError(name, language, f"there is no `{language}` version (there is {shown})")
        hint = did_you_mean(name, templates.names())
        raise RenderError(name, language, "there is no such template" + (f"; {hint}" if hint else ""))
    if not template.readable:
        raise RenderError(name, language, "the template cannot be read; run `parley check` for the details")
    if template.declares_channels and channel not in template.channels:
        allowed = ", ".join(f"`{c}`" for c in template.channels)
        raise RenderError(name, language, f"the template may not go by `{channel}` (only {allowed})")
    return template


# ---------------------------------------------------------------- values


def build_context(template: Template, variables: Mapping[str, Any]) -> dict[str, Any]:
    """Nested values for Jinja2, each amount and date converted, every variable the template shows present."""
    # A None is a missing value (StrictUndefined would let it through as the text `None`).
    flat = {path: value for path, value in flatten(variables).items() if value is not None}
    context: dict[str, Any] = {}
    for path, value in flat.items():
        if path.startswith("disclosure."):
            continue  # INVARIANT: disclosure wording comes only from the packs, never from the caller
        set_path(context, path, convert(template, path, value))
    for use in template.uses:
        if use.path.startswith("disclosure.") or use.path in flat:
            continue
        if not any(key.startswith(use.path + ".") for key in flat):
            where = f" (line {use.span.line})" if use.span.known else ""
            raise RenderError(template.name, template.language, f"`{use.path}` has no value{where}", variable=use.path)
    return context


def flatten(variables: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"patient": {"first_name": "Ana"}}` as `{"patient.first_name": "Ana"}`."""
    flat: dict[str, Any] = {}
    for key, value in variables.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def set_path(context: dict[str, Any], path: str, value: Any) -> None:
    """Put `value` at the dotted `path` inside `context`."""
    *parents, last = path.split(".")
    node = context
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def convert(template: Template, path: str, value: Any) -> Any:
    """An amount as a Decimal, a date as a date; other values as plain text or numbers."""
    if path in MONEY_VARIABLES:
        amount = as_decimal(value)
        if amount is None:
            raise RenderError(template.name, template.language, f"`{path}` is not an amount of money", path)
        return amount
    if path in DATE_VARIABLES:
        day = as_date(value)
        if day is None:
            raise RenderError(template.name, template.language, f"`{path}` is not a date", path)
        return day
    if isinstance(value, str | int | float | Decimal | date):
        return value
    raise RenderError(template.name, template.language, f"`{path}` is not text, a number or a date", path)


def as_decimal(value: Any) -> Decimal | None:
    """An amount from a Decimal, int, float or numeric text; None when it is none of them."""
    if isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value)) if isinstance(value, int | float | str | Decimal) else None
    except InvalidOperation:
        return None
    return amount if amount is not None and amount.is_finite() else None


def as_date(value: Any) -> date | None:
    """A date from a date, a datetime or ISO text; None otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


# ---------------------------------------------------------------- disclosures


def render_disclosures(
    env: SandboxedEnvironment, template: Template, wording: Mapping[str, str], context: Mapping[str, Any]
) -> dict[str, str]:
    """The wording of each disclosure the template carries, its own variables filled in."""
    filled: dict[str, str] = {}
    for key in template.disclosures:
        if key not in DISCLOSURES:
            hint = did_you_mean(key, DISCLOSURES)
            message = f"`disclosure.{key}` is not a disclosure" + (f"; {hint}" if hint else "")
            raise RenderError(template.name, template.language, message, f"disclosure.{key}")
        text = wording.get(key)
        if not text:
            message = f"the policy packs give no `{template.language}` wording for `disclosure.{key}`"
            raise RenderError(template.name, template.language, message, f"disclosure.{key}")
        # Plain wording (the usual case) needs no template run.
        templated = "{{" in text or "{%" in text
        filled[key] = (render_text(env, template, text, context) if templated else text).strip()
    return filled


def read_disclosure_wording(text: str) -> dict[str, dict[str, Any]]:
    """Disclosure wording from TOML: a table per language, and within it optional tables per channel.

    ```
    [en]
    mini_miranda = "We are attempting to collect a debt, and any information obtained will be used for that purpose."
    [en.sms]
    opt_out = "Reply STOP to stop texts to this telephone number."
    ```

    Raises `ValueError` naming the language, channel and key of an unknown key or a value that is not text.
    """
    data = tomllib.loads(text)
    for language, table in data.items():
        if not isinstance(table, dict):
            raise ValueError(f"`{language}` must be a table of disclosure wording")
        for key, value in table.items():
            if isinstance(value, dict):
                if key not in CHANNELS:
                    hint = did_you_mean(key, CHANNELS)
                    raise ValueError(f"`{language}.{key}` is not a channel" + (f"; {hint}" if hint else ""))
                for inner, wording in value.items():
                    check_wording(f"{language}.{key}.{inner}", inner, wording)
            else:
                check_wording(f"{language}.{key}", key, value)
    return data


def load_disclosure_wording(path: Path) -> dict[str, dict[str, Any]]:
    """The wording book in the TOML file at `path` (see `read_disclosure_wording`); raises `ValueError` naming it."""
    try:
        return read_disclosure_wording(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as problem:
        raise ValueError(f"`{path}`: {problem}") from problem


def check_wording(where: str, key: str, value: Any) -> None:
    """Raise `ValueError` unless `key` is a disclosure and `value` non-empty text."""
    if key not in DISCLOSURES:
        hint = did_you_mean(key, DISCLOSURES)
        raise ValueError(f"`{where}` is not a disclosure" + (f"; {hint}" if hint else ""))
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"`{where}` must be non-empty text")


def wording_for(book: Mapping[str, Mapping[str, Any]], language: str, channel: str) -> dict[str, str]:
    """The wording of every disclosure in `language` for `channel` (a channel's own wording wins)."""
    table = book.get(language, {})
    wording = {key: value for key, value in table.items() if isinstance(value, str)}
    own = table.get(channel, {})
    wording.update({key: value for key, value in own.items() if isinstance(value, str)})
    return wording


# ---------------------------------------------------------------- Jinja2 and Babel


def locale_for(template_name: str, language: str) -> str:
    """The Babel locale a language formats money and dates in (`es` is `es_US`)."""
    code = LOCALES.get(language, language)
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError) as problem:
        raise RenderError(template_name, language, f"`{language}` is not a language Parley can format in") from problem
    return code


@functools.lru_cache(maxsize=32)
def environment(locale_code: str) -> SandboxedEnvironment:
    """The sandbox for one locale: strict about missing values, with `money`, `date` and `percent`."""
    locale = Locale.parse(locale_code)
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters["money"] = lambda value: format_currency(value, CURRENCY, locale=locale)
    env.filters["date"] = lambda value, style="long": format_date(value, style, locale=locale)
    env.filters["percent"] = lambda value: format_percent(value, locale=locale)
    return env


@functools.lru_cache(maxsize=1024)
def compiled(env: SandboxedEnvironment, text: str) -> Any:
    """A template text compiled once per environment."""
    return env.from_string(text)


def render_text(env: SandboxedEnvironment, template: Template, text: str, context: Mapping[str, Any]) -> str:
    """Render `text` with `context`, every failure a `RenderError` naming the template."""
    try:
        return str(compiled(env, text).render(context))
    except UndefinedError as problem:
        variable = undefined_name(problem, template)
        message = f"`{variable}` has no value" if variable else f"a value is missing: {problem.message}"
        raise RenderError(template.name, template.language, message, variable) from problem
    except (TemplateError, TypeError, ValueError, ArithmeticError) as problem:
        raise RenderError(template.name, template.language, f"the template failed: {problem}") from problem


def undefined_name(problem: UndefinedError, template: Template) -> str | None:
    """The template variable a Jinja2 `UndefinedError` is about, when it can be told."""
    text = problem.message or ""
    for path in template.variables:
        if f"'{path.rsplit('.', 1)[-1]}'" in text:
            return path
    return None


def to_html(body: str) -> str:
    """The plain body as escaped HTML paragraphs.

    The whole rendered text is escaped, not only the values: template text is plain text, so a `<`
    or `&` in it must show as itself too, and no value can ever become markup.
    """
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    inner = "\n".join(f"<p>{html.escape(p).replace(chr(10), '<br>' + chr(10))}</p>" for p in paragraphs)
    return f'<!DOCTYPE html>\n<html><body style="font-family: sans-serif">\n{inner}\n</body></html>\n'


def message_json(message: RenderedMessage) -> str:
    """The message as canonical JSON text (sorted keys), e.g. for a file or a hash."""
    return json.dumps(message.to_json(), sort_keys=True, ensure_ascii=False)


__all__ = [
    "RenderError",
    "RenderedMessage",
    "load_disclosure_wording",
    "read_disclosure_wording",
    "render_message",
    "wording_for",
]
