"""`POST /v1/decide`: run the account's deployed strategy, reserve its contacts and queue their messages.

Everything happens in one transaction in `runtime.service.decide.decide_and_reserve`; this route
hands it the worker's live plans (caught up with the deployments log inside that transaction,
after the account is locked) and answers with the decision and its trace.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from pydantic import TypeAdapter
from sqlmodel import Session

from engine.plan import Plan
from runtime.api.app import ServiceState
from runtime.api.auth import Caller, require
from runtime.api.deps import State, reading, utc_now, writing
from runtime.api.instants import checked_instant
from runtime.api.responses import model_response
from runtime.api.schemas import DecideIn, DecideOut, ErrorOut
from runtime.service.decide import decide_and_reserve, replay
from runtime.service.plans import PlanService, organizations
from runtime.service.recheck import recheck_pending

router = APIRouter(
    tags=["decide"],
    responses={
        401: {"model": ErrorOut},
        403: {"model": ErrorOut},
        404: {"model": ErrorOut},
        409: {"model": ErrorOut},
        422: {"model": ErrorOut},
    },
)
Outreach = Annotated[Caller, Depends(require("outreach"))]
Reviewer = Annotated[Caller, Depends(require("auditor", "compliance"))]
DECIDE_OUT = TypeAdapter(DecideOut)


class SessionPlans:
    """The live plans as `decide_and_reserve` asks for them: caught up in its own transaction."""

    def __init__(self, plans: PlanService, session: Session) -> None:
        self.plans = plans
        self.session = session

    def plan(self, name: str) -> Plan | None:
        """The live plan of a strategy (read after the account's lock, like everything else)."""
        return self.plans.book(self.session).plan(name)

    def plan_as_of(self, name: str, newest: int | None) -> Plan | None:
        """The live plan once the deployments log's row `newest` (read with the account) is applied."""
        return self.plans.book_as_of(self.session, newest).plan(name)


def recheck(
    state: ServiceState, session: Session, caller: Caller, account_id: str, changed_at: dt.datetime | None
) -> None:
    """Judge the account's waiting messages again after a change (`runtime.service.recheck`)."""
    now = utc_now()
    organization_of = organizations(state.plans, session)
    recheck_pending(session, account_id, state.rules, changed_at, organization_of, caller.actor, now)


def decide_for(state: ServiceState, account_id: str, now: dt.datetime | None, actor: str) -> dict[str, Any]:
    """One decision, as JSON; the instant is kept in UTC, as the decisions table gives it back."""
    moment = (utc_now() if now is None else checked_instant(now, "now")).astimezone(dt.UTC)
    with writing(state) as session:
        out = decide_and_reserve(
            session,
            account_id,
            moment,
            SessionPlans(state.plans, session),
            state.rules,
            state.models,
            state.templates,
            state.disclosures,
            actor=actor,
            bandit=state.bandit.current() if state.bandit is not None else None,
        )
        return out.to_dict()


@router.post("/decide", response_model=DecideOut, summary="Decide and reserve for one account")
def post_decide(payload: DecideIn, state: State, caller: Outreach) -> Response:
    """The next actions for an account under its deployed strategy, each cleared by the guard on the
    real ledger and reserved there; every contact's message is queued in the outbox."""
    # Serialized here, in the thread that decided: FastAPI would validate the answer in a second hop.
    return model_response(DECIDE_OUT, decide_for(state, payload.account_id, payload.now, caller.actor))


@router.get("/decisions/{decision_id}/replay", summary="Replay a stored decision")
def get_replay(decision_id: Annotated[int, Path(ge=1, le=2**62)], state: State, caller: Reviewer) -> dict[str, Any]:
    """Run a stored decision again from its stored inputs, strategy hash and model ids, and compare."""
    with reading(state) as session:
        return dataclasses.asdict(replay(session, decision_id))
