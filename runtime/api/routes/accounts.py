"""Patients, accounts and events: what outreach systems load and report; the stores validate every field.

Upserts replace what is sent (an account keeps its progress and its ledger). An event with an
idempotency key already seen is a no-op that answers with the first event (200, `created`
false); the same key for a different event is a 409.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Response

from runtime.api.auth import Caller, require
from runtime.api.deps import State, reading, utc_now, writing
from runtime.api.errors import ApiError
from runtime.api.instants import checked_instant
from runtime.api.routes.decide import recheck
from runtime.api.schemas import AccountIn, AccountOut, ErrorOut, EventIn, EventOut, PatientIn, PatientOut
from runtime.db.tables import AccountRow
from runtime.service.plans import organizations
from runtime.service.recheck import recheck_patient
from runtime.store.accounts import upsert_account, upsert_patient
from runtime.store.events import record_event
from runtime.store.problems import not_found

router = APIRouter(
    tags=["patients, accounts and events"],
    responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
Outreach = Annotated[Caller, Depends(require("outreach"))]
Reader = Annotated[Caller, Depends(require("outreach", "compliance", "auditor"))]
PATH_ID = {"min_length": 1, "max_length": 128, "pattern": r"^[A-Za-z0-9][A-Za-z0-9._:\-]*$"}


def account_out(row: AccountRow) -> AccountOut:
    """An account row as the answer."""
    return AccountOut(**row.model_dump(exclude={"created_at", "variables"}))


@router.put("/patients/{patient_id}", response_model=PatientOut, summary="Create or replace a patient")
def put_patient(
    patient_id: Annotated[str, Path(**PATH_ID)], payload: PatientIn, state: State, caller: Outreach
) -> PatientOut:
    """A patient's time zones, language, contact points, HIPAA preferences and designations."""
    with writing(state) as session:
        now = utc_now()
        row = upsert_patient(
            session, patient_id, payload.model_dump(exclude_none=True, exclude_unset=True), now, caller.actor
        )
        session.flush()  # a new zone, contact point or HIPAA preference may refuse a message still waiting
        recheck_patient(session, patient_id, state.rules, organizations(state.plans, session), caller.actor, now)
        return PatientOut(patient_id=row.patient_id, updated_at=row.updated_at)


@router.put("/accounts/{account_id}", response_model=AccountOut, summary="Create or replace an account")
def put_account(
    account_id: Annotated[str, Path(**PATH_ID)], payload: AccountIn, state: State, caller: Outreach
) -> AccountOut:
    """An account: its patient, strategy, facts (consents, attorney and other states) and debts."""
    data = payload.model_dump(exclude_none=True)
    data["placed_on"] = payload.placed_on.isoformat()
    with writing(state) as session:
        row = upsert_account(session, account_id, data, utc_now(), caller.actor)
        session.flush()  # holds the account's row (an update locks it); a new fact may refuse a waiting message
        recheck(state, session, caller, account_id, None)
        return account_out(row)


@router.get("/accounts/{account_id}", response_model=AccountOut, summary="Read an account")
def get_account(account_id: Annotated[str, Path(**PATH_ID)], state: State, caller: Reader) -> AccountOut:
    """An account's facts, debts and progress through its strategy."""
    with reading(state) as session:
        row = session.get(AccountRow, account_id)
        if row is None:
            raise not_found(f"there is no account `{account_id}`", "account_id")
        return account_out(row)


@router.post(
    "/events",
    response_model=EventOut,
    status_code=201,
    responses={
        200: {"model": EventOut, "description": "A repeat of an event already recorded."},
        409: {"model": ErrorOut},
    },
    summary="Record an event (idempotent)",
)
def post_event(
    payload: EventIn,
    response: Response,
    state: State,
    caller: Outreach,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> EventOut:
    """Record a reply, payment, dispute, cease, consent, conversation or delivery receipt, once per key."""
    key = payload.idempotency_key or idempotency_key
    if not key:
        raise ApiError(422, "give each event a key (or send the `Idempotency-Key` header)", "idempotency_key")
    if payload.idempotency_key and idempotency_key and payload.idempotency_key != idempotency_key:
        raise ApiError(422, "the body's key and the `Idempotency-Key` header differ", "idempotency_key")
    event = payload.model_dump(exclude_none=True, exclude={"account_id", "idempotency_key"})
    event["at"] = checked_instant(payload.at, "at", utc_now()).isoformat()
    with writing(state) as session:
        row, created = record_event(
            session, payload.account_id, event, key, utc_now(), state.replies, caller.actor, caller.key_id
        )
        if created:  # a STOP, a cease, a dispute…: messages still waiting may now be refused
            recheck(state, session, caller, payload.account_id, payload.at)
        out = EventOut(
            id=int(row.id or 0),
            account_id=row.account_id,
            type=row.type,
            at=row.at,
            idempotency_key=key,
            created=created,
        )
    if not created:
        response.status_code = 200
    return out
