"""The hand-off queue (people taking over from automation) and the audit log (query and verify)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from runtime.api.auth import Caller, require
from runtime.api.deps import State, reading, record, utc_now, writing
from runtime.api.schemas import AuditOut, ErrorOut, HandoffOut, ResolveIn, VerifyOut
from runtime.db.tables import HandoffRow
from runtime.store import audit, handoffs

router = APIRouter(responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 422: {"model": ErrorOut}})
Agent = Annotated[Caller, Depends(require("outreach", "compliance"))]
Auditor = Annotated[Caller, Depends(require("auditor", "compliance"))]
HandoffId = Annotated[int, Path(ge=1, le=2**62)]
Limit = Annotated[int, Query(ge=1, le=1000)]
After = Annotated[int, Query(ge=0, le=2**62, description="Only rows after this id or sequence number (paging).")]
Filter = Annotated[str | None, Query(max_length=200)]


def handoff_out(row: HandoffRow) -> HandoffOut:
    """A hand-off row as the answer."""
    return HandoffOut(**row.model_dump())


@router.get("/handoffs", response_model=list[HandoffOut], tags=["hand-offs"], summary="List hand-offs")
def list_handoffs(
    state: State,
    caller: Agent,
    status: Literal["open", "claimed", "resolved", "any"] = "open",
    account_id: Filter = None,
    after: After = 0,
    limit: Limit = 100,
    queue: Filter = None,
    priority: Literal["low", "normal", "high", "urgent"] | None = None,
) -> list[HandoffOut]:
    """Hand-offs oldest first, open ones by default; a desk asks for its `queue`, urgent work first by `priority`."""
    with reading(state) as session:
        wanted = None if status == "any" else status
        rows = handoffs.list_handoffs(session, wanted, account_id, after, limit, queue, priority)
        return [handoff_out(row) for row in rows]


@router.post(
    "/handoffs/{handoff_id}/claim",
    response_model=HandoffOut,
    tags=["hand-offs"],
    responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut}},
    summary="Claim a hand-off",
)
def claim(handoff_id: HandoffId, state: State, caller: Agent) -> HandoffOut:
    """Take an open hand-off: it is yours to resolve."""
    with writing(state) as session:
        row = handoffs.claim(session, handoff_id, caller.actor, utc_now())
        record(session, caller, "handoff.claim", f"handoff:{row.id}", {"account_id": row.account_id})
        return handoff_out(row)


@router.post(
    "/handoffs/{handoff_id}/resolve",
    response_model=HandoffOut,
    tags=["hand-offs"],
    responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut}},
    summary="Resolve a hand-off",
)
def resolve(handoff_id: HandoffId, payload: ResolveIn, state: State, caller: Agent) -> HandoffOut:
    """Close a hand-off you claimed, saying how it ended."""
    with writing(state) as session:
        row = handoffs.resolve(session, handoff_id, caller.actor, payload.resolution, utc_now())
        record(session, caller, "handoff.resolve", f"handoff:{row.id}", {"account_id": row.account_id})
        return handoff_out(row)


@router.get("/audit", response_model=list[AuditOut], tags=["audit"], summary="Query the audit log")
def query_audit(
    state: State,
    caller: Auditor,
    after: After = 0,
    limit: Limit = 100,
    subject: Filter = None,
    action: Filter = None,
) -> list[AuditOut]:
    """Audit rows in order, after a sequence number, optionally about one subject or of one action."""
    with reading(state) as session:
        rows = audit.rows(session, after, limit, subject, action)
        return [AuditOut(**row.model_dump(exclude={"created_at"})) for row in rows]


@router.get("/audit/verify", response_model=VerifyOut, tags=["audit"], summary="Verify the audit log's hash chain")
def verify_audit(state: State, caller: Auditor) -> VerifyOut:
    """Walk the chain from the first row: any edited, inserted or deleted row is named."""
    with reading(state) as session:
        return VerifyOut(**audit.verify(session).to_dict())
