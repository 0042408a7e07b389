"""API keys: compliance officers create and revoke them; auditors may list them (never a secret).

A key created here records the key that created it, so four eyes can tell a second person from a
second key of the same person (`runtime.store.keys`, lineage).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from runtime.api.auth import Caller, require
from runtime.api.deps import State, reading, record, utc_now, writing
from runtime.api.errors import ApiError, not_found
from runtime.api.schemas import ErrorOut, KeyCreated, KeyIn, KeyOut
from runtime.db.tables import ApiKey
from runtime.store import keys

Officer = Annotated[Caller, Depends(require("compliance"))]
router = APIRouter(tags=["keys"], responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}})


def key_out(row: ApiKey) -> KeyOut:
    """A key row without its hash."""
    return KeyOut(
        id=row.id,
        name=row.name,
        roles=list(row.roles),
        created_by=row.created_by,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


@router.post("/keys", response_model=KeyCreated, status_code=201, summary="Create an API key")
def create_key(payload: KeyIn, state: State, caller: Officer) -> KeyCreated:
    """A new key for a person or system; its text is in this answer only."""
    now = utc_now()
    with writing(state) as session:
        try:
            row, text = keys.create_key(session, payload.name, payload.roles, now, created_by=caller.key_id)
        except keys.KeyProblem as problem:
            raise ApiError(422, str(problem), "roles") from None
        # The name and minting key make the new key's lineage readable from the audit log alone.
        details = {"name": row.name, "roles": list(row.roles), "created_by": caller.key_id}
        record(session, caller, "key.create", f"key:{row.id}", details)
        return KeyCreated(**key_out(row).model_dump(), key=text)


@router.get("/keys", response_model=list[KeyOut], summary="List API keys")
def list_keys(state: State, caller: Annotated[Caller, Depends(require("compliance", "auditor"))]) -> list[KeyOut]:
    """Every key with its holder and roles, newest first."""
    with reading(state) as session:
        return [key_out(row) for row in keys.list_keys(session)]


@router.delete(
    "/keys/{key_id}", response_model=KeyOut, responses={404: {"model": ErrorOut}}, summary="Revoke an API key"
)
def revoke_key(
    key_id: Annotated[str, Path(max_length=64)],
    state: State,
    caller: Officer,
) -> KeyOut:
    """Revoke a key: refused from now on (within seconds in other workers)."""
    with writing(state) as session:
        row = keys.revoke(session, key_id, utc_now())
        if row is None:
            raise not_found(f"API key `{key_id}`", "key_id")
        record(session, caller, "key.revoke", f"key:{row.id}", {})
        out = key_out(row)
    state.keys.forget(key_id)
    return out
