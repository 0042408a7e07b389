"""Contacts made outside Parley, recorded in the contact ledger so the caps count them.

Regulation F's call caps count every call the debt collector places about a debt (12 CFR
1006.14(b)(2)(i)(A)), and a telephone conversation starts a 7-day period without calls whoever
placed the call (1006.14(b)(2)(i)(B)). Calls an agent dials by hand, another system's contacts and
the history from before the account came to Parley must therefore sit in the same ledger as the
contacts decide reserves, or the guard under-counts and could approve an eighth call.

`record_contacts(session, account_id, items, actor, now)` stores a batch of such contacts in
`contacts` (source `external`, status `sent`, with their direction, outcome and contact point), in
the caller's write transaction after locking the account, as decide does, so a decision never
counts a window half-way through a batch. All or nothing:

- every bad item is named (`contacts[3].at`) in one `ContactsInvalid` (422) before anything is
  written: a time without its offset or in the future, an unknown channel, outcome, debt or contact
  point, an outcome the channel cannot have, a key used twice in the batch;
- each item carries an idempotency key: a key already stored for the same contact is a no-op, for
  a different one a 409 naming the first field that differs (`contacts[0].outcome`).

Outcomes are the guard case's own words (DESIGN.md): `no_answer`, `conversation`, `voicemail`,
`limited_content_message`, `busy`, `not_in_service` for calls and voicemails; `delivered`,
`undeliverable` for messages. A wrong number is recorded with `to` naming the contact point plus a
`number_not_patient` event (`POST /v1/events`), which is how the guard learns it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from engine.decide import ContactRequest
from engine.guard import CaseError, parse_case
from engine.guard.case import CONTACT_CHANNELS, OUTCOMES
from engine.guarding import case_data
from runtime.db.tables import AccountRow, ContactRow, Patient
from runtime.store import audit
from runtime.store.accounts import engine_state, locked_account
from runtime.store.problems import StoreProblem, conflict

log = logging.getLogger(__name__)

SOURCE = "external"  # `contacts.source` of a recorded contact (decide writes a step or handler name)
STATUS = "sent"  # it happened: counted like Parley's own contacts, never touched by the outbox
MAX_BATCH = 1000
MAX_KEY = 200
ITEM_KEYS = ("at", "channel", "direction", "debts", "outcome", "to", "idempotency_key")
DIRECTIONS = ("outbound", "inbound")
# An outreach system's clock may run a little ahead of ours; a contact "just made" must not bounce.
CLOCK_SKEW = dt.timedelta(minutes=2)
TELEPHONE = frozenset({"call", "voicemail"})
MESSAGE_OUTCOMES = frozenset({"delivered", "undeliverable"})
# Only a call can be a telephone conversation (the guard reads `conversation` on calls alone).
OUTCOMES_OF = {
    channel: (frozenset(OUTCOMES) - MESSAGE_OUTCOMES if channel in TELEPHONE else MESSAGE_OUTCOMES)
    - (frozenset() if channel == "call" else {"conversation"})
    for channel in CONTACT_CHANNELS
}


class ContactsInvalid(StoreProblem):
    """Every bad field of a batch (422): `problems` holds (field, message), the first is the headline."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        field, message = problems[0]
        super().__init__(422, message, field)
        self.problems = list(problems)


@dataclass(frozen=True)
class ExternalContact:
    """One contact as recorded: an aware instant, the guard's channel, direction and outcome words."""

    at: dt.datetime
    channel: str
    direction: str
    debts: tuple[str, ...]
    outcome: str | None
    to: str | None
    idempotency_key: str


@dataclass(frozen=True)
class Recorded:
    """What became of one item: its ledger row, and whether this call stored it (False: a repeat)."""

    index: int
    contact_id: int
    idempotency_key: str
    created: bool


def record_contacts(
    session: Session,
    account_id: str,
    items: Sequence[Mapping[str, Any]],
    actor: str,
    now: dt.datetime,
    audit_extra: Mapping[str, Any] | None = None,
) -> list[Recorded]:
    """Store a batch of contacts made outside Parley, once per key, in the caller's transaction.

    Raises `StoreProblem`: 404 for an unknown account, `ContactsInvalid` (422) naming every bad
    field, 409 when a key was used for a different contact. An audit row names the new rows.
    """
    row = locked_account(session, account_id)  # INVARIANT: first statement, as in decide
    patient = session.get(Patient, row.patient_id)
    if patient is None:  # pragma: no cover - a foreign key keeps this from happening
        raise StoreProblem(404, f"there is no patient `{row.patient_id}`", "patient_id")
    contacts = read_batch(items, account_debts(row), point_ids(patient), now)
    check_guard_reads(row, patient, contacts, now)
    stored = stored_under(session, [c.idempotency_key for c in contacts])
    repeats = {i: same_or_conflict(i, c, stored[c.idempotency_key], account_id) for i, c in enumerate(contacts)}
    repeats = {i: r for i, r in repeats.items() if r is not None}
    fresh = [(i, contact_row(account_id, c, now)) for i, c in enumerate(contacts) if i not in repeats]
    try:
        with session.begin_nested():
            session.add_all([r for _, r in fresh])
            session.flush()
    except IntegrityError:
        # Another account's request stored one of these keys after we looked: name it as a 409.
        for _, r in fresh:
            if r in session:
                session.expunge(r)
        stored = stored_under(session, [c.idempotency_key for c in contacts])
        for i, c in enumerate(contacts):
            same_or_conflict(i, c, stored[c.idempotency_key], account_id)
        raise conflict(
            "a contact with one of these keys was stored at the same moment; send them again", "contacts"
        ) from None
    ids = [int(r.id or 0) for _, r in fresh]
    if fresh:
        payload = {"contacts": ids, "repeats": len(repeats), **(audit_extra or {})}
        audit.append(session, actor, "contacts.record", f"account:{account_id}", payload, now)
    log.info("account %s: %d outside contact(s) recorded, %d repeat(s)", account_id, len(fresh), len(repeats))
    done = [Recorded(i, int(r.id or 0), r.idempotency_key or "", True) for i, r in fresh]
    done += [Recorded(i, int(r.id or 0), contacts[i].idempotency_key, False) for i, r in repeats.items()]
    return sorted(done, key=lambda r: r.index)


def contact_row(account_id: str, contact: ExternalContact, now: dt.datetime) -> ContactRow:
    """The ledger row of a recorded contact (no decision, no outbox message)."""
    return ContactRow(
        account_id=account_id,
        decision_id=None,
        source=SOURCE,
        action="call" if contact.channel == "call" else "send",
        channel=contact.channel,
        debts=list(contact.debts),
        at=contact.at,
        status=STATUS,
        created_at=now,
        direction=contact.direction,
        outcome=contact.outcome,
        to_point=contact.to,
        idempotency_key=contact.idempotency_key,
    )


# ---------------------------------------------------------------- repeats


def stored_under(session: Session, keys: Sequence[str]) -> dict[str, ContactRow | None]:
    """The rows already stored under these keys (None where a key is new)."""
    found: dict[str, ContactRow | None] = dict.fromkeys(keys)
    if keys:
        for row in session.exec(select(ContactRow).where(col(ContactRow.idempotency_key).in_(list(keys)))):
            found[str(row.idempotency_key)] = row
    return found


def same_or_conflict(
    index: int, contact: ExternalContact, row: ContactRow | None, account_id: str
) -> ContactRow | None:
    """The stored row when this item repeats it, None when the key is new; a 409 when it differs."""
    if row is None:
        return None
    path = f"contacts[{index}]"
    if row.account_id != account_id:
        raise conflict(
            "this idempotency key was already used for a contact on another account", f"{path}.idempotency_key"
        )
    stored = {
        "at": row.at,
        "channel": row.channel,
        "direction": row.direction,
        "debts": sorted(row.debts),
        "outcome": row.outcome,
        "to": row.to_point,
    }
    given = {
        "at": contact.at,
        "channel": contact.channel,
        "direction": contact.direction,
        "debts": sorted(contact.debts),
        "outcome": contact.outcome,
        "to": contact.to,
    }
    for name, value in given.items():
        if stored[name] != value:
            message = f"this idempotency key was already used for a contact with another `{name}`"
            raise conflict(message, f"{path}.{name}")
    return row


# ---------------------------------------------------------------- reading a batch


def read_batch(items: Any, debts: Sequence[str], points: frozenset[str], now: dt.datetime) -> list[ExternalContact]:
    """Every item read; `ContactsInvalid` naming every bad field of every item."""
    if not isinstance(items, Sequence) or isinstance(items, str | bytes) or not items:
        raise ContactsInvalid([("contacts", "expected a list of at least one contact")])
    if len(items) > MAX_BATCH:
        raise ContactsInvalid([("contacts", f"at most {MAX_BATCH} contacts in one request")])
    problems: list[tuple[str, str]] = []
    contacts: list[ExternalContact] = []
    first_of_key: dict[str, int] = {}
    for index, item in enumerate(items):
        contact = ItemReader(f"contacts[{index}]", problems).item(item, debts, points, now)
        key = item.get("idempotency_key") if isinstance(item, Mapping) else None
        if isinstance(key, str) and key in first_of_key:
            # Named even when the first item is bad: the caller has two contacts under one key.
            first = first_of_key[key]
            problems.append(
                (f"contacts[{index}].idempotency_key", f"the same key as `contacts[{first}]`; give each its own")
            )
            continue
        if isinstance(key, str):
            first_of_key[key] = index
        if contact is not None:
            contacts.append(contact)
    if problems:
        raise ContactsInvalid(problems)
    return contacts


@dataclass
class ItemReader:
    """Reads one item, adding a (field, message) per bad field to `problems` instead of stopping at the first."""

    path: str
    problems: list[tuple[str, str]]

    def bad(self, name: str, message: str) -> None:
        """Note a bad field."""
        self.problems.append((f"{self.path}.{name}" if name else self.path, message))

    def item(self, item: Any, debts: Sequence[str], points: frozenset[str], now: dt.datetime) -> ExternalContact | None:
        """The contact, or None when any field is bad (each one noted)."""
        if not isinstance(item, Mapping):
            self.bad("", "expected an object `{…}`")
            return None
        before = len(self.problems)
        for key in item:
            if key not in ITEM_KEYS:
                self.bad(str(key), f"unknown field of a contact; expected one of {', '.join(ITEM_KEYS)}")
        at = self.instant(item.get("at"), now)
        channel = self.choice(item.get("channel"), "channel", CONTACT_CHANNELS)
        direction = self.choice(item.get("direction", "outbound"), "direction", DIRECTIONS)
        outcome = self.outcome(item.get("outcome"), channel)
        debt_list = self.debts(item.get("debts"), debts)
        to = self.point(item.get("to"), points)
        key = self.key(item.get("idempotency_key"))
        if len(self.problems) > before:
            return None
        assert at is not None and channel is not None and direction is not None and key is not None
        return ExternalContact(at, channel, direction, debt_list, outcome, to, key)

    def instant(self, value: Any, now: dt.datetime) -> dt.datetime | None:
        """`at`: an instant with its offset, not after now."""
        if value is None:
            self.bad("at", "this field is required: when the contact was made, such as `2026-03-10T14:05:00-05:00`")
            return None
        at = value if isinstance(value, dt.datetime) else parse_instant(value)
        if at is None:
            self.bad("at", f"`{value}` is not a time such as `2026-03-10T14:05:00-05:00`")
            return None
        if at.tzinfo is None or at.utcoffset() is None:
            self.bad("at", "the time needs its UTC offset, such as `-05:00` or `Z`")
            return None
        if in_future(at, now):
            self.bad("at", "this time is in the future; record a contact once it has been made")
            return None
        return at

    def choice(self, value: Any, name: str, allowed: Sequence[str]) -> str | None:
        """One of a fixed set of words."""
        if value not in allowed:
            shown = "nothing" if value is None else f"`{value}`"
            self.bad(name, f"expected one of {', '.join(allowed)}, got {shown}")
            return None
        return str(value)

    def outcome(self, value: Any, channel: str | None) -> str | None:
        """The guard's outcome word, one the channel can have (absent: unknown, counted as connected)."""
        if value is None:
            return None
        if value not in OUTCOMES:
            self.bad("outcome", f"expected one of {', '.join(OUTCOMES)}, got `{value}`")
            return None
        if channel is not None and value not in OUTCOMES_OF[channel]:
            fits = ", ".join(o for o in OUTCOMES if o in OUTCOMES_OF[channel])
            self.bad("outcome", f"a contact by `{channel}` cannot end in `{value}`; expected one of {fits}")
            return None
        return str(value)

    def debts(self, value: Any, known: Sequence[str]) -> tuple[str, ...]:
        """The account's debts the contact was about (absent: every one, the conservative count)."""
        if value is None:
            return tuple(known)
        if not isinstance(value, list) or not value:
            self.bad("debts", "expected a list of the account's debt ids; leave it out to mean every debt")
            return ()
        for index, debt in enumerate(value):
            if debt not in known:
                shown = f"`{debt}`" if isinstance(debt, str) else "a value that is not text"
                self.bad(f"debts[{index}]", f"{shown} is not a debt of this account; its debts are {', '.join(known)}")
            elif value.index(debt) != index:
                self.bad(f"debts[{index}]", f"`{debt}` is named twice")
        return tuple(str(d) for d in value)

    def point(self, value: Any, points: frozenset[str]) -> str | None:
        """The patient's contact point the contact used, by id."""
        if value is None:
            return None
        if value not in points:
            known = ", ".join(sorted(points)) or "none"
            shown = f"`{value}`" if isinstance(value, str) else "a value that is not text"
            self.bad("to", f"{shown} is not one of the patient's contact points (ids: {known})")
            return None
        return str(value)

    def key(self, value: Any) -> str | None:
        """The caller's idempotency key: text of 1 to 200 characters."""
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_KEY:
            self.bad("idempotency_key", f"every contact needs its own key: text of 1 to {MAX_KEY} characters")
            return None
        return value


def in_future(at: dt.datetime, now: dt.datetime) -> bool:
    """Whether a reported instant lies ahead of the service's clock, beyond the skew a caller's clock may have.

    What happened (a contact, an event) cannot be in the future; one dated ahead would count in caps
    and cool-downs that have not started. Shared by contacts and `POST /v1/events`.
    """
    return at > now + CLOCK_SKEW


def parse_instant(value: Any) -> dt.datetime | None:
    """ISO 8601 text as a datetime, None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def account_debts(row: AccountRow) -> tuple[str, ...]:
    """The account's debt ids as the engine reads them (an account without debts has one, `D1`)."""
    return tuple(str(d["id"]) for d in row.debts) or ("D1",)


def point_ids(patient: Patient) -> frozenset[str]:
    """The ids of the patient's contact points."""
    return frozenset(str(p["id"]) for p in patient.contact_points if isinstance(p, Mapping) and "id" in p)


def check_guard_reads(row: AccountRow, patient: Patient, contacts: Sequence[ExternalContact], now: dt.datetime) -> None:
    """Read the batch as a guard case's history, so the guard can never fail on what was stored."""
    account, ledger = engine_state(row, patient, [], [contact_row(row.account_id, c, now) for c in contacts])
    request = ContactRequest(now, "letter", account.debts)
    try:
        parse_case(case_data(account, ledger, row.organization or "agency", now, request))
    except CaseError as problem:
        field = re.sub(r"^history\[(\d+)\]", r"contacts[\1]", problem.field)
        raise ContactsInvalid([(field, problem.message)]) from None


__all__ = ["ContactsInvalid", "ExternalContact", "Recorded", "record_contacts"]
