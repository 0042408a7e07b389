"""`POST /v1/check` and `POST /v1/guard`: the checker and the runtime guard, stateless.

Both answer exactly what the command line answers: `check` the diagnostics of
`parley check --format json`, `guard` the verdict of `parley guard`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from dsl.check import CheckOptions, CheckResult, check_text
from dsl.diagnostics import Diagnostic, sort_key
from engine.guard import CaseError, judge, parse_case
from runtime.api.app import ServiceState
from runtime.api.auth import Caller, require
from runtime.api.deps import State
from runtime.api.errors import ApiError
from runtime.api.schemas import CheckIn, CheckOut, ErrorOut

router = APIRouter(tags=["check and guard"])
ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 422: {"model": ErrorOut}}


def run_check(state: ServiceState, text: str, name: str, as_of: dt.date | None) -> CheckResult:
    """The checker with the service's packs and templates, as of a date (today by default)."""
    options = CheckOptions(templates=state.templates, policies=state.packs, as_of=as_of or dt.date.today())
    return check_text(text, name, options)


def check_out(result: CheckResult, folders: tuple[Diagnostic, ...] = ()) -> CheckOut:
    """A check result as the response body; `folders`: findings about the packs and templates themselves."""
    findings = tuple(sorted((*folders, *result.diagnostics), key=sort_key))
    return CheckOut(
        ok=result.ok,
        errors=sum(1 for d in findings if d.is_error),
        warnings=sum(1 for d in findings if d.severity.value == "warning"),
        diagnostics=[d.to_dict() for d in findings],
    )


@router.post("/check", response_model=CheckOut, responses=ERRORS, summary="Check a strategy or policy text")
def check(
    payload: CheckIn,
    state: State,
    caller: Annotated[Caller, Depends(require("strategist", "compliance", "auditor"))],
) -> CheckOut:
    """Every finding of the language and every policy pack, as `parley check --format json` gives them."""
    return check_out(run_check(state, payload.text, payload.name, payload.as_of), state.folder_findings)


@router.post("/guard", responses=ERRORS, summary="May this contact go out now?")
async def guard(
    case: Annotated[dict[str, Any], Body(description="A guard case in DESIGN.md's format (or `{case, verdict}`).")],
    state: State,
    caller: Annotated[Caller, Depends(require("outreach", "compliance", "strategist"))],
) -> dict[str, Any]:
    """The runtime guard's verdict on one case, as `parley guard` prints it; stateless.

    Judging takes a fraction of a millisecond and reads nothing: it runs on the event loop,
    without a hop to the thread pool."""
    if "case" in case and "now" not in case:
        case = case["case"]  # a golden file: the case with the verdict it must get
    try:
        parsed = parse_case(case)
    except CaseError as problem:
        raise ApiError(422, problem.message, problem.field) from None
    return judge(parsed, state.rules).to_dict()
