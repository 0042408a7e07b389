"""Strategies: store versions, diff them, submit, approve with four eyes, deploy and roll back.

Strategists write and submit; compliance officers approve (never their own version), deploy and
roll back; auditors read. Every change is an audit row. A deploy swaps the worker's live plan at
once (other workers catch up on their next decision, see `runtime.service.plans`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from sqlmodel import Session

from dsl import ast
from engine.plan import content_hash
from runtime.api.app import ServiceState
from runtime.api.auth import Caller, require
from runtime.api.deps import State, reading, record, utc_now, writing
from runtime.api.errors import ApiError
from runtime.api.routes.check import check_out, run_check
from runtime.api.schemas import (
    DeploymentOut,
    DiffOut,
    ErrorOut,
    StrategyIn,
    StrategyOut,
    VersionCreated,
    VersionDetail,
    VersionOut,
)
from runtime.db.tables import Deployment, StrategyVersion
from runtime.store import strategies as store

router = APIRouter(
    prefix="/strategies",
    tags=["strategies"],
    responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}, 409: {"model": ErrorOut}},
)
Reader = Annotated[Caller, Depends(require("strategist", "compliance", "auditor"))]
Writer = Annotated[Caller, Depends(require("strategist", "compliance"))]
Officer = Annotated[Caller, Depends(require("compliance"))]
Name = Annotated[str, Path(min_length=1, max_length=200, description="The strategy's declared name.")]
Version = Annotated[int, Path(ge=1, le=1_000_000, description="The version number it declares.")]


def version_out(row: StrategyVersion, live: dict[str, int]) -> VersionOut:
    """A stored version as listed."""
    data = row.model_dump(exclude={"content"})
    return VersionOut(**data, live=live.get(row.name) == row.version)


def subject(row: StrategyVersion) -> str:
    """The audit subject of a version."""
    return f"strategy:{row.name}@{row.version}"


def trail(row: StrategyVersion, **extra: Any) -> dict[str, Any]:
    """The audit payload of a change to a version."""
    return {"content_hash": row.content_hash, "author": row.author, **extra}


@router.post("", response_model=VersionCreated, status_code=201, summary="Store a strategy version (a draft)")
def create(payload: StrategyIn, state: State, caller: Writer) -> VersionCreated:
    """Store a text as a draft under the name and version it declares, with what the checker found.

    A text with check errors is stored (it is a draft) but cannot be submitted.
    """
    result = run_check(state, payload.text, "strategy", None)
    program = result.parsed.program
    if not isinstance(program, ast.Strategy):
        first = next((d for d in result.diagnostics if d.is_error), None)
        where = f" (line {first.span.line}: {first.message})" if first is not None and first.span.known else ""
        raise ApiError(422, f"the text does not declare a strategy that can be read{where}", "text")
    with writing(state) as session:
        row, created = store.create_version(
            session,
            program.name,
            program.version,
            payload.text,
            content_hash(payload.text),
            caller.actor,
            utc_now(),
            author_key=caller.key_id,
        )
        if created:
            record(session, caller, "strategy.create", subject(row), trail(row))
        live = store.live_versions(session)
        return VersionCreated(created=created, version=version_out(row, live), check=check_out(result))


@router.get("", response_model=list[StrategyOut], summary="List strategies")
def list_strategies(state: State, caller: Reader) -> list[StrategyOut]:
    """Every strategy with its newest and live versions."""
    with reading(state) as session:
        return [StrategyOut(**vars(s)) for s in store.summaries(session)]


@router.get("/{name}/versions", response_model=list[VersionOut], summary="List a strategy's versions")
def list_versions(name: Name, state: State, caller: Reader) -> list[VersionOut]:
    """Every version of a strategy, oldest first, with its status and content hash."""
    with reading(state) as session:
        live = store.live_versions(session)
        return [version_out(row, live) for row in store.versions(session, name)]


@router.get("/{name}/versions/{version}", response_model=VersionDetail, summary="Read one version")
def get_version(name: Name, version: Version, state: State, caller: Reader) -> VersionDetail:
    """A version with its text."""
    with reading(state) as session:
        row = store.get(session, name, version)
        return VersionDetail(**version_out(row, store.live_versions(session)).model_dump(), content=row.content)


@router.get("/{name}/diff", response_model=DiffOut, summary="Diff two versions")
def diff(
    name: Name,
    old: Annotated[int, Query(alias="from", ge=1, le=1_000_000, description="The older version.")],
    new: Annotated[int, Query(alias="to", ge=1, le=1_000_000, description="The newer version.")],
    state: State,
    caller: Reader,
) -> DiffOut:
    """A unified diff of two versions' texts."""
    with reading(state) as session:
        return DiffOut(name=name, old=old, new=new, diff=store.diff(session, name, old, new))


@router.post("/{name}/versions/{version}/submit", response_model=VersionOut, summary="Submit a version for approval")
def submit(name: Name, version: Version, state: State, caller: Writer) -> VersionOut:
    """Ask a compliance officer to approve a draft; refused while its text has check errors."""
    with writing(state) as session:
        row = store.get(session, name, version, for_update=True)
        errors = sum(1 for d in run_check(state, row.content, name, None).diagnostics if d.is_error)
        store.submit(session, row, caller.actor, utc_now(), errors, actor_key=caller.key_id)
        record(session, caller, "strategy.submit", subject(row), trail(row))
        return version_out(row, store.live_versions(session))


@router.post("/{name}/versions/{version}/approve", response_model=VersionOut, summary="Approve a version (four eyes)")
def approve(name: Name, version: Version, state: State, caller: Officer) -> VersionOut:
    """Approve a submitted version: a compliance officer other than its author and submitter."""
    with writing(state) as session:
        row = store.get(session, name, version, for_update=True)
        store.approve(session, row, caller.actor, utc_now(), actor_key=caller.key_id)
        payload = trail(row, submitted_by=row.submitted_by, approved_by=caller.actor)
        record(session, caller, "strategy.approve", subject(row), payload)
        return version_out(row, store.live_versions(session))


@router.post("/{name}/versions/{version}/deploy", response_model=DeploymentOut, summary="Deploy an approved version")
def deploy(name: Name, version: Version, state: State, caller: Officer) -> DeploymentOut:
    """Make an approved version live now, without a restart; refused if today's law finds an error in it."""
    with writing(state) as session:
        row = store.get(session, name, version, for_update=True)
        if any(d.is_error for d in run_check(state, row.content, name, None).diagnostics):
            raise ApiError(422, "the text has errors under today's law; check it again before deploying", "version")
        change = store.deploy(session, row, caller.actor, utc_now())
        payload = trail(row, approved_by=row.approved_by, deployment=change.id)
        record(session, caller, "strategy.deploy", subject(row), payload)
        out = deployment_out(change, row)
    swap(state)
    return out


@router.post("/{name}/rollback", response_model=DeploymentOut, summary="Roll back to the previous version")
def rollback(name: Name, state: State, caller: Officer) -> DeploymentOut:
    """Take the live version down; the version deployed before it is live again."""
    with writing(state) as session:
        change, retired = store.rollback(session, name, caller.actor, utc_now())
        live = session.get(StrategyVersion, change.version_id)
        assert live is not None  # INVARIANT: a rollback row names a stored version (foreign key)
        payload = trail(live, retired_version=retired.version, deployment=change.id)
        record(session, caller, "strategy.rollback", subject(live), payload)
        out = deployment_out(change, live)
    swap(state)
    return out


def deployment_out(change: Deployment, row: StrategyVersion) -> DeploymentOut:
    """A deployment row as the answer."""
    return DeploymentOut(
        id=int(change.id or 0),
        strategy_name=change.strategy_name,
        action=change.action,
        version=row.version,
        content_hash=row.content_hash,
        actor=change.actor,
        at=change.at,
    )


def swap(state: ServiceState) -> None:
    """Catch this worker's plan book up with the log just written (the swap without a restart)."""
    session: Session
    with reading(state) as session:
        state.plans.book(session)
