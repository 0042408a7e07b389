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
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
# The value of a state that stops or limits collection, and the event that changes it lawfully.
PROTECTIVE: dict[str, bool] = {
    "disputed": True,
    "cease_requested": True,
    "attorney_represented": True,
    "bankrupt": True,
    "deceased": True,
}
LIFTED_BY = {"disputed": "record a `verification_sent` event when verification is sent"}
CONSENT_LIFTED_BY = "record a `consent_given` event when the patient consents again"


def state_of(kind: str, payload: Mapping[str, Any]) -> tuple[str, bool] | None:
    """The fact an event sets and its value (`("disputed", True)`), or None for an event that sets none."""
    if kind in STATE_OF_EVENT:
        return STATE_OF_EVENT[kind]
    consent = payload.get("kind")
    if kind in CONSENT_EVENTS and consent in CONSENT_KINDS:
        return f"consent.{consent}", CONSENT_EVENTS[kind]
    return None


def event_set_facts(session: Session, account_id: str) -> frozenset[str]:
    """The facts some event of the account has set (read under the account's lock)."""
    kinds = (*STATE_OF_EVENT, *CONSENT_EVENTS)
    query = select(EventRow.type, EventRow.payload).where(
        EventRow.account_id == account_id, col(EventRow.type).in_(kinds)
    )
    found = (state_of(kind, payload or {}) for kind, payload in session.exec(query).all())
    return frozenset(state[0] for state in found if state is not None)


def superseded(session: Session, event: EventRow, name: str) -> bool:
    """Whether an event already stored, dated after `event`, set the same fact (it has the last word).

    Events can arrive late (a mailed revocation keyed in after a later consent): the fact follows
    the newest event by its time, not by when it was recorded.
    """
    kinds = (*STATE_OF_EVENT, *CONSENT_EVENTS)
    query = select(EventRow.type, EventRow.payload).where(
        EventRow.account_id == event.account_id, col(EventRow.type).in_(kinds), EventRow.at > event.at
    )
    later = (state_of(kind, payload or {}) for kind, payload in session.exec(query).all())
    return any(state is not None and state[0] == name for state in later)


def protective_value(name: str) -> bool | None:
    """The value of `name` that protects the patient, None when the fact is not a protective state."""
    if name.startswith("consent."):
        return False
    return PROTECTIVE.get(name)


def merged_facts(
    sent: Mapping[str, Any], stored: Mapping[str, Any], owned: frozenset[str]
) -> tuple[dict[str, Any], list[str]]:
    """The facts to store and the event-set ones kept because the PUT left them out.

    `sent`: the PUT's facts as stored (nulls left out), `stored`: the row's facts now, `owned`: the
    facts events have set (`event_set_facts`). Raises a 409 naming the first protective state the
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
        if guard is not None and stored[name] is guard and sent[name] is not guard:
            raise conflict(lift_message(name), f"facts.{name}")
    return facts, kept


def lift_message(name: str) -> str:
    """Why a PUT may not lift a state an event established, and what to do instead."""
    how = CONSENT_LIFTED_BY if name.startswith("consent.") else LIFTED_BY.get(name)
    hint = how or "it cannot be undone by re-sending the account; a compliance officer must review the event"
    return f"`{name}` was set by an event the patient or their representative sent; {hint}"
