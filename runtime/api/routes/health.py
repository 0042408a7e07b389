"""`GET /v1/health`: the one route without a key, for load balancers and `make run`."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter

from runtime.api.app import VERSION
from runtime.api.deps import State
from runtime.api.schemas import HealthOut
from runtime.db.database import read_session

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut, summary="Is the service up?")
def health(state: State) -> HealthOut:
    """The service answers; `database` says whether its database does too."""
    try:
        with read_session(state.engine) as session:
            session.execute(sa.text("SELECT 1"))
            book = state.plans.book(session)
        database = "ok"
    except sa.exc.SQLAlchemyError:
        book, database = state.plans.live.book, "unreachable"
    deployed = {d.name: d.version for d in book.deployed()}
    return HealthOut(
        status="ok" if database == "ok" else "degraded", database=database, version=VERSION, deployed=deployed
    )
