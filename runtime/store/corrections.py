"""Corrections: a compliance officer sets right a protective state recorded by mistake, with a trail.

A cease, an attorney, a death or a revoked consent posted to the wrong account cannot be lifted by
re-sending the account (`runtime.store.event_states.merged_facts` answers 409) nor by any event the
patient could send. `record_correction(session, account_id, data, now, actor, key_id)` is the one
way: `data` is `{"fact", "value", "reason"}`, where `fact` is a protective state (`disputed`,
`cease_requested`, `attorney_represented`, `bankrupt`, `deceased`) or a consent (`consent.sms`, …),
`value` true or false, and `reason` 10 to 500 characters saying why (a ticket, what was mistaken).

Under the account's row lock it stores the correction as an event of its own type (`correction`,
dated `now`, the reason in its payload: the database keeps it) and sets the fact, so every later
`PUT` and decision reads the corrected value, and the events it sets aside are read by neither the
strategy nor the guard (`runtime.store.event_states.set_aside`, which also says what a later event
does). Nothing else about the account changes. It leaves one audit row, `account.correct` on
`account:{id}`: the fact, its value before and after, the correction's event id, the key it came
with, and the reason's length and SHA-256 (so the stored reason can be checked against the trail);
never the reason's text, which may name the patient.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from dsl.schema import suggest
from runtime.db.tables import EventRow
from runtime.store import audit
from runtime.store.accounts import check_keys, locked_account
from runtime.store.event_states import CORRECTABLE, CORRECTION, protective_value
from runtime.store.problems import conflict, invalid

KEYS = frozenset({"fact", "value", "reason"})
REASON_CHARS = (10, 500)


@dataclass(frozen=True)
class Correction:
    """A correction as stored: the fact, its value before (None: it was not set) and after, the event."""

    account_id: str
    fact: str
    previous: bool | None
    value: bool
    event_id: int
    at: dt.datetime

    @property
    def tightens(self) -> bool:
        """Whether the corrected value protects the patient more than before (waiting messages need a look)."""
        return self.value is protective_value(self.fact) and self.previous is not self.value


def record_correction(
    session: Session,
    account_id: str,
    data: Mapping[str, Any],
    now: dt.datetime,
    actor: str,
    key_id: str | None = None,
) -> Correction:
    """Correct one protective fact of an account (in the caller's transaction); a 422 naming the bad field.

    `actor` (the compliance officer) and `key_id` sign the audit row; see the module's docstring.
    """
    fact, value, reason = checked(data)
    # INVARIANT: the lock is taken before the facts are read, as events and upserts take it.
    row = locked_account(session, account_id)
    if fact == "disputed" and value is False:
        one_debt_only(session, account_id)
    stored = row.facts.get(fact)
    previous = stored if isinstance(stored, bool) else None
    event = EventRow(
        account_id=account_id,
        idempotency_key=f"{CORRECTION}:{uuid.uuid4().hex}",  # each correction is its own act, never a repeat
        type=CORRECTION,
        at=now,
        payload={"type": CORRECTION, "at": now.isoformat(), "fact": fact, "value": value, "reason": reason},
        created_at=now,
    )
    session.add(event)
    row.facts = {**row.facts, fact: value}  # a new dict: JSON columns are not mutation-tracked
    row.updated_at = now
    session.add(row)
    session.flush()
    entry: dict[str, Any] = {
        "event": event.id,
        "fact": fact,
        "from": previous,
        "to": value,
        "reason_chars": len(reason),
        "reason_sha256": hashlib.sha256(reason.encode("utf-8")).hexdigest(),
    }
    if key_id is not None:
        entry["by_key"] = key_id
    audit.append(session, actor, "account.correct", f"account:{account_id}", entry, now)
    return Correction(account_id, fact, previous, value, int(event.id or 0), now)


def one_debt_only(session: Session, account_id: str) -> None:
    """A 409 when open disputes (no verification sent for that debt since) name more than one debt: a
    correction of `disputed` sets all of them aside, and the guard holds each debt's collection on
    its own dispute (12 CFR 1006.38(c), (d)), so a genuine one would be lifted with the mistaken one."""
    query = select(EventRow.type, EventRow.at, EventRow.payload).where(
        EventRow.account_id == account_id, col(EventRow.type).in_(("dispute", "verification_sent"))
    )
    newest: dict[tuple[str, str], dt.datetime] = {}
    for kind, at, payload in session.exec(query).all():
        key = (kind, str((payload or {}).get("debt")))
        newest[key] = max(newest.get(key, at), at)
    open_debts = sorted(
        debt
        for (kind, debt), at in newest.items()
        if kind == "dispute" and newest.get(("verification_sent", debt), at) <= at
    )
    if len(open_debts) > 1:
        raise conflict(
            f"open disputes name debts {', '.join(f'`{d}`' for d in open_debts)}; a correction would lift them"
            " all: answer the genuine ones with `verification_sent` first (a correction cannot name one debt)",
            "fact",
        )


def checked(data: Any) -> tuple[str, bool, str]:
    """`(fact, value, reason)` from a correction's body; a 422 naming the first bad field."""
    check_keys(data, KEYS, "")
    for name in ("fact", "value", "reason"):
        if data.get(name) is None:
            raise invalid(name, "this field is required")
    fact = data["fact"]
    if not isinstance(fact, str) or fact not in CORRECTABLE:
        near = suggest(str(fact), CORRECTABLE) if isinstance(fact, str) else None
        hint = f"did you mean `{near}`?" if near else f"expected one of {', '.join(CORRECTABLE)}"
        raise invalid("fact", f"`{fact}` is not a state a correction can set; {hint}")
    value = data["value"]
    if not isinstance(value, bool):
        raise invalid("value", "expected true or false")
    reason = data["reason"]
    low, high = REASON_CHARS
    if not isinstance(reason, str) or not low <= len(reason.strip()) <= high:
        raise invalid("reason", f"say why the state was wrong, in {low} to {high} characters (a ticket, what happened)")
    return fact, value, reason.strip()
