"""Events: what happened to an account, recorded once per idempotency key.

`record_event(session, account_id, payload, idempotency_key, now)` stores an event or, when the
key was seen before, returns the first row (`created` False); the same key with a different
payload is a 409. An event that changes the account's state (a dispute, a cease request, an
attorney, a consent given or revoked, …) also sets the fact the strategy reads (`disputed`,
`cease_requested`, `attorney_represented`, `consent.sms`, …), in the same transaction.

Every new event leaves an audit row on the account's trail (`event.record`: its id, type, time,
debt and the fact it set; never its text or recipient). The fact follows the newest event by its
time (`runtime.store.event_states.superseded`), and outlives a `PUT` of the account that does not
mention it (`runtime.store.event_states.merged_facts`). A compliance officer's correction of a state
recorded by mistake is an event too (`correction`, `runtime.store.corrections`; never posted here):
the events it sets aside are read by neither the strategy nor the guard (`event_states.set_aside`).

A reply's text, and a conversation's note, is read when it is recorded, with the reply classifier
when the service has one (`runtime.reply_models`; else the revocation rules alone), and its
intents and sentiments are
kept with the event (`reading`, a key no caller may send), so every later decision reads the
same values without reading the text again.

Payload: `{"type", "at", "debt", "channel", "to", "days", "kind", "text", "facts"}`; `type` is
an event of the language (`reply`, `payment`, `conversation`, …) or of the guard (`cease`,
`consent_revoked`, `attorney_representation`, …) or `delivery_receipt`; `at` an ISO instant
with its offset. The strategy's events become `engine.account.AccountEvent`s, the guard's the
case's `events`, so each reader sees what it understands.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from dsl.schema import CONSENT_KINDS, FACTS
from dsl.vocabulary import EVENTS as STRATEGY_EVENTS
from engine.account import AccountEvent, ScoreSource, with_ledger_conversations
from engine.guard.case import CONTACT_CHANNELS, EVENT_TYPES
from engine.guarding import ACCOUNT_EVENT_TYPES
from runtime.db.tables import AccountRow, EventRow
from runtime.portfolio import BadCell, read_fact
from runtime.store import audit
from runtime.store.event_states import CONSENT_EVENTS, set_aside, state_of, superseded
from runtime.store.facts import READING_GROUPS, event_facts
from runtime.store.problems import conflict, invalid

RECEIPT = "delivery_receipt"
KNOWN_TYPES = frozenset({*STRATEGY_EVENTS, *EVENT_TYPES, RECEIPT})
PAYLOAD_KEYS = frozenset({"type", "at", "debt", "channel", "to", "days", "kind", "text", "facts"})
GUARD_FIELDS = ("debt", "channel", "to", "days", "kind", "text")
READING = "reading"  # what the reply's text was read as, added when it is stored (never sent by a caller)
# Events whose text says what the patient wants: a reply, and a conversation's note ("I will pay on
# Friday"), which the agency strategy's `on conversation when intent.payment_promise` reads.
READ_TYPES = frozenset({"reply", "conversation"})


def record_event(
    session: Session,
    account_id: str,
    payload: Mapping[str, Any],
    idempotency_key: str,
    now: dt.datetime,
    replies: Any = None,
    actor: str = "parley",
    key_id: str | None = None,
) -> tuple[EventRow, bool]:
    """Store an event once per key (in the caller's transaction); `(row, created)`.

    `replies`: the reply classifier (`engine.scores.intents.ReplyModel`) a reply's text is read
    with; None reads it by the revocation rules alone. `actor` (and the API key `key_id` it came
    with) signs the audit row a new event leaves on the account's trail; a repeat leaves none.
    """
    if not isinstance(idempotency_key, str) or not idempotency_key.strip() or len(idempotency_key) > 200:
        raise invalid("idempotency_key", "expected text of 1 to 200 characters")
    clean = checked_payload(payload)
    existing = by_key(session, idempotency_key)
    if existing is not None:
        return same_or_conflict(existing, account_id, clean), False
    # Deferred: accounts reads events, and an event is checked against its account's guard case.
    from runtime.store.accounts import check_event, locked_account

    row = locked_account(session, account_id)
    event = EventRow(
        account_id=account_id,
        idempotency_key=idempotency_key,
        type=clean["type"],
        at=read_at(clean["at"]),
        payload=with_reading(clean, replies),
        created_at=now,
    )
    check_event(session, row, event)
    try:
        with session.begin_nested():
            session.add(event)
            session.flush()
    except IntegrityError:
        # Another transaction stored the same key first (a retry racing its original).
        session.expunge(event)
        first = by_key(session, idempotency_key)
        if first is None:
            raise
        return same_or_conflict(first, account_id, clean), False
    state = state_of(clean["type"], clean)
    if state is not None and superseded(session, event, *state):
        state = None  # a later event (by its time) already set this fact: it keeps the last word
    if state is not None:
        apply_state(row, clean, now)
    session.add(row)
    # INVARIANT: the account's row lock is held (`locked_account` above), as every writer of an
    # `account:` audit subject must hold it.
    audit.append(session, actor, "event.record", f"account:{account_id}", event_audit(event, state, key_id), now)
    return event, True


def event_audit(event: EventRow, state: tuple[str, bool] | None, key_id: str | None) -> dict[str, Any]:
    """What the audit trail keeps of a new event: ids, its type and time, field names; never its text,
    recipient or fact values (a reply's words and a phone number are a patient's data)."""
    payload = event.payload
    entry: dict[str, Any] = {"event": event.id, "type": event.type, "at": event.at.isoformat()}
    for name in ("debt", "channel"):  # checked against the account's debts and the channels: ids and words
        if isinstance(payload.get(name), str):
            entry[name] = payload[name]
    if event.type in CONSENT_EVENTS and isinstance(payload.get("kind"), str):
        entry["kind"] = payload["kind"]  # a consent kind (checked); another event's `kind` may be free text
    entry["fields"] = sorted(key for key in payload if key != READING)
    if payload.get("facts"):
        entry["facts"] = sorted(payload["facts"])
    if state is not None:
        entry["sets"] = {state[0]: state[1]}
    if key_id is not None:
        entry["by_key"] = key_id
    return entry


def by_key(session: Session, key: str) -> EventRow | None:
    """The event stored under an idempotency key."""
    return session.exec(select(EventRow).where(EventRow.idempotency_key == key)).first()


def same_or_conflict(row: EventRow, account_id: str, payload: dict[str, Any]) -> EventRow:
    """The first row when the repeat is the same event; a 409 when the key was used for another."""
    sent = {key: value for key, value in row.payload.items() if key != READING}
    if row.account_id != account_id or canonical(sent) != canonical(payload):
        raise conflict("this idempotency key was already used for a different event", "idempotency_key")
    return row


def canonical(data: Any) -> str:
    """JSON text that is the same for the same data."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def checked_payload(payload: Any) -> dict[str, Any]:
    """The payload with every field checked; a 422 naming the first bad one."""
    if not isinstance(payload, Mapping):
        raise invalid("payload", "expected an object `{…}`")
    for key in payload:
        if key not in PAYLOAD_KEYS:
            raise invalid(str(key), "unknown field of an event")
    kind = payload.get("type")
    if kind not in KNOWN_TYPES:
        raise invalid("type", f"`{kind}` is not an event type; expected one of {', '.join(sorted(KNOWN_TYPES))}")
    clean = {k: v for k, v in payload.items() if v is not None}
    clean["at"] = read_at(payload.get("at")).isoformat()
    if "channel" in clean and clean["channel"] not in CONTACT_CHANNELS:
        raise invalid("channel", f"`{clean['channel']}` is not a contact channel")
    for key in ("debt", "to", "kind", "text"):
        if key in clean and not isinstance(clean[key], str):
            raise invalid(key, "expected text")
    days = clean.get("days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 0):
        raise invalid("days", "expected a whole number of days")
    if "facts" in clean:  # typed like an account's facts; the reply's reading is Parley's own
        clean["facts"] = event_facts(clean["facts"])
    if kind in CONSENT_EVENTS and clean.get("kind") not in (*CONSENT_KINDS, None):
        raise invalid("kind", f"`{clean.get('kind')}` is not a consent; expected one of {', '.join(CONSENT_KINDS)}")
    return clean


def read_at(value: Any) -> dt.datetime:
    """An instant with its offset."""
    if isinstance(value, dt.datetime):
        at = value
    else:
        try:
            at = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise invalid("at", f"`{value}` is not a time such as `2026-03-10T14:05:00-05:00`") from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise invalid("at", "the time needs its UTC offset, such as `-05:00` or `Z`")
    return at


def apply_state(row: AccountRow, payload: Mapping[str, Any], now: dt.datetime) -> tuple[str, bool] | None:
    """Set the fact an event implies (a new dict: JSON columns are not mutation-tracked); the fact set.

    `runtime.store.event_states.merged_facts` keeps it through a later `PUT` of the account.
    """
    state = state_of(payload["type"], payload)
    if state is None:
        return None
    row.facts = {**row.facts, state[0]: state[1]}
    row.updated_at = now
    return state


# ---------------------------------------------------------------- as the engine reads them


def with_reading(payload: dict[str, Any], replies: Any) -> dict[str, Any]:
    """The payload as stored: a reply's or a conversation's text with what it was read as."""
    text = payload.get("text")
    if payload["type"] not in READ_TYPES or not isinstance(text, str):
        return payload
    from engine.scores.service import score_reply  # loads scikit-learn: only when a reply is read

    values, sources = score_reply(text, replies)
    reading = {"values": values, "sources": {name: [s.model_id, s.version] for name, s in sources.items()}}
    return {**payload, READING: reading}


def read_back(payload: Mapping[str, Any]) -> tuple[dict[str, object], dict[str, ScoreSource]]:
    """A reply's intents and sentiments: as read when it was stored, else by the revocation rules now."""
    stored = payload.get(READING)
    if isinstance(stored, Mapping):
        sources = {name: ScoreSource(*source) for name, source in stored["sources"].items()}
        return dict(stored["values"]), sources
    from engine.scores.service import score_reply  # loads scikit-learn: only when a reply is read

    values, sources = score_reply(str(payload["text"]))
    return dict(values), dict(sources)


def event_id(row: EventRow) -> str:
    """The id a strategy's progress records for a handled event."""
    return f"ev-{row.id}"


def account_events(rows: Iterable[EventRow]) -> list[AccountEvent]:
    """The strategy's events (`on reply`, `on payment`, …); a reply's text is read for its intents."""
    found = []
    for row in set_aside(rows):  # an event a compliance officer's correction set aside is read by no one
        if row.type not in STRATEGY_EVENTS:
            continue
        payload = row.payload
        # The caller's facts first, so the reply's reading, read below, always has the last word.
        facts: dict[str, object] = caller_facts(payload.get("facts"))
        sources = {}
        text = payload.get("text")
        if row.type in READ_TYPES and isinstance(text, str):
            reading, sources = read_back(payload)
            facts.update(reading)
            facts["text"] = text
        if isinstance(payload.get("debt"), str):
            facts["debt"] = payload["debt"]
        found.append(AccountEvent(event_id(row), row.type, row.at, facts, sources))
    return found


def caller_facts(facts: Any) -> dict[str, object]:
    """An event's own facts, typed as the schema says; the reply's reading is never among them.

    Events stored before their facts were checked may hold an intent, a sentiment or a bad value:
    those are left out rather than trusted (an unreadable value is an unknown one).
    """
    typed: dict[str, object] = {}
    for name, value in (facts or {}).items() if isinstance(facts, Mapping) else ():
        if name not in FACTS or str(name).startswith(READING_GROUPS) or value is None:
            continue
        try:
            typed[name] = read_fact(name, value)
        except BadCell:
            continue
    return typed


def heard_events(rows: Iterable[EventRow], contacts: Iterable[Any], since: dt.datetime) -> list[AccountEvent]:
    """The strategy's events, with each conversation recorded in the live contacts read among them.

    A call an outreach system records with the outcome `conversation` (`POST /v1/accounts/{id}/contacts`)
    at or after `since` (the start of the placement day) is a conversation the strategy hears (`on
    conversation`), once, under the id `ct-{contact id}`; one from before the strategy took the account
    is history, which only the guard reads. One posted to `/v1/events` at the same instant is the
    same conversation, heard once.
    """
    recorded = [
        (f"ct-{c.contact_id}", c.at, tuple(c.debts))
        for c in contacts
        if getattr(c, "outcome", None) == "conversation" and getattr(c, "contact_id", None) is not None
        if c.at >= since
    ]
    return list(with_ledger_conversations(account_events(rows), recorded))


def guard_events(rows: Iterable[EventRow]) -> list[dict[str, Any]]:
    """The guard case's events; those the guard already reads from the account's events are left out."""
    found = []
    for row in set_aside(rows):
        if row.type not in EVENT_TYPES or row.type in ACCOUNT_EVENT_TYPES:
            continue
        data: dict[str, Any] = {"at": row.at.isoformat(), "type": row.type}
        data.update({key: row.payload[key] for key in GUARD_FIELDS if key in row.payload})
        found.append(data)
    return found
