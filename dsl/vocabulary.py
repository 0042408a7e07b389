"""The closed word lists of the language: channels, tones, events, plan kinds, and the policy words.

A word outside these lists is a `NAME` error with a "did you mean" hint. Each list maps a word to
what it means, so the same table feeds the checker's hints and the language reference. Group
words in policies (`contact` for every channel, `phi` for every PHI class) are expanded by
`expand_channels` and `expand_content` so every compliance check reads them the same way.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale, UnknownLocaleError

from dsl.schema import CONSENT_KINDS, DISCLOSURES, PHI_CLASSES, Kind

# ---------------------------------------------------------------- strategies

SEND_CHANNELS: dict[str, str] = {
    "sms": "a text message",
    "email": "an email",
    "letter": "a letter by post",
    "chat": "a message in the patient portal's chat",
    "voicemail": "a voicemail left for the patient",
}

# `call` is an action of its own (`call "script"`), yet a channel wherever channels are listed.
CHANNELS: dict[str, str] = {**SEND_CHANNELS, "call": "a telephone call"}

TONES: dict[str, str] = {
    "supportive": "warm and encouraging",
    "gentle": "soft, for patients in hardship",
    "educational": "explains the bill",
    "neutral": "plain and factual",
    "firm": "direct, within the law",
}

ORGANIZATIONS: dict[str, str] = {
    "agency": "a third-party debt collector",
    "provider": "a provider collecting its own bills in its own name",
    "nonprofit_hospital": "a tax-exempt hospital under IRS 501(r)",
}

EVENTS: dict[str, str] = {
    "reply": "the patient replied",
    "payment": "a payment arrived",
    "missed_payment": "a plan payment was missed",
    "plan_accepted": "the patient accepted a plan",
    "dispute": "the patient disputed the debt",
    "conversation": "a telephone conversation took place",
    "statement": "a statement was issued",
}

ESCALATE_TARGETS: dict[str, str] = {
    "eca": "an extraordinary collection action (IRS 501(r))",
    "credit_report": "reporting the debt to a credit bureau",
    "agency": "placing the account with a collection agency",
}

HANDOFF_PRIORITIES: dict[str, str] = {
    "low": "when someone is free",
    "normal": "in the usual order",
    "high": "before normal work",
    "urgent": "now",
}

SCREEN_PROGRAMS: dict[str, str] = {
    "financial_assistance": "the financial-assistance policy (charity care): a financial counselor screens the patient",
}


@dataclass(frozen=True)
class PlanParam:
    """One parameter a payment-plan kind takes: its kind of value, its range, and its meaning."""

    name: str
    kind: Kind
    description: str
    low: Decimal | None = None
    high: Decimal | None = None


PLAN_KINDS: dict[str, tuple[PlanParam, ...]] = {
    "income_driven": (
        PlanParam("max_share", Kind.PERCENT, "the most of monthly income a payment may take", Decimal(0), Decimal(100)),
        PlanParam("min_payment", Kind.MONEY, "the smallest monthly payment", Decimal(0)),
        PlanParam("max_months", Kind.NUMBER, "the longest the plan may run, in months", Decimal(1), Decimal(120)),
    ),
    "fixed": (
        PlanParam("monthly_payment", Kind.MONEY, "the monthly payment", Decimal(0)),
        PlanParam("max_months", Kind.NUMBER, "the longest the plan may run, in months", Decimal(1), Decimal(120)),
    ),
    "settlement": (
        PlanParam("discount", Kind.PERCENT, "how much of the balance is forgiven", Decimal(0), Decimal(100)),
        PlanParam("days_to_pay", Kind.NUMBER, "how many days the offer stays open", Decimal(1), Decimal(365)),
    ),
}

# ---------------------------------------------------------------- policies

# A frequency cap or cool-down may name `contact`: every channel at once (cross-channel caps).
CONSTRAINT_CHANNELS: dict[str, str] = {**CHANNELS, "contact": "every channel together"}

PER_UNITS: dict[str, str] = {
    "debt": "each debt counted on its own",
    "account": "all debts under one account number",
    "patient": "everything sent to one patient",
}

PLACES: dict[str, str] = {
    "home": "the patient's home address or landline",
    "work": "the patient's workplace",
    "mobile": "the patient's mobile number",
    "personal": "any personal number: home, mobile or other personal line",
    "other": "numbers that are not personal",
}

POSITIONS: dict[str, str] = {
    "first": "the first communication only",
    "later": "every communication after the first",
    "every": "every communication",
}

# `forbid content phi in …` forbids every PHI class at once. The word classes after it are read
# from a template's text, not its variables (dsl/checks/template_content.py).
CONTENT_CLASSES: dict[str, str] = {
    **PHI_CLASSES,
    "phi": "every class of protected health information",
    "abusive_language": "obscene, profane or abusive words",
    "misleading_threat": "threats of action that is not intended or not lawful",
    "overshadowing_demand": "demands that overshadow the validation period",
    "beyond_limited_content": "anything a limited-content voicemail may not hold",
}

# Content rules may name a kind of message instead of a channel (`in validation_notice`).
MESSAGE_KINDS: dict[str, str] = {
    "validation_notice": "the validation notice",
    "electronic_validation_notice": "the validation notice sent by email or text",
    "eca_notice": "the written notice before extraordinary collection actions",
    "fap_summary": "the financial-assistance plain-language summary",
}
CONTENT_TARGETS: dict[str, str] = {**CONSTRAINT_CHANNELS, **MESSAGE_KINDS}

POLICY_ACTIONS: dict[str, str] = {
    "collection": "any collection activity",
    "contact": "any communication with the patient",
    **CHANNELS,
    "credit_report": "reporting to a credit bureau",
    "eca": "an extraordinary collection action",
    "agency": "placement with a collection agency",
    "debt_sale": "selling the debt",
    "lawsuit": "a civil action",
    "lien": "a lien on property",
    "garnishment": "garnishing wages",
    "validation_notice": "the validation notice",
    "electronic_validation_notice": "the validation notice sent by email or text",
    "eca_notice": "the written notice before extraordinary collection actions",
    "fap_summary": "the financial-assistance plain-language summary",
    "opt_out_confirmation": "the one message that confirms an opt-out",
    "handoff": "handing the account to a person",
    "plan_offer": "offering a payment plan",
    "firm_tone": "a message in the `firm` tone",
}

POLICY_EVENTS: dict[str, str] = {
    "first_statement": "the first post-discharge statement",
    "delinquency": "the account fell past due",
    "placement": "the account was placed for collection",
    "first_communication": "the first communication with the patient",
    "conversation": "a telephone conversation about the debt",
    "dispute": "a written dispute",
    "verification_sent": "verification of a disputed debt was sent",
    "cease": "a request to stop communicating",
    "consent_given": "consent given directly to the collector",
    "consent_revoked": "consent revoked",
    "opt_out": "an opt-out from a channel",
    "attorney_representation": "notice that an attorney represents the patient",
    "validation_notice_sent": "the validation notice was sent",
    "letter_sent": "a letter was mailed",
    "electronic_message_sent": "an email or text was sent",
    "eca_notice": "the pre-ECA written notice was sent",
    "hardship_reply": "a reply that shows hardship",
    "fa_screening": "screening for financial assistance",
    "fa_application": "a financial-assistance application arrived",
    "fa_decision": "a financial-assistance decision was made",
    "number_not_patient": "a number turned out to be someone else's",
    "payment": "a payment arrived",
    "paid": "the debt was paid in full",
    "bankruptcy": "the patient filed for bankruptcy",
    "deceased": "the patient died",
}

SEVERITIES: dict[str, str] = {"error": "blocks the strategy", "warning": "informs a review", "info": "for the record"}

STATUSES: dict[str, str] = {
    "active": "enforced",
    "vacated": "set aside by a court; kept for history, never enforced",
    "inactive": "not enforced",
    "repealed": "no longer law; kept for history, never enforced",
}

POLICY_ORGANIZATIONS: dict[str, str] = {**ORGANIZATIONS, "any": "every kind of collector"}

CONTENT_KEYS: dict[str, str] = {
    **DISCLOSURES,
    "validation_information": "the validation information of 12 CFR 1006.34(c)",
}
CONSENTS: dict[str, str] = CONSENT_KINDS


def expand_channels(word: str) -> tuple[str, ...]:
    """The channels a policy word covers: `contact` is all of them, a channel itself."""
    return tuple(CHANNELS) if word == "contact" else (word,)


def expand_content(word: str) -> tuple[str, ...]:
    """The PHI classes a policy word covers: `phi` is all of them, a class itself."""
    return tuple(PHI_CLASSES) if word == "phi" else (word,)


# ---------------------------------------------------------------- shaped words

# Two-letter codes of the states, DC and the territories, as one readable block.
US_STATES = frozenset(
    re.findall(
        r"[A-Z]{2}",
        "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
        "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP",
    )
)
JURISDICTION_SHAPE = re.compile(r"[A-Z]{2}(-[A-Z0-9]{2,})*")
TIMEZONE_SHAPE = re.compile(r"UTC|[A-Z][A-Za-z_]+(/[A-Z][A-Za-z0-9_+-]+)+")
LANGUAGE_SHAPE = re.compile(r"[a-z]{2,3}(_[A-Za-z0-9]{2,8})*")


def jurisdiction_problem(code: str) -> str | None:
    """Why `code` is not a jurisdiction (`US`, `US-CA`, `US-NY-NYC`), or None when it is one."""
    if not JURISDICTION_SHAPE.fullmatch(code):
        return f"`{code}` is not written like a jurisdiction"
    parts = code.split("-")
    if parts[0] != "US":
        return f"`{parts[0]}` is not a country Parley has law for; only `US` jurisdictions are known"
    if len(parts) > 1 and parts[1] not in US_STATES:
        return f"`{parts[1]}` in `{code}` is not a US state or territory"
    return None


@functools.lru_cache(maxsize=256)
def language_problem(code: str) -> str | None:
    """Why `code` is not a language code babel knows (`en`, `es`, `zh_Hant`), or None when it is one."""
    if not LANGUAGE_SHAPE.fullmatch(code):
        return f"`{code}` is not written like a language code"
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError, TypeError):
        return f"`{code}` is not a language code Parley knows"
    return None


def timezone_problem(name: str) -> str | None:
    """Why `name` is not written like a time zone (`America/Chicago`), or None when it is."""
    # The shape is checked, not the tz database: reading it is I/O, and the runtime validates it.
    return None if TIMEZONE_SHAPE.fullmatch(name) else f"`{name}` is not written like a time zone"


COMMON_LANGUAGES = ("ar", "en", "es", "fr", "ht", "hi", "ko", "pl", "pt", "ru", "so", "tl", "vi", "zh")
