"""What a template's words say: limited-content voicemails, threats, abuse, overshadowing demands.

The packs name these as word classes (`forbid content misleading_threat in …`,
`forbid content beyond_limited_content in voicemail`); Colorado's rule is read from its id. The
template's text, outside its `{{ … }}` and `{% … %}` marks, is matched against phrase lists in
English and Spanish (the languages Parley ships templates in; other languages are not read).

- A voicemail may hold only a limited-content message (12 CFR 1006.2(j)): the business name, a
  person's name, a number to call back, and a greeting — `org.name`, `agent.name`, `org.phone` —
  and no word that reveals a debt or a bill.
- Threats of arrest or jail are never lawful for a medical bill; threats of a lawsuit, garnishment
  or credit damage are allowed only where the strategy can take that action after the message (the
  action is then "intended", 1006.18(c)(5)); "final notice" only on the last contact there is.
- Overshadowing demands ("pay within 10 days") are flagged while the validation period may run:
  sent within 37 days of the validation notice (5 days of assumed receipt, stretched to 7 by a
  weekend, plus the 30-day period).
- In Colorado, saying a medical debt will reach a credit report or score is false (HB23-1126).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from dsl import ast
from dsl.checks.acts import Act, acts, does, is_contact
from dsl.checks.content import TemplateUse, listed, on_channels, rule_finding, template_uses
from dsl.checks.context import ApplicableRule, CheckContext
from dsl.diagnostics import Diagnostic
from dsl.source import span_of_offset
from dsl.templates import Template, TemplateSet

PHRASE_LANGUAGES = frozenset({"en", "es"})
LCM_VARIABLES = frozenset({"org.name", "agent.name", "org.phone"})
VALIDATION_PERIOD_DAYS = 37
CO_RULE = "CREDIT-CO-HB23-1126"


@dataclass(frozen=True)
class Phrase:
    """A phrase to look for, what it claims, and the strategy action that would make it true."""

    language: str
    pattern: str
    claim: str
    allowed_by: str | None = None  # an action word (`eca`, `credit_report`, `last_contact`); None: never


def phrases(*rows: tuple[str, str, str, str | None]) -> tuple[Phrase, ...]:
    """Rows of (language, regular expression, claim, allowing action)."""
    return tuple(Phrase(lang, p, c, a) for lang, p, c, a in rows)


THREATS = phrases(
    ("en", r"arrest\w*|jail|prison|imprison\w*|criminal charges?|police", "threatens arrest or jail", None),
    ("es", r"detenid[oa]s?|c[aá]rcel|prisi[oó]n|polic[ií]a|cargos criminales", "threatens arrest or jail", None),
    ("en", r"lawsuits?|sue you|legal action|take you to court|court action", "threatens a lawsuit", "eca"),
    ("es", r"demanda(r|remos)?|acci[oó]n legal|acciones legales|tribunal", "threatens a lawsuit", "eca"),
    ("en", r"garnish\w*|seiz\w*|lien|attach your wages", "threatens garnishment or seizure", "eca"),
    ("es", r"embarg\w*|retenci[oó]n de (su )?salario", "threatens garnishment or seizure", "eca"),
    ("en", r"final notice|last notice|final warning", "says this is the last notice", "last_contact"),
    ("es", r"aviso final|[uú]ltimo aviso|advertencia final", "says this is the last notice", "last_contact"),
    (
        "en",
        r"(hurt|damage|ruin|harm|lower)\w* your credit|credit score (will|could|may) (drop|fall|go down)",
        "threatens damage to the patient's credit",
        "credit_report",
    ),
    (
        "es",
        r"(da[nñ]ar|perjudicar|afectar)\w* su cr[eé]dito|puntaje de cr[eé]dito (bajar|caer)\w*",
        "threatens damage to the patient's credit",
        "credit_report",
    ),
)
ABUSE = phrases(
    ("en", r"deadbeat|idiot|stupid|liar|shame on you|irresponsible|fuck\w*|shit\w*|damn\w*", "is abusive", None),
    ("es", r"moroso sinverg[uü]enza|idiota|est[uú]pid[oa]|mentiros[oa]|verg[uü]enza deber[ií]a", "is abusive", None),
)
OVERSHADOWING = phrases(
    (
        "en",
        r"pay (in full )?(within|in) \d+ days|pay (today|now|immediately)|act now|avoid (further )?collection",
        "demands payment now",
        None,
    ),
    ("en", r"offer expires|expires (on|in)|deadline", "sets a deadline", None),
    (
        "es",
        r"pague (hoy|ahora|de inmediato|dentro de \d+ d[ií]as)|act[uú]e ahora|la oferta vence|fecha l[ií]mite",
        "demands payment now",
        None,
    ),
)
CREDIT_CLAIMS = phrases(
    (
        "en",
        r"credit (report|score|bureau|record|history)\w*|reported to (the )?(credit|three)",
        "speaks of credit reporting or scores",
        None,
    ),
    (
        "es",
        r"informe de cr[eé]dito|puntaje de cr[eé]dito|bur[oó]s? de cr[eé]dito|historial de cr[eé]dito",
        "speaks of credit reporting or scores",
        None,
    ),
)
LCM_WORDS = phrases(
    (
        "en",
        r"debts?|collect\w*|balance|bill\w*|owe\w*|payments?|past due|overdue|account",
        "tells whoever hears it that the call is about a debt or a bill",
        None,
    ),
    (
        "es",
        r"deudas?|cobr\w*|saldo|factura\w*|pagos?|vencid[oa]|cuenta",
        "tells whoever hears it that the call is about a debt or a bill",
        None,
    ),
)
CLASSES: dict[str, tuple[Phrase, ...]] = {
    "misleading_threat": THREATS,
    "threats": THREATS,
    "threatening_language": THREATS,
    "abusive_language": ABUSE,
    "overshadowing_demand": OVERSHADOWING,
    "beyond_limited_content": LCM_WORDS,
}
# A phrase right after one of these words in its sentence is denied, not said ("there is no deadline").
NEGATION = re.compile(r"(?<!\w)(no|not|never|without|won't|will not|nunca|sin|ni|jam[aá]s)(?!\w)", re.IGNORECASE)
NEGATION_REACH = 40
NEGATION_WORDS = 3
LCM_HINT = "leave a business name, a person's name and a number to call back; say why when the patient calls"
OVERSHADOWING_HINT = "send no deadline while the patient may still dispute: move this after the validation period"
CREDIT_HINT = "say nothing of credit reports or scores: Colorado keeps medical debt out of them"
HINTS = {"abusive_language": "remove these words; speak to the patient with respect"}
MARKS = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


def check(program: ast.Strategy, ctx: CheckContext) -> list[Diagnostic]:
    """Word-class findings for every template the strategy sends (templates not given: nothing)."""
    if not isinstance(ctx.templates, TemplateSet):
        return []  # content.py already says once that content rules were not checked
    uses = template_uses(program, ctx.templates)
    all_acts = acts(program)
    findings: list[Diagnostic] = []
    for rule in ctx.rules_of(ast.ForbidContent):
        constraint = rule.rule.constraint
        assert isinstance(constraint, ast.ForbidContent)
        word = constraint.content_class.name
        if word not in CLASSES:
            continue
        covered = [u for u in uses if on_channels(u, constraint.channels)]
        if word == "beyond_limited_content":
            findings.extend(beyond_limited_content(rule, covered))
        elif word == "overshadowing_demand":
            early = during_validation(covered, all_acts)
            findings.extend(said(rule, early, CLASSES[word], all_acts, OVERSHADOWING_HINT))
        else:
            findings.extend(said(rule, covered, CLASSES[word], all_acts, HINTS.get(word)))
    colorado = next((r for r in ctx.rules if r.rule_id == CO_RULE), None)
    if colorado is not None:
        findings.extend(said(colorado, uses, CREDIT_CLAIMS, all_acts, CREDIT_HINT))
    return findings


# ---------------------------------------------------------------- reading words


@dataclass(frozen=True)
class Hit:
    """A phrase found in a template file, with its offsets in the file."""

    phrase: Phrase
    text: str
    start: int
    end: int


@functools.cache
def readable_text(template: Template) -> str:
    """The file's text with template marks and front matter blanked out (same length, same lines).

    An email's `subject:` line stays: a subject can threaten as well as a body.
    """
    text = MARKS.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), template.source.text)
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), 0)
        for i in range(closing + 1):
            keep = lines[i].startswith("subject:")
            lines[i] = " " * len("subject:") + lines[i][len("subject:") :] if keep else " " * len(lines[i])
    return "\n".join(lines)


def hits(template: Template, table: tuple[Phrase, ...]) -> Iterator[Hit]:
    """Every phrase of the table in the template's words, case and line breaks ignored."""
    text = readable_text(template)
    # A template in a language the tables do not know is read with every table.
    known = template.language.split("_")[0] in PHRASE_LANGUAGES
    for phrase in table:
        if known and phrase.language != template.language.split("_")[0]:
            continue
        for found in compiled(phrase.pattern).finditer(text):
            if denied(text, found.start()):
                continue
            yield Hit(phrase, " ".join(found.group().split()), found.start(), found.end())


@functools.cache
def compiled(pattern: str) -> re.Pattern[str]:
    """A phrase pattern as whole words, any run of spaces or line breaks between them."""
    return re.compile(r"(?<!\w)(" + pattern.replace(" ", r"\s+") + r")(?!\w)", re.IGNORECASE)


def denied(text: str, start: int) -> bool:
    """Whether one of the three words before `start`, in the same clause, denies the phrase.

    "There is no deadline" and "we will not take legal action" deny; "if you do not pay, legal
    action follows" does not (the comma ends the negated clause).
    """
    before = text[max(0, start - NEGATION_REACH) : start]
    clause = re.split(r"[,.!?;:]", before)[-1]
    return any(NEGATION.fullmatch(word) for word in clause.split()[-NEGATION_WORDS:])


# ---------------------------------------------------------------- threats, abuse, demands


def said(
    rule: ApplicableRule,
    uses: list[TemplateUse],
    table: tuple[Phrase, ...],
    all_acts: list[Act],
    hint: str | None = None,
) -> Iterator[Diagnostic]:
    """One finding per phrase per template file, unless every step sending it makes the phrase true."""
    by_file: dict[str, list[TemplateUse]] = {}
    for use in uses:
        by_file.setdefault(use.template.path, []).append(use)
    for group_uses in by_file.values():
        template = group_uses[0].template
        seen: set[str] = set()
        for hit in hits(template, table):
            if hit.text.lower() in seen or all(allowed(hit.phrase, u.act, all_acts) for u in group_uses):
                continue
            seen.add(hit.text.lower())
            yield rule_finding(
                rule,
                span_of_offset(template.source, hit.start, hit.end),
                f"template `{template.name}` ({template.language}) says “{hit.text}”, which {hit.phrase.claim}; "
                f"`{rule.rule_id}` forbids it here; sent by {listed(group_uses)}",
                hint or hint_for(hit.phrase),
            )


def allowed(phrase: Phrase, act: Act, all_acts: list[Act]) -> bool:
    """Whether the strategy makes the phrase true for a message sent by `act`."""
    if phrase.allowed_by is None:
        return False
    if phrase.allowed_by == "last_contact":
        return not any(
            is_contact(other) and other is not act and (other.last_day is None or other.last_day > act.first_day)
            for other in all_acts
        )
    # The action is intended when a step can take it after this message.
    return any(does(other, phrase.allowed_by) and (other.last_day or 10**6) >= act.first_day for other in all_acts)


def hint_for(phrase: Phrase) -> str:
    """How to fix a phrase finding."""
    if phrase.allowed_by is None:
        return "remove these words; say what will really happen, in a calm tone"
    if phrase.allowed_by == "last_contact":
        return "drop “final” unless no message follows it, or end the strategy's contacts with this one"
    return f"remove these words, or say them only where the strategy really can `escalate {phrase.allowed_by}` later"


def during_validation(uses: list[TemplateUse], all_acts: list[Act]) -> list[TemplateUse]:
    """The uses that can go out while the validation period may still run."""
    notices = [a for a in all_acts if does(a, "validation_notice")]
    if not notices:
        return uses  # no notice in the strategy: the period's start is unknown, so any day may be in it
    start = min(a.first_day for a in notices)
    return [u for u in uses if u.act.first_day <= start + VALIDATION_PERIOD_DAYS]


# ---------------------------------------------------------------- limited-content voicemail


def beyond_limited_content(rule: ApplicableRule, uses: list[TemplateUse]) -> Iterator[Diagnostic]:
    """Voicemail templates that show more than a limited-content message may."""
    by_file: dict[str, list[TemplateUse]] = {}
    for use in uses:
        if use.channel == "voicemail":
            by_file.setdefault(use.template.path, []).append(use)
    for group_uses in by_file.values():
        template = group_uses[0].template
        for variable in (v for v in template.variables if v not in LCM_VARIABLES):
            yield rule_finding(
                rule,
                template.span_of(variable),
                f"voicemail template `{template.name}` ({template.language}) shows `{variable}`; a limited-content "
                f"message holds only the business name, a person's name and a number to call back "
                f"(`{rule.rule_id}`); sent by {listed(group_uses)}",
                "keep only `org.name`, `agent.name`, `org.phone` and a greeting; "
                "say the rest when the patient calls back",
            )
        yield from said(rule, group_uses, LCM_WORDS, [], LCM_HINT)
