"""Patients and accounts: upsert them, and load an account as the engine and the guard see it.

`upsert_patient` and `upsert_account` take JSON-like mappings (what the API receives) and refuse
bad input with a `StoreProblem` naming the field; nothing half-valid is stored. Each leaves an audit
row (`patient.upsert`, `account.upsert`: ids and field names, never values), and a fact an event
set (a dispute, a cease, a revoked consent) is kept when an account's `facts` leave it out
(`runtime.store.event_states`). Facts are read
with the portfolio reader's own typing (`runtime.portfolio.read_fact`), so a fact means the same in
a CSV and in the database; patient designations and debts are read by the guard's own case reader
before they are stored, so the guard can never fail on what the store accepted.

`load_account(session, account_id, now)` builds `engine.account.Account` and
`engine.guarding.Ledger`: facts, debts and progress from the account row; time zones, language,
contact points, confidential-communication preferences and designations from the patient; the
strategy's events and the guard's legal events from `events`; the contact history from `contacts`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session, select

from dsl.schema import FACTS, suggest
from engine.account import Account, AccountEvent, Progress, placement_start, with_last_reply
from engine.decide import ContactRequest
from engine.guard import CaseError, parse_case
from engine.guarding import Ledger, case_data
from runtime.db.tables import AccountRow, EventRow, Patient
from runtime.portfolio import BadCell, read_date, read_fact, read_progress, read_zone
from runtime.store import audit, languages, patient_fields
from runtime.store.event_states import answered, event_set_facts, merged_facts
from runtime.store.events import guard_events, heard_events
from runtime.store.facts import stored_facts
from runtime.store.hot import read_state
from runtime.store.ledger import history_rows
from runtime.store.problems import StoreProblem, invalid, not_found
from runtime.store.variables import checked_variables

HISTORY_DAYS = 400  # contacts this old no longer reach any cap window (the longest is a year)
PATIENT_KEYS = frozenset(
    {"timezone", "language", "extra_timezones", "confidential_communication", "contact_points", "designations"}
)
DESIGNATION_KEYS = frozenset({"inconvenient_times", "inconvenient_places", "consent", "intents", "age"})
ACCOUNT_KEYS = frozenset(
    {"patient_id", "strategy_name", "organization", "jurisdiction", "placed_on", "facts", "debts", "variables"}
)


# ---------------------------------------------------------------- upserts


def upsert_patient(
    session: Session, patient_id: str, data: Mapping[str, Any], now: dt.datetime, actor: str = "parley"
) -> Patient:
    """Create or replace a patient's details; raises `StoreProblem` (422) naming the bad field.

    The change leaves an audit row on `patient:{id}` signed by `actor`: the fields sent, never their values.
    """
    check_id(patient_id, "patient_id")
    check_keys(data, PATIENT_KEYS, "")
    timezone = zone(data.get("timezone"), "timezone")
    designations = mapping(data.get("designations", {}), "designations")
    check_keys(designations, DESIGNATION_KEYS, "designations.")
    patient_fields.designated_intents(designations)
    existing = session.get(Patient, patient_id)
    patient = existing or Patient(patient_id=patient_id, timezone=timezone, created_at=now)
    patient.timezone = timezone
    patient.language = languages.language_code(optional_text(data.get("language"), "language"))  # `es-MX` → `es`
    points = patient_fields.contact_points(listed(data, "contact_points"))
    kept = patient_fields.kept_statements(existing, data, points)  # her own statements a re-send leaves out
    if "extra_timezones" not in kept:
        patient.extra_timezones = [
            zone(z, f"extra_timezones[{i}]") for i, z in enumerate(listed(data, "extra_timezones"))
        ]
    if "confidential_communication" not in kept:
        patient.confidential_prefs = patient_fields.confidential_communication(
            data.get("confidential_communication", {})
        )
    patient.contact_points = points
    if "designations" not in kept:
        patient.designations = designations
    patient.updated_at = now
    probe = AccountRow(
        account_id="-", patient_id=patient_id, strategy_name="-", placed_on=now.date(), facts={"jurisdiction": "US-CA"}
    )
    check_case(probe, patient, now, prefix_from="patient.", prefix_to="")
    session.add(patient)
    session.flush()
    points = [str(p["id"]) for p in patient.contact_points if "id" in p]
    entry = {"created": existing is None, "fields": sorted(data), "contact_points": points}
    if kept:
        entry["kept"] = kept
    audit.append(session, actor, "patient.upsert", f"patient:{patient_id}", entry, now)
    return patient


def upsert_account(
    session: Session, account_id: str, data: Mapping[str, Any], now: dt.datetime, actor: str = "parley"
) -> AccountRow:
    """Create or replace an account (its progress and ledger are kept); raises `StoreProblem`.

    `facts` use the schema's names (`balance`, `consent.sms`, `attorney_represented`, …); `debts`
    the guard case's debt objects; `variables` the template variables by dotted path. A fact an
    event set (a dispute, a cease, a revoked consent…) stays when `facts` leaves it out, and a
    protective one cannot be lifted here (`runtime.store.event_states`). The change leaves an
    audit row on `account:{id}` signed by `actor`: field and fact names, never their values.
    """
    check_id(account_id, "account_id")
    check_keys(data, ACCOUNT_KEYS, "")
    patient_id = required_text(data.get("patient_id"), "patient_id")
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise not_found(f"there is no patient `{patient_id}`; create the patient first", "patient_id")
    # Locked: events write this row's facts and its audit trail under the same lock.
    row = locked_account(session, account_id) if session.get(AccountRow, account_id) is not None else None
    if row is not None and row.patient_id != patient_id:
        raise StoreProblem(409, f"account `{account_id}` belongs to another patient", "patient_id")
    facts = stored_facts(mapping(data.get("facts", {}), "facts"))
    jurisdiction = optional_text(data.get("jurisdiction"), "jurisdiction")
    if jurisdiction is not None:
        facts["jurisdiction"] = stored_facts({"jurisdiction": jurisdiction}, prefix="")["jurisdiction"]
    created, kept = row is None, []
    if row is not None:
        owned = event_set_facts(session, account_id)
        facts, kept = merged_facts(
            facts, row.facts, owned, answered(session, account_id, now) if owned else frozenset()
        )
    values = {
        "patient_id": patient_id,
        "strategy_name": required_text(data.get("strategy_name"), "strategy_name"),
        "organization": optional_text(data.get("organization"), "organization"),
        "jurisdiction": jurisdiction or text_or_none(facts.get("jurisdiction")),
        "placed_on": placed(data.get("placed_on")),
        "facts": facts,
        "debts": debts_of(data.get("debts", [])),
        "variables": checked_variables(data.get("variables", {})),
        "updated_at": now,
    }
    if row is None:
        row = AccountRow(account_id=account_id, created_at=now, progress={}, **values)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    check_case(row, patient, now, prefix_from="", prefix_to="")
    session.add(row)
    session.flush()
    entry = {"patient": patient_id, "created": created, "fields": sorted(data)}
    entry.update({"facts": sorted(mapping(data.get("facts", {}), "facts")), "kept": kept})
    audit.append(session, actor, "account.upsert", f"account:{account_id}", entry, now)
    return row


def check_case(row: AccountRow, patient: Patient, now: dt.datetime, prefix_from: str, prefix_to: str) -> None:
    """Read the account as a guard case, so the guard never meets a shape it cannot read."""
    account, ledger = engine_state(row, patient, [], [])
    request = ContactRequest(now, "letter", account.debts)
    try:
        parse_case(case_data(account, ledger, row.organization or "agency", now, request))
    except CaseError as problem:
        field = problem.field
        if prefix_from and field.startswith(prefix_from):
            field = patient_field(prefix_to + field.removeprefix(prefix_from))
        raise invalid(field, problem.message) from None


def patient_field(field: str) -> str:
    """A guard-case patient field as the patient upsert names it (`inconvenient_times` is a designation)."""
    head = re.split(r"[.\[]", field, maxsplit=1)[0]
    return f"designations.{field}" if head in DESIGNATION_KEYS else field


def check_event(session: Session, row: AccountRow, event: EventRow) -> None:
    """Read a new event in the account's guard case: a debt or contact point it names must exist."""
    patient = session.get(Patient, row.patient_id)
    if patient is None:  # pragma: no cover - a foreign key keeps this from happening
        raise not_found(f"there is no patient `{row.patient_id}`", "patient_id")
    account, ledger = engine_state(row, patient, [event], [])
    now = event.at
    request = ContactRequest(now, "letter", account.debts)
    try:
        parse_case(case_data(account, ledger, row.organization or "agency", now, request))
    except CaseError as problem:
        raise invalid(re.sub(r"^events\[\d+\]\.", "", problem.field), problem.message) from None


# ---------------------------------------------------------------- loading


def load_account(session: Session, account_id: str, now: dt.datetime) -> tuple[Account, Ledger]:
    """The account and its ledger as `engine.decide` and the guard read them at `now` (decide's own reads)."""
    read = read_state(session, account_id, now, now - dt.timedelta(days=HISTORY_DAYS))
    if read is None:
        raise not_found(f"there is no account `{account_id}`", "account_id")
    return engine_state(read.row, read.row, read.events, read.contacts)


def locked_account(session: Session, account_id: str) -> AccountRow:
    """The account's row, locked for the caller's write transaction; a 404 when there is none.

    Only the account's row is locked (`FOR UPDATE OF accounts`), as `runtime.db.database.lock_account` does.
    """
    query = select(AccountRow).where(AccountRow.account_id == account_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(of=AccountRow)  # type: ignore[arg-type]
    found = session.exec(query).first()
    if found is None:
        raise not_found(f"there is no account `{account_id}`", "account_id")
    return found


def engine_state(row: Any, patient: Any, events: Sequence[Any], contacts: Sequence[Any]) -> tuple[Account, Ledger]:
    """The pure values the engine decides on, from rows already read."""
    facts = {name: read_fact(name, value) for name, value in row.facts.items() if name in FACTS}
    if patient.language and "patient.language" not in facts:
        facts["patient.language"] = patient.language
    facts.setdefault("patient.timezone", patient.timezone)
    debt_ids = tuple(str(d["id"]) for d in row.debts) or ("D1",)
    extra: dict[str, Any] = dict(patient.designations)
    extra["timezones"] = [patient.timezone, *patient.extra_timezones]
    if patient.contact_points:
        extra["contact_points"] = list(patient.contact_points)
    if patient.confidential_prefs:
        extra["confidential_communication"] = dict(patient.confidential_prefs)
    ledger = Ledger(
        history=tuple(history_rows(contacts)),
        events=tuple(guard_events(events)),
        debts=tuple(row.debts),
        patient=extra,
        organization=row.organization,
    )
    account = Account(
        account_id=row.account_id,
        placed_on=row.placed_on,
        timezone=patient.timezone,
        facts=facts,
        events=tuple(heard_events(events, contacts, placement_start(row.placed_on, patient.timezone))),
        progress=read_progress(row.progress),
        debts=debt_ids,
        extra_zones=tuple(z for z in patient.extra_timezones if z != patient.timezone),
    )
    return with_last_reply(account), ledger


# ---------------------------------------------------------------- progress


def progress_json(progress: Progress) -> dict[str, Any]:
    """Progress as the account row stores it (what `runtime.portfolio.read_progress` reads)."""
    return {
        "steps_acted": dict(progress.steps_acted),
        "last_acted_day": dict(progress.last_acted_day),
        "handled": sorted(progress.handled),
        "handler_counts": dict(progress.handler_counts),
        **holds_json(progress),
    }


def holds_json(progress: Progress) -> dict[str, Any]:
    """The `pause` and `stop` in force, only when there are any (so older rows read back unchanged)."""
    held: dict[str, Any] = {}
    if progress.paused_until is not None:
        held["paused_until"] = progress.paused_until.isoformat()
    if progress.stopped_channels:
        held["stopped_channels"] = sorted(progress.stopped_channels)
    if progress.ended:
        held["ended"] = True
    return held


def advance_progress(progress: Progress, acted: list[tuple[str, str | None]], day: int) -> Progress:
    """Progress after a decision: each step that acted (event None) or handler that acted on an event."""
    steps, last = dict(progress.steps_acted), dict(progress.last_acted_day)
    handled, counts = set(progress.handled), dict(progress.handler_counts)
    for name, event in acted:
        if event is None:
            steps[name] = steps.get(name, 0) + 1
            last[name] = day
        else:
            handled.add(f"{name}|{event}")
            counts[name] = counts.get(name, 0) + 1
    return Progress(steps, last, frozenset(handled), counts)


# ---------------------------------------------------------------- reading fields


def debts_of(value: Any) -> list[dict[str, Any]]:
    """The guard case's debts; each needs a unique text `id` (the guard reads the rest)."""
    if not isinstance(value, list):
        raise invalid("debts", "expected a list `[…]`")
    seen: set[str] = set()
    for index, debt in enumerate(value):
        if not isinstance(debt, dict):
            raise invalid(f"debts[{index}]", "expected an object `{…}`")
        debt_id = debt.get("id")
        if not isinstance(debt_id, str) or not debt_id.strip():
            raise invalid(f"debts[{index}].id", "every debt needs an id, such as `D1`")
        if debt_id in seen:
            raise invalid(f"debts[{index}].id", f"two debts share the id `{debt_id}`")
        seen.add(debt_id)
    return [dict(debt) for debt in value]


def placed(value: Any) -> dt.date:
    """`placed_on` as a date."""
    if value is None:
        raise invalid("placed_on", "every account needs the day it was placed, such as `2026-03-02`")
    try:
        return read_date(value)
    except BadCell as bad:
        raise invalid("placed_on", bad.message) from None


def zone(value: Any, field: str) -> str:
    """An IANA time zone name."""
    try:
        return read_zone(value)
    except BadCell as bad:
        raise invalid(field, bad.message) from None


def check_id(value: Any, field: str) -> None:
    """An id: non-empty text of at most 128 characters."""
    if not isinstance(value, str) or not value.strip() or len(value) > 128:
        raise invalid(field, "expected an id: text of 1 to 128 characters")


def check_keys(data: Any, known: frozenset[str], prefix: str) -> None:
    """An object with only the keys we know (a typo is refused, not silently dropped)."""
    if not isinstance(data, Mapping):
        raise invalid(prefix.rstrip(".") or "body", "expected an object `{…}`")
    for key in data:
        if key not in known:
            near = suggest(str(key), known)
            raise invalid(f"{prefix}{key}", "unknown field" + (f"; did you mean `{near}`?" if near else ""))


def mapping(value: Any, field: str) -> dict[str, Any]:
    """A JSON object."""
    if not isinstance(value, Mapping):
        raise invalid(field, "expected an object `{…}`")
    return dict(value)


def listed(data: Mapping[str, Any], field: str) -> list[Any]:
    """A JSON list (absent: empty)."""
    value = data.get(field, [])
    if not isinstance(value, list):
        raise invalid(field, "expected a list `[…]`")
    return list(value)


def required_text(value: Any, field: str) -> str:
    """Non-empty text."""
    text = optional_text(value, field)
    if text is None:
        raise invalid(field, "this field is required")
    return text


def optional_text(value: Any, field: str) -> str | None:
    """Text of at most 200 characters, or None."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 200:
        raise invalid(field, "expected text of at most 200 characters")
    return value.strip() or None


def text_or_none(value: Any) -> str | None:
    """A stored value as text, None when absent."""
    return None if value is None else str(value)


__all__ = [
    "AccountEvent",
    "advance_progress",
    "load_account",
    "locked_account",
    "progress_json",
    "upsert_account",
    "upsert_patient",
]
