"""Messages still waiting in the outbox, judged again when something about the account changes.

`/v1/decide` reserves a contact for later today (the step's best time) after the guard allowed it
then. What happens before it goes out can make it one the guard would refuse: a STOP reply
(the TCPA's revocation is honoured at once), a cease notice or an attorney (when received), a
dispute (collection of that debt waits for verification), a conversation an agent recorded
(Regulation F's seven days without calls). So whoever records such a thing calls
`recheck_pending(session, account_id, rules, changed_at, organization_of, actor, now)` in the
same transaction, still holding the account's lock.

Each contact of the account that is reserved and whose message is still waiting (`pending`, or
leased with a lease that ran out; not held by a worker or an outreach system, not delivered) is
judged again on the account's ledger as it is now, with its own row left out (it must not count
against itself), at the earliest it could still go out: its own time, or the moment of the change
(`changed_at`, the event's time) if that is later, so a contact whose time passed before a STOP
arrived is judged after the STOP. A refused one is cancelled: it no longer counts toward any cap,
its message becomes a dead letter whose error names the rules, and the account's audit trail says
which contacts were cancelled and why. A message held under a live lease is in flight and is left
alone.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from engine.account import Progress
from engine.decide import AUTOMATED, ContactRequest, GuardAnswer
from engine.guard import GuardRules
from engine.guarding import Ledger, account_guard
from engine.recipients import point_value
from runtime.db.database import is_sqlite
from runtime.db.tables import AccountRow, ContactRow, OutboxRow
from runtime.outbox.store import DEAD, LEASED, PENDING
from runtime.store import audit
from runtime.store.accounts import load_account, locked_account
from runtime.store.hot_pg import utc

log = logging.getLogger(__name__)

CANCELLED = "cancelled"
POINT_CHANGED = "contact point changed"  # not a legal rule: the address the message carries is stale


def recheck_pending(
    session: Session,
    account_id: str,
    rules: GuardRules,
    changed_at: dt.datetime | None,
    organization_of: Callable[[str], str],
    actor: str,
    now: dt.datetime,
) -> list[int]:
    """Cancel the account's waiting contacts the guard now refuses; their ids.

    `changed_at`: when the change happened (an event's time); None for a change of the account's or
    the patient's standing data (a fact, a consent, a contact point), which holds at every contact's
    own time. `organization_of(strategy_name)` says who collects when the account does not (the
    strategy's organization, as decide reads it); `now` lets lapsed leases count as waiting and
    dates the audit row.
    """
    waiting = waiting_contacts(session, account_id, now)
    if not waiting:
        return []  # the usual case: nothing waits in the outbox for this account
    organization = collector(session, account_id, organization_of)
    cancelled: list[dict[str, Any]] = []
    for contact, message in waiting:
        own = utc(contact.at) or now
        moment = own if changed_at is None else max(own, changed_at.astimezone(dt.UTC))
        account, ledger = load_account(session, account_id, moment)  # without the ones cancelled so far
        answer = judged(account, without(ledger, contact), rules, organization, moment, contact, message)
        if answer.allowed:
            continue
        rules_broken = broken(answer)
        cancel(contact, message, rules_broken)
        session.flush()
        cancelled.append({"contact": contact.id, "channel": contact.channel, "rules": rules_broken})
    if cancelled:
        payload = {"cancelled": cancelled}
        audit.append(session, actor, "contacts.cancel", f"account:{account_id}", payload, now)
        log.info("account %s: %d waiting contact(s) cancelled on recheck", account_id, len(cancelled))
    return [int(c["contact"]) for c in cancelled]


def recheck_patient(
    session: Session,
    patient_id: str,
    rules: GuardRules,
    organization_of: Callable[[str], str],
    actor: str,
    now: dt.datetime,
) -> list[int]:
    """`recheck_pending` for every account of a patient whose time zones, contact points or HIPAA
    preferences changed, each under its account's lock (taken in id order, as decide takes one)."""
    query = select(AccountRow.account_id).where(AccountRow.patient_id == patient_id).order_by(AccountRow.account_id)
    cancelled: list[int] = []
    for account_id in session.exec(query).all():
        locked_account(session, account_id)
        cancelled += recheck_pending(session, account_id, rules, None, organization_of, actor, now)
    return cancelled


def collector(session: Session, account_id: str, organization_of: Callable[[str], str]) -> str:
    """Who collects the account: its own organization, else its strategy's (`organization_of`)."""
    row = session.get(AccountRow, account_id)
    return (row.organization if row is not None else None) or organization_of(
        row.strategy_name if row is not None else ""
    )


def waiting_contacts(session: Session, account_id: str, now: dt.datetime) -> list[tuple[ContactRow, OutboxRow]]:
    """The account's reserved contacts whose messages nobody holds, in time order, their outbox rows locked.

    Waiting: `pending`, or `leased` with a lease that ran out (its holder is gone, and `lease` would
    hand it out again). The outbox rows are locked first (PostgreSQL `FOR UPDATE`; SQLite's write
    transaction already holds the database), in the order the outbox store locks them (message,
    then contact), so no lease lands between judging a message and cancelling it.
    """
    due = sa.or_(OutboxRow.status == PENDING, sa.and_(OutboxRow.status == LEASED, col(OutboxRow.lease_until) <= now))
    query = (
        select(ContactRow, OutboxRow)
        .join(OutboxRow, col(OutboxRow.contact_id) == col(ContactRow.id))
        .where(OutboxRow.account_id == account_id, due, ContactRow.status == "reserved")
        .order_by(col(ContactRow.at), col(ContactRow.id))
        .execution_options(populate_existing=True)
    )
    if not is_sqlite(session):
        query = query.with_for_update(of=OutboxRow)  # type: ignore[arg-type]
    return [(contact, message) for contact, message in session.exec(query).all()]


def without(ledger: Ledger, contact: ContactRow) -> Ledger:
    """The ledger with the contact's own row taken out (the first row of its time, channel and debts)."""
    at = utc(contact.at)
    for index, row in enumerate(ledger.history):
        if same_contact(row, at, contact.channel, contact.debts):
            history = (*ledger.history[:index], *ledger.history[index + 1 :])
            return replace(ledger, history=history, parsed=None)
    return ledger


def same_contact(row: Mapping[str, Any], at: dt.datetime | None, channel: str, debts: Sequence[str]) -> bool:
    """Whether a guard-case ledger row is the one a reserved contact became."""
    if row.get("channel") != channel or row.get("direction", "outbound") != "outbound" or row.get("outcome"):
        return False
    return list(row.get("debts", [])) == list(debts) and utc(dt.datetime.fromisoformat(str(row["at"]))) == at


def judged(
    account: Any,
    ledger: Ledger,
    rules: GuardRules,
    organization: str,
    moment: dt.datetime,
    contact: ContactRow,
    message: OutboxRow,
    until: dt.datetime | None = None,
) -> GuardAnswer:
    """The guard's answer for the contact as decide asked it, were it to go out at `moment`.

    `until`: search for `next_allowed_at` no later than this (None: the guard's own horizon). A
    message whose point now holds another number or address than the one it was queued to (the
    patient's record was re-sent) is refused: the old one may be someone else's now.
    """
    stored = message.message if isinstance(message.message, dict) else {}
    automated = AUTOMATED.get(contact.channel)
    address = stored.get("to")
    to = contact.to_point or point_sent_to(ledger, address)  # rows from before `to_point`
    if isinstance(address, str) and (to is None or point_sent_to(ledger, address, to) is None):
        which = f"`{to}`" if to is not None else "on file"
        problem = f"no contact point {which} holds the address the message was queued to any more"
        return GuardAnswer(False, None, {"allowed": False, "violations": [{"rule": POINT_CHANGED, "message": problem}]})
    request = ContactRequest(
        moment, contact.channel, tuple(contact.debts), automated, stored.get("template"), until, to
    )
    return account_guard(account, ledger, rules, organization, moment)(request)


def point_sent_to(ledger: Ledger, address: object, point_id: str | None = None) -> str | None:
    """The id of the patient's contact point (`point_id`'s, when given) that holds the address the
    message is addressed to; None when none on file holds it any more."""
    if not isinstance(address, str):
        return None
    points = ledger.patient.get("contact_points") if isinstance(ledger.patient, Mapping) else None
    for point in points if isinstance(points, list) else []:
        if not isinstance(point, Mapping) or (point_id is not None and str(point.get("id")) != point_id):
            continue
        if point_value(point) == address:
            return str(point.get("id"))
    return None


def broken(answer: GuardAnswer) -> list[str]:
    """The rule ids of a refusal (`case: FIELD` when the case could not be read; never a value: PHI)."""
    found = answer.details.get("violations")
    if isinstance(found, list):
        return sorted({str(v.get("rule")) for v in found if isinstance(v, Mapping)})
    error = answer.details.get("error")
    return [f"case: {error.get('field')}"] if isinstance(error, Mapping) and error.get("field") else ["case"]


def cancel(contact: ContactRow, message: OutboxRow, rules_broken: Sequence[str]) -> None:
    """The contact no longer counts; its message is a dead letter that says why."""
    contact.status = CANCELLED
    message.status, message.lease_owner, message.lease_until = DEAD, None, None
    message.last_error = f"cancelled before delivery: the guard now refuses it ({', '.join(rules_broken)})"


def cancel_held(
    session: Session, account_id: str, before: Progress, after: Progress, steps: Collection[str], now: dt.datetime
) -> list[dict[str, Any]]:
    """Cancel the waiting contacts a `pause` or `stop` the strategy just acted on holds back; what was cancelled.

    A pause holds back the steps' contacts before it ends (a hardship reply at 08:30 stops the
    payment reminder decide reserved at 08:00 for 10:00); `stop CHANNEL` every contact on that
    channel; a bare `stop` every one. The caller (decide) records them in its own audit row.
    """
    if (after.paused_until, after.stopped_channels, after.ended) == (
        before.paused_until,
        before.stopped_channels,
        before.ended,
    ):
        return []  # the usual decision: no new hold
    cancelled = []
    for contact, message in waiting_contacts(session, account_id, now):
        reason = hold_on(contact, after, steps)
        if reason is not None:
            cancel(contact, message, [reason])
            cancelled.append({"contact": contact.id, "channel": contact.channel, "held_by": reason})
    return cancelled


def hold_on(contact: ContactRow, progress: Progress, steps: Collection[str]) -> str | None:
    """The strategy's own hold that stops a waiting contact (`stop`, `stop CHANNEL`, `pause`), or None."""
    if progress.ended:
        return "stop"
    if contact.channel in progress.stopped_channels:
        return f"stop {contact.channel}"
    until = progress.paused_until
    at = utc(contact.at)
    if until is not None and at is not None and contact.source in steps and at < until:
        return "pause"
    return None
