"""Every error the API returns, in one shape that names the field, and never a 500 for bad input.

    {"error": "invalid_request", "message": "debts[0].id: this field is required",
     "errors": [{"field": "debts[0].id", "in": "body", "message": "this field is required"}]}

FastAPI's own validation errors (pydantic's `loc` tuples and messages written for programmers)
are rewritten here: a dotted path a person can find in their payload (`debts[0].id`) and a
message in the project's voice. Services raise `ApiError` with a status, a code and the field.
Anything else that escapes a route is a bug on our side: it is answered with a 500 that carries a
request id, and logged by type only, because an exception's text may quote a patient's data.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("parley.api")

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    501: "not_implemented",
}


class ApiError(Exception):
    """An error to answer with: its HTTP status, a short code, a message and the field it is about."""

    def __init__(self, status: int, message: str, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.code = code or STATUS_CODES.get(status, "error")


def not_found(what: str, field: str | None = None) -> ApiError:
    """A 404 saying what is missing: `no account `A1``."""
    return ApiError(404, f"no {what}", field)


def conflict(message: str, field: str | None = None) -> ApiError:
    """A 409: the request is well formed but clashes with what is stored."""
    return ApiError(409, message, field)


def invalid(field: str, message: str) -> ApiError:
    """A 422 about one field."""
    return ApiError(422, message, field)


def body(code: str, message: str, errors: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """The JSON every error response carries."""
    return {"error": code, "message": message, "errors": list(errors)}


def field_path(loc: Iterable[Any]) -> tuple[str, str]:
    """Pydantic's `('body', 'debts', 0, 'id')` as (`body`, `debts[0].id`)."""
    parts = list(loc)
    where = str(parts.pop(0)) if parts and parts[0] in ("body", "query", "path", "header", "cookie") else "body"
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif isinstance(part, str) and part.startswith("function-"):
            continue  # pydantic's name for a validator step, not a field the caller wrote
        else:
            path += f".{part}" if path else str(part)
    return where, path or where


def describe(value: Any) -> str:
    """A JSON value's kind in plain words, for `expected a number, got text`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str | bytes):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "a value"


EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "decimal_type": "an amount such as `120.50`",
    "decimal_parsing": "an amount such as `120.50`",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "an object with named fields",
    "model_type": "an object with named fields",
    "model_attributes_type": "an object with named fields",
    "date_type": "a date such as `2026-03-16`",
    "date_parsing": "a date such as `2026-03-16`",
    "date_from_datetime_parsing": "a date such as `2026-03-16`",
    "date_from_datetime_inexact": "a date such as `2026-03-16`",
    "datetime_type": "a time such as `2026-03-16T13:00:00Z`",
    "datetime_parsing": "a time such as `2026-03-16T13:00:00Z`",
    "datetime_from_date_parsing": "a time such as `2026-03-16T13:00:00Z`",
}


def friendly(error: dict[str, Any]) -> str:
    """Pydantic's message for one error, in the project's voice."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    given = error.get("input")
    if kind == "missing":
        return "this field is required"
    if kind == "json_invalid":
        return f"the body is not valid JSON ({ctx.get('error', 'cannot be read')})"
    if kind == "extra_forbidden":
        return "this field is not part of the request; check its spelling"
    if kind in EXPECTED:
        return f"expected {EXPECTED[kind]}, got {describe(given)}"
    if kind == "timezone_aware":
        return "give the time with its UTC offset, e.g. `2026-03-16T13:00:00Z`"
    if kind in ("literal_error", "enum"):
        return f"choose one of {ctx.get('expected', 'the listed values')}"
    if kind == "string_too_short":
        return (
            "must not be empty" if ctx.get("min_length") == 1 else f"needs at least {ctx.get('min_length')} characters"
        )
    if kind == "string_too_long":
        return f"at most {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        return "has characters that are not allowed here (letters, digits, `-`, `_`, `.` and `:`)"
    if kind in ("too_short", "too_long"):
        return f"expected between {ctx.get('min_length', 0)} and {ctx.get('max_length', 'any number of')} items"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return str(error.get("msg", "out of range")).lower()
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "not a valid value")))
    message = str(error.get("msg", "not a valid value"))
    return message[:1].lower() + message[1:]


SEND_JSON = "send a JSON object in the request body (Content-Type: application/json)"
NOT_AN_OBJECT = frozenset({"model_attributes_type", "dict_type", "model_type"})


def validation_errors(errors: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """FastAPI's validation errors as `{"field", "in", "message"}` items, one per field."""
    items: list[dict[str, str]] = []
    seen: set[str] = set()
    for error in errors:
        where, path = field_path(error.get("loc", ()))
        kind = error.get("type")
        if kind == "json_invalid":
            path = "body"  # pydantic's location is the character offset, not a field
        if path == "body" and (
            kind == "missing" or (kind in NOT_AN_OBJECT and isinstance(error.get("input"), bytes | str))
        ):
            message = SEND_JSON
        else:
            message = friendly(error)
        if path in seen:
            continue  # a union reports each alternative; the first says enough
        seen.add(path)
        items.append({"field": path, "in": where, "message": message})
    return items


async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A payload that does not fit the schema: 422 naming every field."""
    items = validation_errors(list(exc.errors()))
    first = items[0] if items else {"field": "body", "message": "the request cannot be read"}
    return JSONResponse(body("invalid_request", f"{first['field']}: {first['message']}", items), status_code=422)


async def on_api_error(request: Request, exc: ApiError) -> JSONResponse:
    """An error a route raised on purpose."""
    errors = [{"field": exc.field, "in": "body", "message": exc.message}] if exc.field else []
    message = f"{exc.field}: {exc.message}" if exc.field else exc.message
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse(body(exc.code, message, errors), status_code=exc.status, headers=headers)


async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Starlette's own errors (unknown path, wrong method, a body it cannot decode) in the same shape."""
    if exc.status_code == 400 and "parsing the body" in str(exc.detail):
        item = {"field": "body", "in": "body", "message": "the body cannot be read: send UTF-8 JSON"}
        return JSONResponse(body("invalid_request", f"body: {item['message']}", [item]), status_code=422)
    code = STATUS_CODES.get(exc.status_code, "error")
    detail = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    message = detail[:1].lower() + detail[1:]
    return JSONResponse(body(code, message), status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    """A bug: answer 500 with the request id; log the type and place only (the text may hold PHI)."""
    request_id = getattr(request.state, "request_id", "-")
    frame = exc.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    where = f"{frame.tb_frame.f_code.co_filename}:{frame.tb_lineno}" if frame else "?"
    log.error("unexpected %s at %s request_id=%s", type(exc).__name__, where, request_id)
    message = f"something went wrong on our side; quote request id {request_id} when reporting it"
    return JSONResponse(body("internal", message), status_code=500)


def install(app: FastAPI) -> None:
    """Register the handlers on an app."""
    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(ApiError, on_api_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, on_unexpected)
