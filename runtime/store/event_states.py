"""Account states that events establish, and how an account's re-sync leaves them in force.

A dispute, a cease request, an attorney, a bankruptcy, a death, a consent given or revoked…
reach Parley as events (`POST /v1/events`), and `runtime.store.events.apply_state` sets the fact
a strategy reads (`disputed`, `cease_requested`, `consent.sms`, …). The billing system re-sends
the account (`PUT /v1/accounts/{id}`) with its usual body, which knows nothing of those events.

The rule, for every fact an event of the account has set (`merged_facts`):
- a PUT that leaves the fact out (or sends it as null, unknown) keeps the stored value: a routine
  re-sync never ends a dispute, a cease or a revoked consent (12 CFR 1006.38(d); 1006.6(c);
  47 CFR 64.1200(a)(10));
- a PUT may always make it stricter (`disputed: true`, `consent.sms: false`);
- a PUT that would lift a protective state in force (`disputed`, `cease_requested`,
  `attorney_represented`, `bankrupt`, `deceased` back to false; a revoked `consent.*` back to
  true) is refused with a 409 naming the fact: what the patient told us is
  changed by recording what happened next as an event (`verification_sent` answers a dispute,
  `consent_given` gives consent again), so the change is dated and audited;
- other event-set facts (`verified`, `paid`, `plan_active`, `fa_application_pending`, a
  consent given) take the PUT's explicit value: the billing system is their source of truth too.

A state recorded by mistake (a cease posted to the wrong account) is set right by a compliance
officer's correction (`POST /v1/accounts/{id}/corrections`, `runtime.store.corrections`), stored as
an event of its own type, `correction`, dated when it was made, so it is one more event-set fact
under the rules above. Its reach (`set_aside`, `superseded`):
- every event of that fact recorded before the correction is set aside: neither the guard nor the
  strategy reads it again, and the fact keeps the corrected value through every later PUT;
- an event of that fact recorded after it applies as usual when dated after it (a genuine cease
  next week); one dated before it applies only when it protects the patient (a cease letter
  keyed in late is news the officer never weighed), never when it would relax the fact again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeVar

from sqlmodel import Session, col, select

from dsl.schema import CONSENT_KINDS
from runtime.db.tables import EventRow
from runtime.store.problems import conflict

# The account state an event sets (True), or clears (False).
STATE_OF_EVENT: dict[str, tuple[str, bool]] = {
    "dispute": ("disputed", True),
    "verification_sent": ("verified", True),
    "cease": ("cease_requested", True),
    "attorney_representation": ("attorney_represented", True),
    "bankruptcy": ("bankrupt", True),
    "deceased": ("deceased", True),
    "paid": ("paid", True),
    "plan_accepted": ("plan_active", True),
    "fa_application": ("fa_application_pending", True),
    "fa_decision": ("fa_application_pending", False),
}
CONSENT_EVENTS = {"consent_given": True, "consent_revoked": False, "opt_out": False}
# A compliance officer's correction of a state recorded by mistake: payload `{"fact", "value", "reason"}`.
CORRECTION = "correction"
# The value of a state that stops or limits collection, and the event that changes it lawfully.
PROTECTIVE: dict[str, bool] = {
    "disputed": True,
    "cease_requested": True,
    "attorney_represented": True,
    "bankrupt": True,
    "deceased": True,
}
# The facts a correction may set: the protective states and every consent.
CORRECTABLE: tuple[str, ...] = (*PROTECTIVE, *(f"consent.{kind}" for kind in CONSENT_KINDS))
LIFTED_BY = {
    "disputed": "record a `verification_sent` event when verification is sent; after it, a re-send may set"
    " `disputed` to false (12 CFR 1006.38(c), (d): collection of a disputed debt waits only until verification is sent)"
}
CONSENT_LIFTED_BY = "record a `consent_given` event when the patient consents again"


def state_of(kind: str, payload: Mapping[str, Any]) -> tuple[str, bool] | None:
    """The fact an event sets and its value (`("disputed", True)`), or None for an event that sets none."""
    if kind in STATE_OF_EVENT:
        return STATE_OF_EVENT[kind]
    if kind == CORRECTION:
        fact, value = payload.get("fact"), payload.get("value")
        return (fact, value) if fact in CORRECTABLE and isinstance(value, bool) else None
    consent = payload.get("kind")
    if kind in CONSENT_EVENTS and consent in CONSENT_KINDS:
        return f"consent.{consent}", CONSENT_EVENTS[kind]
    return None


STATE_KINDS = (*STATE_OF_EVENT, *CONSENT_EVENTS, CORRECTION)  # the event types that set a fact


def event_set_facts(session: Session, account_id: str) -> frozenset[str]:
    """The facts some event (a correction too) of the account has set (read under the account's lock)."""
    kinds = STATE_KINDS
    query = select(EventRow.type, EventRow.payload).where(
        EventRow.account_id == account_id, col(EventRow.type).in_(kinds)
    )
    found = (state_of(kind, payload or {}) for kind, payload in session.exec(query).all())
    return frozenset(state[0] for state in found if state is not None)


def superseded(session: Session, event: EventRow, name: str, value: bool | None = None) -> bool:
    """Whether an event already stored, dated after `event`, set the same fact (it has the last word).

    Events can arrive late (a mailed revocation keyed in after a later consent): the fact follows
    the newest event by its time, not by when it was recorded. A correction made before `event` was
    recorded has the last word only over a `value` that would relax the fact: a protective event
    keyed in late is something the correcting officer never saw.
    """
    relaxes = value is not None and protective_value(name) is not None and value is not protective_value(name)
    # At the same instant the protective event has the last word (a revocation and a consent both
    # dated 09:00 leave consent revoked, whichever was keyed in last).
    later = EventRow.at >= event.at if relaxes else EventRow.at > event.at
    query = select(EventRow.type, EventRow.payload).where(
        EventRow.account_id == event.account_id, col(EventRow.type).in_(STATE_KINDS), later
    )
    if event.id is not None:
        query = query.where(EventRow.id != event.id)
    if value is not None and value is protective_value(name):
        query = query.where(EventRow.type != CORRECTION)
    found = (state_of(kind, payload or {}) for kind, payload in session.exec(query).all())
    return any(state is not None and state[0] == name for state in found)


class StoredEvent(Protocol):
    """An event row as its readers get it (`EventRow`, `runtime.store.hot.StoredEvent`)."""

    id: int | None
    type: str
    at: dt.datetime
    payload: dict[str, Any]


Row = TypeVar("Row", bound=StoredEvent)


def set_aside(rows: Iterable[Row]) -> list[Row]:
    """The events without those a correction set aside, and without the corrections themselves.

    Of the events that set a corrected fact, set aside: every one recorded before the newest
    correction of that fact, and one recorded after it but dated before it that would relax the
    fact again (`superseded` kept it from setting the fact, so no reader may read it either).
    """
    rows = list(rows)
    newest: dict[str, Row] = {}
    for row in rows:
        state = state_of(row.type, row.payload or {}) if row.type == CORRECTION else None
        if state is not None and (state[0] not in newest or (row.id or 0) > (newest[state[0]].id or 0)):
            newest[state[0]] = row
    if not newest:
        return [row for row in rows if row.type != CORRECTION]
    return [row for row in rows if row.type != CORRECTION and not corrected(row, newest)]


def corrected(row: StoredEvent, newest: Mapping[str, StoredEvent]) -> bool:
    """Whether the newest correction of the fact `row` sets has set `row` aside (see `set_aside`)."""
    state = state_of(row.type, row.payload or {})
    correction = None if state is None else newest.get(state[0])
    if state is None or correction is None:
        return False
    if row.id is not None and correction.id is not None and row.id < correction.id:
        return True  # recorded before the correction: the officer weighed it
    return row.at <= correction.at and state[1] is not protective_value(state[0])


def protective_value(name: str) -> bool | None:
    """The value of `name` that protects the patient, None when the fact is not a protective state."""
    if name.startswith("consent."):
        return False
    return PROTECTIVE.get(name)


def answered(session: Session, account_id: str, now: dt.datetime) -> frozenset[str]:
    """The protective states an event has lawfully answered, as the guard reads them: every disputed
    debt's newest dispute followed, strictly later and by `now`, by verification sent for that debt
    (12 CFR 1006.38(c), (d)), so a re-send may lift `disputed`."""
    query = select(EventRow.type, EventRow.at, EventRow.payload).where(
        EventRow.account_id == account_id,
        col(EventRow.type).in_(("dispute", "verification_sent")),
        EventRow.at <= now,
    )
    disputed: dict[str, dt.datetime] = {}
    verified: dict[str, dt.datetime] = {}
    for kind, at, payload in session.exec(query).all():
        newest = disputed if kind == "dispute" else verified
        debt = str((payload or {}).get("debt"))
        newest[debt] = max(newest.get(debt, at), at)
    if not disputed or any(debt not in verified or verified[debt] <= at for debt, at in disputed.items()):
        return frozenset()
    return frozenset({"disputed"})


def merged_facts(
    sent: Mapping[str, Any], stored: Mapping[str, Any], owned: frozenset[str], lifted: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], list[str]]:
    """The facts to store and the event-set ones kept because the PUT left them out.

    `sent`: the PUT's facts as stored (nulls left out), `stored`: the row's facts now, `owned`: the
    facts events have set (`event_set_facts`), `lifted`: protective states an event has answered
    (`answered`), which a PUT may lift. Raises a 409 naming the first other protective state the
    PUT would lift.
    """
    facts = dict(sent)
    kept = []
    for name in sorted(owned):
        if name not in stored:
            continue
        if name not in sent:
            facts[name] = stored[name]
            kept.append(name)
            continue
        guard = protective_value(name)
        if guard is not None and stored[name] is guard and sent[name] is not guard and name not in lifted:
            raise conflict(lift_message(name), f"facts.{name}")
    return facts, kept


def lift_message(name: str) -> str:
    """Why a PUT may not lift a state an event established, and what to do instead."""
    how = CONSENT_LIFTED_BY if name.startswith("consent.") else LIFTED_BY.get(name)
    hint = how or (
        "it cannot be undone by re-sending the account; a compliance officer who finds it was recorded by"
        " mistake can correct it (`POST /v1/accounts/{id}/corrections`)"
    )
    return f"`{name}` was set by an event the patient or their representative sent; {hint}"
