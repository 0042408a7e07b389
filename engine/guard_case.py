"""An account and its ledger as the guard's `Case`, built from typed values instead of JSON.

`engine.guarding.case_data` writes DESIGN.md's JSON case (what `parley guard` replays) and
`engine.guard.parse_case` validates it. Doing both on every decision cost about as much as
deciding five accounts, most of it re-validating ledger rows that had not changed. Here:

- the ledger (history, events, debts, the patient's designations) is validated once, by the guard's
  own reader, when the runtime reads it (`prepare_ledger`), or on the account's first question;
- the parts that come from the account's facts, which the portfolio reader has already typed
  against the schema, are built straight into the case's objects (`build_case`).

`build_case` gives exactly `parse_case(case_data(...))` (a hypothesis test holds them to it).
Whenever a value is off the usual shapes it returns None, and the caller takes the JSON way, whose
reader names the field at fault; so a malformed account still gets the same error as before.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import Any, TypeVar

from engine.account import Account, placement_start
from engine.guard import Case, CaseError, parse_case
from engine.guard import case as c
from engine.guard.lazy import made
from engine.guard.values import MAX_YEAR, MIN_YEAR, read_jurisdiction, read_money

UTC = dt.UTC
ORGANIZATIONS = ("agency", "provider", "nonprofit_hospital")
SKELETON_NOW = "2000-01-01T00:00:00+00:00"
MAX_MONEY = Decimal("1e12")  # `read_money`'s ceiling
T = TypeVar("T", c.Entry, c.Event)
INSTANT = attrgetter("at")  # a row's instant, read in C for the case's sorted instants


@dataclass(frozen=True)
class ParsedLedger:
    """A ledger validated by the guard's reader for one account: what does not change per decision."""

    timezone: str  # the account's zone the rows' local days were counted in
    account_debts: tuple[str, ...]  # the account's debt ids the rows were checked against
    patient: c.Patient  # the ledger's designations, contact points and zones (no facts yet)
    debts: tuple[c.Debt, ...]  # the ledger's own debts; empty: read from the facts at decide time
    history: tuple[c.Entry, ...]  # in time order (ties: ledger order), as a case keeps them
    events: tuple[c.Event, ...]  # in time order (ties: ledger order)
    dated: frozenset[str]  # the ledger's event types, for the states the facts assert
    scores_given: bool  # the ledger's patient carries `scores` (the facts' scores replace them)
    history_times: tuple[dt.datetime, ...]  # `history`'s instants, as the case keeps them
    event_times: tuple[dt.datetime, ...]  # `events`' instants


def parse_ledger(account: Account, ledger: Any) -> ParsedLedger | None:
    """The ledger's rows read by `parse_case` itself (the same checks); None when they do not read.

    A ledger that does not read is left to the JSON way, so its error names the field exactly as
    `parley guard` would on the replayed case.
    """
    patient = dict(ledger.patient) if isinstance(ledger.patient, Mapping) else ledger.patient
    if isinstance(patient, dict):
        given = patient.get("timezones", [])
        if isinstance(given, list):
            patient["timezones"] = [account.timezone, *(z for z in given if z != account.timezone)]
        patient.pop("scores", None)  # the facts' scores replace the ledger's (`patient_data`)
        said = patient.get("intents")
        if isinstance(said, list):  # `patient_data` keeps only the words
            patient["intents"] = [i for i in said if isinstance(i, str)]
    skeleton = {
        "now": SKELETON_NOW,
        "jurisdiction": "US",
        "organization": "agency",
        "patient": patient,
        "debts": list(ledger.debts) or [{"id": debt} for debt in account.debts],
        "history": list(ledger.history),
        "events": list(ledger.events),
        "proposed": {"channel": "letter"},
    }
    try:
        case = parse_case(skeleton)
    except CaseError:
        return None
    return ParsedLedger(
        timezone=account.timezone,
        account_debts=account.debts,
        patient=case.patient,
        debts=case.debts if ledger.debts else (),
        history=case.history,
        events=case.events,
        dated=frozenset(str(e.get("type")) for e in ledger.events if isinstance(e, Mapping)),
        scores_given=isinstance(ledger.patient, Mapping) and "scores" in ledger.patient,
        history_times=case.history_times,
        event_times=case.event_times,
    )


def build_case(
    account: Account,
    parsed: ParsedLedger,
    organization: str,
    now: dt.datetime,
    proposal: c.Proposal,
    assumed: tuple[str, ...],
    state_kinds: Mapping[str, str],
) -> Case | None:
    """The case `parse_case(case_data(...))` gives, or None when the JSON way must decide.

    `organization` is the one the case names (the ledger's, else the strategy's); `assumed` are the
    states the facts assert with no dated event, each given as the event `state_kinds` names.
    """
    if parsed.timezone != account.timezone or parsed.account_debts != account.debts:
        return None
    if len(set(account.debts)) != len(account.debts) or not proposal_shape_ok(proposal, parsed.patient):
        return None
    if now.tzinfo is None or not MIN_YEAR <= now.year <= MAX_YEAR:
        return None
    facts = account.facts
    zone = parsed.patient.zones[0]
    jurisdiction = facts.get("jurisdiction")
    if not isinstance(jurisdiction, str) or organization not in ORGANIZATIONS:
        return None
    if not jurisdiction_ok(jurisdiction):
        return None
    try:
        debts = parsed.debts or facts_debts(account, now.astimezone(zone).date())
    except (CaseError, ValueError, OverflowError):
        return None
    known = {d.id for d in debts}
    if len(known) != len(debts) or not known.issuperset(account.debts) or not known.issuperset(proposal.debts):
        return None
    patient = facts_patient(parsed.patient, facts)
    extra = extra_rows(account, parsed, frozenset(known), assumed, state_kinds)
    if patient is None or extra is None:
        return None
    history = merged(parsed.history, extra.history)
    events = merged(parsed.events, extra.events)
    return made(
        Case,
        now=now.astimezone(UTC),
        jurisdiction=jurisdiction,
        organization=organization,
        patient=patient,
        debts=debts,
        history=history,
        events=events,
        proposed=proposal,
        history_times=parsed.history_times if history is parsed.history else tuple(map(INSTANT, history)),
        event_times=parsed.event_times if events is parsed.events else tuple(map(INSTANT, events)),
    )


def merged(rows: tuple[T, ...], extra: tuple[T, ...]) -> tuple[T, ...]:
    """The ledger's sorted rows with the account's added, in time order (ties: numbering order)."""
    if not extra:
        return rows  # most accounts add nothing: the ledger's order stands
    return tuple(sorted((*rows, *extra), key=lambda e: (e.at, e.index)))  # type: ignore[attr-defined]


def facts_patient(ledger_patient: c.Patient, facts: Mapping[str, object]) -> c.Patient | None:
    """The ledger's patient with the facts' consents, intents, scores, language and age (`patient_data`)."""
    consent = dict(ledger_patient.consent)
    intents = set(ledger_patient.intents or ())
    scores: dict[str, float] = {}
    for name, group, short in patient_facts(tuple(facts)):
        value = facts[name]
        if group == "consent" and isinstance(value, bool):
            consent[short] = value
        elif group == "intent" and value is True:
            intents.add(short)
        elif group == "score" and value is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
                return None  # the reader names the score that is not a number
            score = float(value)
            if not 0 <= score <= 1:
                return None
            scores[name[6:]] = score
    language = ledger_patient.language
    if facts.get("patient.language") is not None:
        language = str(facts["patient.language"])
        if not language.strip():
            return None
    age = ledger_patient.age
    given = facts.get("patient.age")
    if isinstance(given, int | Decimal | float) and not isinstance(given, bool):
        try:
            age = int(given)
        except (ValueError, OverflowError):
            return None
        if not 0 <= age <= 130:
            return None
    return made(
        c.Patient,
        zones=ledger_patient.zones,
        zone_names=ledger_patient.zone_names,
        zones_known=ledger_patient.zones_known,
        consent=consent,
        inconvenient_times=ledger_patient.inconvenient_times,
        inconvenient_places=ledger_patient.inconvenient_places,
        language=language,
        contact_points=ledger_patient.contact_points,
        confidential_channels=ledger_patient.confidential_channels,
        confidential_to=ledger_patient.confidential_to,
        intents=frozenset(intents),
        scores=scores,
        age=age,
    )


@functools.lru_cache(maxsize=64)
def patient_facts(names: tuple[str, ...]) -> tuple[tuple[str, str, str], ...]:
    """The facts among `names` the patient part reads, in order: (name, group, short name).

    Memoised on the facts' names, which a portfolio's accounts share (one schema): most facts are
    balances and states, so the patient loop then reads only its own few.
    """
    found = []
    for name in names:
        group, short = fact_group(name)
        if group is not None:
            found.append((name, group, short))
    return tuple(found)


@functools.lru_cache(maxsize=1024)
def fact_group(name: str) -> tuple[str | None, str]:
    """`consent.sms` → (`consent`, `sms`); a fact the patient part does not read → (None, name)."""
    for group in ("consent", "intent", "score"):
        if name.startswith(group + "."):
            return group, name[len(group) + 1 :]
    return None, name


def facts_debts(account: Account, today: dt.date) -> tuple[c.Debt, ...]:
    """One medical debt per account debt, as `engine.guarding.debts_data` writes and the reader reads it."""
    facts = account.facts
    balance = facts.get("balance")
    original = facts.get("original_balance")
    dates: dict[str, dt.date | None] = {}
    for fact, key in (("days_since_first_statement", "first_statement"), ("days_past_due", "delinquent_since")):
        days = facts.get(fact)
        dates[key] = None
        if isinstance(days, int | Decimal) and not isinstance(days, bool):
            date = today - dt.timedelta(days=int(days))
            if not MIN_YEAR <= date.year <= MAX_YEAR:
                raise ValueError(fact)
            dates[key] = date
    placed = account.placed_on
    if not MIN_YEAR <= placed.year <= MAX_YEAR:
        raise ValueError("placed")
    return tuple(
        made(
            c.Debt,
            id=debt,
            kind="medical",
            balance=None if balance is None else money(balance, "debts.balance"),
            initial_balance=None if original is None else money(original, "debts.initial_balance"),
            first_statement=dates["first_statement"],
            delinquent_since=dates["delinquent_since"],
            placed=placed,
            time_barred=None,
        )
        for debt in account.debts
    )


def money(value: object, path: str) -> Decimal:
    """An amount as `read_money` reads the text `debts_data` writes: a typed Decimal is taken as it is."""
    if type(value) is Decimal and value.is_finite() and 0 <= value <= MAX_MONEY:
        return value
    return read_money(str(value), path)


@functools.lru_cache(maxsize=256)
def jurisdiction_ok(text: str) -> bool:
    """Whether the reader takes a jurisdiction (a portfolio has a few dozen)."""
    try:
        read_jurisdiction(text, "jurisdiction")
    except CaseError:
        return False
    return True


@dataclass(frozen=True)
class ExtraRows:
    """What the account adds to its ledger: conversations, replies and disputes it heard of, assumed states."""

    history: tuple[c.Entry, ...]
    events: tuple[c.Event, ...]


NO_EXTRA_ROWS = ExtraRows((), ())


def proposal_shape_ok(proposal: c.Proposal, patient: c.Patient) -> bool:
    """What `read_proposal` would check of a proposal decide made (its `to`: one of the patient's points)."""
    at = proposal.at
    return (
        proposal.channel in c.PROPOSAL_CHANNELS
        and at.tzinfo is not None
        and MIN_YEAR <= at.year <= MAX_YEAR
        and (proposal.to is None or patient.point(proposal.to) is not None)
        and (proposal.template is None or (isinstance(proposal.template, str) and bool(proposal.template.strip())))
        and len(set(proposal.debts)) == len(proposal.debts)
    )


def extra_rows(
    account: Account,
    parsed: ParsedLedger,
    known: frozenset[str],
    assumed: tuple[str, ...],
    state_events: Mapping[str, str],
) -> ExtraRows | None:
    """The rows `case_data` appends to the ledger's, numbered after them; None when one is off its shape."""
    if not account.events and not assumed:
        return NO_EXTRA_ROWS  # the usual account: nothing heard, nothing assumed
    zone = parsed.patient.zones[0]
    debts = tuple(dict.fromkeys(account.debts))
    history: list[c.Entry] = []
    events: list[c.Event] = []
    kinds = ("dispute", "payment", "plan_accepted", "reply")
    for event in account.events:
        if event.at.tzinfo is None or not MIN_YEAR <= event.at.year <= MAX_YEAR:
            return None
        at = event.at.astimezone(UTC)
        day = at.astimezone(zone).date().toordinal()
        if event.type == "conversation" and not event.in_ledger:
            index = len(parsed.history) + len(history)
            history.append(c.Entry(index, at, day, "call", "inbound", debts, "conversation", None))
    for event in account.events:
        if event.type not in kinds:
            continue
        at = event.at.astimezone(UTC)
        text = event.facts.get("text")
        text = text if event.type == "reply" and isinstance(text, str) else None
        debt = event.facts.get("debt")
        debt = debt if isinstance(debt, str) else None
        if (text is not None and not text.strip()) or (debt is not None and debt not in known):
            return None
        index = len(parsed.events) + len(events)
        events.append(c.Event(index, at, at.astimezone(zone).date().toordinal(), event.type, debt, text=text))
    if assumed:
        start = placement_start(account.placed_on, account.timezone)
        at = start.astimezone(UTC)
        day = at.astimezone(zone).date().toordinal()
        for state in assumed:
            kind = state_events[state]
            for debt in debts if kind in ("dispute", "paid", "verification_sent") else (None,):
                events.append(c.Event(len(parsed.events) + len(events), at, day, kind, debt))
    return ExtraRows(tuple(history), tuple(events))
