"""Corrections: a compliance officer sets right a protective state recorded by mistake.

`POST /v1/accounts/{account_id}/corrections` with `{"fact": "cease_requested", "value": false,
"reason": "posted to the wrong account; see ticket 123"}`, compliance role only. `fact` is one of
the states events keep through a re-sync (`disputed`, `cease_requested`, `attorney_represented`,
`bankrupt`, `deceased`, `consent.KIND`); `reason` 10 to 500 characters. Answers 201 with the
fact's value before and after; 422 naming `fact`, `value` or `reason`; 404 for an unknown account.

The store (`runtime.store.corrections`) takes the account's lock, records the correction as an
event of its own and the audit row `account.correct` (never the reason's text). A correction that
lifts a state re-judges nothing: it only relaxes that one fact, and each later decision is judged
afresh. One that makes a state stricter re-judges the messages still waiting, as an event does.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from runtime.api.auth import Caller, require
from runtime.api.deps import State, utc_now, writing
from runtime.api.routes.accounts import PATH_ID
from runtime.api.routes.decide import recheck
from runtime.api.schemas import CorrectionIn, CorrectionOut, ErrorOut
from runtime.store.corrections import record_correction

router = APIRouter(
    tags=["patients, accounts and events"],
    responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
Officer = Annotated[Caller, Depends(require("compliance"))]


@router.post(
    "/accounts/{account_id}/corrections",
    response_model=CorrectionOut,
    status_code=201,
    summary="Correct a protective state recorded by mistake (compliance)",
)
def post_correction(
    account_id: Annotated[str, Path(**PATH_ID)], payload: CorrectionIn, state: State, caller: Officer
) -> CorrectionOut:
    """Set one protective state (a cease, an attorney, a revoked consent…) to what it should have been."""
    with writing(state) as session:
        done = record_correction(session, account_id, payload.model_dump(), utc_now(), caller.actor, caller.key_id)
        if done.tightens:  # what should always have held: judged at each waiting message's own time
            recheck(state, session, caller, account_id, None)
        return CorrectionOut(**vars(done))
