"""What a condition or a template may name: the one table of facts, scores and template variables.

Every fact a condition may name is one row of `FACTS` with its kind (money, days, score, …) and,
where it has one, its range. The name/type checker (`dsl.resolve`) reads kinds and ranges from
here and nowhere else, so adding a fact is one row. ML scores live in `SCORES`: the score registry
(`engine.scores`) adds a score by adding one row there, and the checker then accepts it with its
0..1 range. Template variables are the table `TEMPLATE_VARIABLES`. The closed word lists (channels,
tones, events, policy words) live in `dsl.vocabulary`.

`suggest(name, candidates)` gives the "did you mean" for every unknown word in the language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Kind(StrEnum):
    """What sort of value a fact or literal is; each has the words a compliance officer reads."""

    BOOLEAN = "boolean"
    MONEY = "money"
    NUMBER = "number"
    DAYS = "days"
    SCORE = "score"
    TEXT = "text"
    CLOCK = "clock"
    CHANNEL = "channel"
    LANGUAGE = "language"
    JURISDICTION = "jurisdiction"
    TIMEZONE = "timezone"
    # Kinds only a literal has: no fact holds them, so a condition can never compare with them.
    PERCENT = "percent"
    DURATION = "duration"
    WINDOW = "window"
    DATE = "date"

    @property
    def words(self) -> str:
        """The kind as a phrase for messages, e.g. `an amount of money`."""
        return KIND_WORDS[self]


KIND_WORDS: dict[Kind, str] = {
    Kind.BOOLEAN: "a yes/no state",
    Kind.MONEY: "an amount of money",
    Kind.NUMBER: "a number",
    Kind.DAYS: "a number of days",
    Kind.SCORE: "a score from 0 to 1",
    Kind.TEXT: "text",
    Kind.CLOCK: "a time of day",
    Kind.CHANNEL: "a channel",
    Kind.LANGUAGE: "a language code",
    Kind.JURISDICTION: "a jurisdiction",
    Kind.TIMEZONE: "a time zone",
    Kind.PERCENT: "a percentage",
    Kind.DURATION: "a length of time",
    Kind.WINDOW: "a time window",
    Kind.DATE: "a date",
}

# Kinds that `<`, `<=`, `>`, `>=` and `between` make sense for.
ORDERED_KINDS = frozenset({Kind.MONEY, Kind.NUMBER, Kind.DAYS, Kind.SCORE, Kind.CLOCK})


@dataclass(frozen=True)
class Fact:
    """One name a condition may use: its kind, its range where it has one, and what it means."""

    name: str
    kind: Kind
    description: str
    low: Decimal | None = None
    high: Decimal | None = None
    group: str = "fact"  # fact, state, consent, score, sentiment, intent

    def in_range(self, value: Decimal) -> bool:
        """Whether `value` is one the fact can take."""
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


ZERO, ONE = Decimal(0), Decimal(1)


def score(name: str, description: str, group: str = "score") -> Fact:
    """A 0..1 score row."""
    return Fact(name, Kind.SCORE, description, ZERO, ONE, group)


def state(name: str, description: str) -> Fact:
    """A yes/no account state row."""
    return Fact(name, Kind.BOOLEAN, description, group="state")


def intent(name: str, description: str) -> Fact:
    """A yes/no intent read from the patient's last reply."""
    return Fact(f"intent.{name}", Kind.BOOLEAN, description, group="intent")


# The consent kinds a patient can give or revoke; each is also a fact `consent.KIND`.
CONSENT_KINDS: dict[str, str] = {
    "sms": "text messages to the patient's mobile",
    "email": "email to the patient's address",
    "autodialed_calls": "calls placed by an autodialer (TCPA)",
    "prerecorded_voice": "calls with an artificial or prerecorded voice, AI voices included (TCPA)",
    "esign": "electronic delivery of required disclosures (E-SIGN)",
}

ACCOUNT_FACTS: tuple[Fact, ...] = (
    Fact("balance", Kind.MONEY, "what the patient owes now", low=ZERO),
    Fact("original_balance", Kind.MONEY, "what the patient owed when the account was placed", low=ZERO),
    Fact("days_past_due", Kind.DAYS, "days since the bill fell due", low=ZERO),
    Fact("days_since_first_statement", Kind.DAYS, "days since the first post-discharge statement", low=ZERO),
    Fact("jurisdiction", Kind.JURISDICTION, "where the patient lives, such as `US-CA`"),
    Fact("patient.language", Kind.LANGUAGE, "the patient's preferred language, such as `es`"),
    Fact("patient.age", Kind.NUMBER, "the patient's age in years", low=ZERO, high=Decimal(130)),
    Fact("patient.timezone", Kind.TIMEZONE, "the patient's time zone, such as `America/Chicago`"),
    Fact("best_time", Kind.CLOCK, "the model's best time of day to reach the patient"),
    Fact("best_channel", Kind.CHANNEL, "the model's best channel to reach the patient"),
)

STATES: tuple[Fact, ...] = (
    state("paid", "the balance is paid in full"),
    state("disputed", "the patient disputes the debt"),
    state("verified", "the debt was verified after a dispute"),
    state("cease_requested", "the patient asked us to stop contacting them"),
    state("attorney_represented", "an attorney represents the patient for this debt"),
    state("bankrupt", "the patient is in bankruptcy"),
    state("deceased", "the patient has died"),
    state("plan_active", "the patient is on a payment plan"),
    state("fa_application_pending", "a financial-assistance application awaits a decision"),
    state("time_barred", "the debt is past the statute of limitations"),
)

# INVARIANT: every score runs 0..1; the engine's score registry adds a score with one row here.
SCORES: tuple[Fact, ...] = (
    score("score.propensity", "how likely the patient is to pay"),
    score("score.distress", "how likely the patient is in financial distress"),
    score("sentiment.frustration", "frustration in the patient's last reply", "sentiment"),
    score("sentiment.confusion", "confusion in the patient's last reply", "sentiment"),
    score("sentiment.anxiety", "anxiety in the patient's last reply", "sentiment"),
)

INTENTS: tuple[Fact, ...] = (
    intent("hardship", "the patient says they cannot afford to pay"),
    intent("billing_confusion", "the patient does not understand the bill"),
    intent("dispute", "the patient says the debt is wrong"),
    intent("stop", "the patient asks us to stop"),
    intent("payment_promise", "the patient promises to pay"),
    intent("wrong_person", "the message reached someone else"),
    intent("insurance_question", "the patient asks about insurance"),
    intent("callback_request", "the patient asks to be called back"),
)

CONSENTS: tuple[Fact, ...] = tuple(
    Fact(f"consent.{kind}", Kind.BOOLEAN, f"the patient consented to {what}", group="consent")
    for kind, what in CONSENT_KINDS.items()
)

FACTS: dict[str, Fact] = {f.name: f for f in (*ACCOUNT_FACTS, *STATES, *CONSENTS, *SCORES, *INTENTS)}


def fact(name: str) -> Fact | None:
    """The fact called `name`, or None when there is none."""
    return FACTS.get(name)


def fact_names() -> tuple[str, ...]:
    """Every name a condition may use, in table order."""
    return tuple(FACTS)


def state_names() -> tuple[str, ...]:
    """The account states (`paid`, `disputed`, …): what `hold … until STATE` may wait for."""
    return tuple(f.name for f in STATES)


# ---------------------------------------------------------------- template variables


@dataclass(frozen=True)
class TemplateVariable:
    """A value a template may show: its dotted path, its class and what it holds."""

    path: str
    category: str  # identifier, account, plan, link, organization, disclosure, phi
    description: str


def variables(category: str, rows: dict[str, str]) -> tuple[TemplateVariable, ...]:
    """Rows of one category."""
    return tuple(TemplateVariable(path, category, text) for path, text in rows.items())


# The disclosure keys: a template shows `{{ disclosure.KEY }}`; the wording lives in the packs.
DISCLOSURES: dict[str, str] = {
    "mini_miranda": "attempting to collect a debt; information obtained will be used for that purpose",
    "debt_collector": "this communication is from a debt collector",
    "opt_out": "how to stop messages to this address or number",
    "ai": "an automated assistant is writing",
    "fap": "the financial-assistance plain-language summary",
    "language_access": "language access services (New York City)",
    "ca_license": "the California debt collector licence number",
    "co_medical_credit": "Colorado's statement on medical debt and credit reports",
}

# Protected health information a pack may forbid: these name the clinical details of a bill.
PHI_CLASSES: dict[str, str] = {
    "invoice.diagnosis": "the diagnosis",
    "invoice.icd_code": "the ICD diagnosis code",
    "invoice.procedure": "the procedure performed",
    "invoice.cpt_code": "the CPT procedure code",
    "provider.specialty": "the provider's medical specialty",
    "provider.department": "the department that treated the patient",
    "invoice.test_result": "a test result",
}

TEMPLATE_VARIABLES: dict[str, TemplateVariable] = {
    v.path: v
    for v in (
        *variables(
            "identifier",
            {
                "patient.first_name": "the patient's first name",
                "provider.facility_name": "the name of the hospital or clinic",
                "invoice.service_date": "the date of service",
                "account.reference": "the account number shown to the patient",
                "agent.name": "the name of the person or assistant writing",
            },
        ),
        *variables(
            "account",
            {
                "account.balance": "what the patient owes now",
                "account.original_balance": "what the patient owed at placement",
                "account.due_date": "when the next payment falls due",
                "account.last_payment_amount": "the last payment received",
                "account.last_payment_date": "when the last payment arrived",
            },
        ),
        *variables(
            "plan",
            {
                "plan.monthly_payment": "the monthly payment of the offered or active plan",
                "plan.months": "how many months the plan runs",
                "plan.first_payment_date": "when the first payment falls due",
                "plan.next_payment_date": "when the next payment falls due",
                "plan.missed_amount": "the payment that was missed",
            },
        ),
        *variables(
            "link",
            {
                "links.portal": "the patient portal",
                "links.pay": "the payment page",
                "links.plan": "the page to set up a plan",
                "links.fap": "the financial-assistance application",
                "links.dispute": "the page to dispute the bill",
            },
        ),
        *variables(
            "organization",
            {
                "org.name": "who collects",
                "org.phone": "the phone number to call back",
                "org.email": "the email address to write to",
                "org.hours": "when people answer the phone",
                "org.address": "the mailing address",
            },
        ),
        *variables("disclosure", {f"disclosure.{k}": text for k, text in DISCLOSURES.items()}),
        *variables("phi", PHI_CLASSES),
    )
}


def template_variable(path: str) -> TemplateVariable | None:
    """The template variable at `path`, or None when there is none."""
    return TEMPLATE_VARIABLES.get(path)


# ---------------------------------------------------------------- did you mean


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions, adjacent swaps."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate `name` was most likely meant to be, or None when none is close.

    Close means at most 1 edit for short words and about a third of the word for long ones; a swap
    of two neighbouring letters is one edit. A name that matches the last part of a dotted
    candidate (`distress` for `score.distress`) is suggested too.
    """
    pool = sorted(set(candidates))
    if not pool or not name:
        return None
    limit = 1 if len(name) <= 4 else max(2, len(name) // 4)
    best = min(pool, key=lambda c: (edit_distance(name.lower(), c.lower()), len(c)))
    if edit_distance(name.lower(), best.lower()) <= limit:
        return best
    tails = [c for c in pool if "." in c and edit_distance(name, c.rsplit(".", 1)[1]) <= (len(name) > 4)]
    return tails[0] if tails else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """The "did you mean `…`?" hint for `name`, or None when nothing is close."""
    near = suggest(name, candidates)
    return f"did you mean `{near}`?" if near else None
