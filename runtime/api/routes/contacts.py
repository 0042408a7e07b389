"""Contacts made outside Parley: outreach systems record them so Regulation F's caps count them.

`POST /v1/accounts/{account_id}/contacts` stores a batch (calls an agent dialled by hand, another
system's contacts, the history from before placement) in the contact ledger `/v1/decide` counts
on, all or nothing, under the account's lock (`runtime.store.external_contacts`). Answers 201 when
it stored something, 200 when every contact repeats one already recorded under its key; 422
naming every bad field (`contacts[3].at`), 409 when a key was used for a different contact.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from fastapi.exceptions import RequestValidationError

from runtime.api.auth import Caller, require
from runtime.api.deps import State, utc_now, writing
from runtime.api.routes.accounts import PATH_ID
from runtime.api.routes.decide import recheck
from runtime.api.schemas import ErrorOut
from runtime.api.schemas_outreach import ContactsIn, ContactsOut, RecordedContactOut
from runtime.store.external_contacts import ContactsInvalid, record_contacts

router = APIRouter(
    tags=["patients, accounts and events"],
    responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
# Compliance too: an officer may enter a history an agency reports on paper (placement, an audit).
Recorder = Annotated[Caller, Depends(require("outreach", "compliance"))]


@router.post(
    "/accounts/{account_id}/contacts",
    response_model=ContactsOut,
    status_code=201,
    responses={
        200: {"model": ContactsOut, "description": "Every contact repeats one already recorded under its key."},
        409: {"model": ErrorOut},
    },
    summary="Record contacts made outside Parley (idempotent per contact)",
)
def post_contacts(
    account_id: Annotated[str, Path(**PATH_ID)],
    payload: ContactsIn,
    response: Response,
    state: State,
    caller: Recorder,
) -> ContactsOut:
    """Calls dialled by hand, other systems' contacts and pre-placement history, counted by the caps from now on."""
    items = [contact.model_dump(exclude_none=True) for contact in payload.contacts]
    with writing(state) as session:
        try:
            done = record_contacts(session, account_id, items, caller.actor, utc_now(), {"by_key": caller.key_id})
        except ContactsInvalid as bad:
            # The app's validation handler names every field in one answer, as for a schema error.
            errors = [{"loc": ("body", field), "type": "value_error", "ctx": {"error": m}} for field, m in bad.problems]
            raise RequestValidationError(errors) from None
        if any(r.created for r in done):  # a conversation starts seven days without calls: waiting ones too
            recheck(state, session, caller, account_id, max(c.at for c in payload.contacts))
    created = sum(1 for r in done if r.created)
    if not created:
        response.status_code = 200
    return ContactsOut(
        account_id=account_id,
        recorded=created,
        repeated=len(done) - created,
        contacts=[RecordedContactOut(**vars(r)) for r in done],
    )
