"""Hand-offs: accounts a strategy handed to a person, and the queue people work them from.

`open_handoff` is called by decide in its transaction; `list_handoffs`, `claim` and `resolve`
by the API. A hand-off goes open → claimed → resolved; claiming one someone else holds, or
resolving one not claimed by the resolver, is a 409. Reasons are the strategy's words (a queue
and a priority), never the patient's. `waiting_screening` finds the screening hand-off a `screen`
step already opened (`runtime.store.handoffs_screening`), so decide does not open a second.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session, col, select

from engine.decide import Proposal
from runtime.db.tables import HandoffRow
from runtime.store.handoffs_screening import (
    SCREENING_QUEUE,
    SCREENING_REASON,
    is_screen,
    screening_desk,
    screening_reason,
)
from runtime.store.problems import conflict, invalid, not_found

STATUSES = ("open", "claimed", "resolved")
WAITING = ("open", "claimed")  # a person has it, or will: the work is not done


def open_handoff(
    session: Session,
    account_id: str,
    decision_id: int | None,
    reason: str,
    now: dt.datetime,
    queue: str = "",
    priority: str = "normal",
) -> HandoffRow:
    """A new open hand-off for an account, to a desk's queue at a priority."""
    row = HandoffRow(
        account_id=account_id,
        decision_id=decision_id,
        reason=reason,
        queue=queue,
        priority=priority,
        status="open",
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


def waiting_screening(session: Session, account_id: str, since: dt.datetime | None) -> HandoffRow | None:
    """The account's newest screening hand-off still open or claimed and opened after `since`, or None.

    `since`: when the newest `fa_screening` event happened (None: never). A screening hand-off
    opened before that event has had its answer, even if nobody has closed it yet.
    """
    query = select(HandoffRow).where(
        HandoffRow.account_id == account_id,
        HandoffRow.queue == SCREENING_QUEUE,
        col(HandoffRow.status).in_(WAITING),
        col(HandoffRow.reason).startswith(SCREENING_REASON, autoescape=True),
    )
    if since is not None:
        query = query.where(HandoffRow.created_at > since)
    return session.exec(query.order_by(col(HandoffRow.id).desc()).limit(1)).first()


def open_screening(
    session: Session,
    account_id: str,
    decision_id: int | None,
    kept: Sequence[Proposal],
    waiting: HandoffRow | None,
    now: dt.datetime,
) -> tuple[int, bool] | None:
    """The counselor hand-off a decision's `screen` opens, or the one still waiting; its id and whether it is new.

    One per decision however many of its steps and handlers screen: they all ask the same people
    for the same thing. `waiting`: `waiting_screening`'s answer, read before the decision row was
    written. None when nothing in `kept` screens.
    """
    screen = next((p for p in kept if is_screen(p)), None)
    if screen is None:
        return None
    if waiting is not None and waiting.id is not None:
        return waiting.id, False
    row = open_handoff(session, account_id, decision_id, screening_reason(screen), now, *screening_desk(screen, kept))
    return int(row.id or 0), True


def list_handoffs(
    session: Session,
    status: str | None = "open",
    account_id: str | None = None,
    after: int = 0,
    limit: int = 100,
    queue: str | None = None,
    priority: str | None = None,
) -> list[HandoffRow]:
    """Hand-offs oldest first, by status (None: any), account, queue and priority, after an id (for paging).

    A desk pulls its own queue, its urgent and high-priority work first by asking for those.
    """
    if status is not None and status not in STATUSES:
        raise invalid("status", f"`{status}` is not a hand-off status; expected one of {', '.join(STATUSES)}")
    query = select(HandoffRow).where(HandoffRow.id > after)
    if status is not None:
        query = query.where(HandoffRow.status == status)
    if account_id is not None:
        query = query.where(HandoffRow.account_id == account_id)
    if queue is not None:
        query = query.where(HandoffRow.queue == queue)
    if priority is not None:
        query = query.where(HandoffRow.priority == priority)
    return list(session.exec(query.order_by(col(HandoffRow.id)).limit(max(1, min(limit, 1000)))).all())


def get_handoff(session: Session, handoff_id: int, for_update: bool = False) -> HandoffRow:
    """One hand-off (locked for the transaction when `for_update`); a 404 when there is none."""
    query = select(HandoffRow).where(HandoffRow.id == handoff_id).execution_options(populate_existing=True)
    if for_update and session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update()
    row = session.exec(query).first()
    if row is None:
        raise not_found(f"there is no hand-off {handoff_id}", "handoff_id")
    return row


def claim(session: Session, handoff_id: int, actor: str, now: dt.datetime) -> HandoffRow:
    """Take an open hand-off; claiming one again by the same person changes nothing."""
    row = get_handoff(session, handoff_id, for_update=True)
    if row.status == "claimed" and row.claimed_by == actor:
        return row
    if row.status != "open":
        raise conflict(f"hand-off {handoff_id} is {row.status}, not open", "handoff_id")
    row.status, row.claimed_by, row.updated_at = "claimed", actor, now
    session.add(row)
    session.flush()
    return row


def resolve(session: Session, handoff_id: int, actor: str, resolution: str, now: dt.datetime) -> HandoffRow:
    """Close a hand-off the actor claimed, saying how it ended (no patient data in `resolution`)."""
    if not isinstance(resolution, str) or not resolution.strip() or len(resolution) > 2000:
        raise invalid("resolution", "say how the hand-off ended, in at most 2,000 characters")
    row = get_handoff(session, handoff_id, for_update=True)
    if row.status != "claimed":
        raise conflict(f"hand-off {handoff_id} is {row.status}; claim it before resolving it", "handoff_id")
    if row.claimed_by != actor:
        raise conflict(f"hand-off {handoff_id} is claimed by someone else", "handoff_id")
    row.status, row.resolution, row.updated_at = "resolved", resolution.strip(), now
    session.add(row)
    session.flush()
    return row
