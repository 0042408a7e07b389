"""Shared route helpers: the service state, the clock and the transaction that maps store problems to errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlmodel import Session

from runtime.api.app import ServiceState
from runtime.api.auth import Caller
from runtime.api.errors import ApiError
from runtime.db.database import read_session, transaction
from runtime.store import audit
from runtime.store.problems import StoreProblem


async def service(request: Request) -> ServiceState:
    """The worker's state (a dependency; async because a plain function would cost every request a
    hop to the thread pool and back for one attribute read)."""
    return request.app.state.service


def utc_now() -> dt.datetime:
    """The service's clock: an aware UTC instant."""
    return dt.datetime.now(dt.UTC)


@contextmanager
def writing(state: ServiceState) -> Iterator[Session]:
    """One write transaction; a store's refusal becomes the matching API error."""
    try:
        with transaction(state.engine) as session:
            yield session
    except StoreProblem as problem:
        raise ApiError(problem.status, problem.message, problem.field) from None


@contextmanager
def reading(state: ServiceState) -> Iterator[Session]:
    """A read-only session; a store's refusal becomes the matching API error."""
    try:
        with read_session(state.engine) as session:
            yield session
    except StoreProblem as problem:
        raise ApiError(problem.status, problem.message, problem.field) from None


def record(session: Session, caller: Caller, action: str, subject: str, payload: Mapping[str, Any]) -> None:
    """An audit row for a change a caller made, naming the key it came with (in the same transaction)."""
    audit.append(session, caller.actor, action, subject, {**payload, "by_key": caller.key_id}, utc_now())


State = Annotated[ServiceState, Depends(service)]
