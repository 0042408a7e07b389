"""The two hot routes, `POST /v1/guard` and `POST /v1/decide`, answered on their ordinary path
without FastAPI's routing and dependency solving; anything else goes to FastAPI unchanged.

A guard verdict takes about 0.5 ms of CPU to compute, and FastAPI spent about as much again
around it: matching the path against every route, building a `Request`, solving the dependency
tree (the state, two security schemes, the key check), reading and validating the body and
writing the answer. This ASGI layer sits inside `RequestLog` (so the log line, the request id and
the 500 for a bug are as before) and in front of FastAPI. It answers a request itself only when
every step would have gone FastAPI's ordinary way:

- the method and path are exactly the route's, the body is declared JSON (`application/json`);
- the key is in this worker's key cache (`auth.KeyCache`, so it was verified against the table
  less than `ttl` seconds ago) and holds a role the route allows (the roles are read from the
  route's own `require` dependency, so the two cannot drift apart);
- the body parses and validates the way FastAPI would (`DecideIn`; a JSON object for the guard)
  and, for the guard, the case reads (`parse_case`).

On any other request (no key, a key to look up, a wrong role, a bad body or case, another
route) it hands the request to FastAPI with the body it read, so every refusal is the one the
app always gave: its status, its error shape naming the field, its OpenAPI. The answers are built
with `responses.model_response`, byte for byte what the routes' response models give.
`ApiError` raised while deciding (no account, nothing deployed, a store's conflict) is answered
by the app's own handler; anything else propagates to the 500 handler, as from a route.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.guard import CaseError, judge, parse_case
from runtime.api import errors
from runtime.api.app import ServiceState
from runtime.api.auth import Caller, KeyRecord
from runtime.api.responses import model_response
from runtime.api.routes.decide import DECIDE_OUT, decide_for
from runtime.api.schemas import DecideIn

Handler = Callable[[ServiceState, bytes, Caller], Awaitable[Response | None]]
VERDICT = TypeAdapter(dict[str, Any])  # the guard route's response model (its `-> dict[str, Any]`)


async def guard(state: ServiceState, body: bytes, caller: Caller) -> Response | None:
    """The guard's verdict, or None when FastAPI must answer (the body is not a readable case)."""
    try:
        case = json.loads(body)
    except ValueError:
        return None
    if not isinstance(case, dict):
        return None
    if "case" in case and "now" not in case:
        case = case["case"]  # a golden file: the case with the verdict it must get (as the route)
    try:
        parsed = parse_case(case)
    except CaseError:
        return None
    return model_response(VERDICT, judge(parsed, state.rules).to_dict())


def decided(state: ServiceState, payload: DecideIn, caller: Caller) -> Response:
    """One decision and its answer, in a worker thread (the database calls block)."""
    return model_response(DECIDE_OUT, decide_for(state, payload.account_id, payload.now, caller.actor))


async def decide(state: ServiceState, body: bytes, caller: Caller) -> Response | None:
    """The decision, or None when FastAPI must answer (the body does not validate)."""
    try:
        payload = DecideIn.model_validate(json.loads(body))
    except (ValueError, ValidationError):  # ValidationError is a ValueError; named for the reader
        return None
    return await run_in_threadpool(decided, state, payload, caller)


def route_roles(route: BaseRoute) -> frozenset[str]:
    """The roles a route's `require(...)` dependency lets in."""
    for dependency in route.dependant.dependencies:  # type: ignore[attr-defined]
        roles = getattr(dependency.call, "roles", None)
        if roles is not None:
            return frozenset(roles)
    raise LookupError(f"the route {route} has no role check")


def hot_routes() -> dict[str, tuple[Handler, BaseRoute, frozenset[str]]]:
    """Path → (handler, the FastAPI route it stands in for, the roles that route allows)."""
    from runtime.api.routes import check
    from runtime.api.routes import decide as decide_routes

    table: dict[str, tuple[Handler, BaseRoute, frozenset[str]]] = {}
    for path, handler, router in (("/guard", guard, check.router), ("/decide", decide, decide_routes.router)):
        route = next(r for r in router.routes if getattr(r, "path", None) == path and "POST" in r.methods)  # type: ignore[attr-defined]
        table[f"/v1{path}"] = (handler, route, route_roles(route))
    return table


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of a request header (ASGI names are lower case), as Starlette reads it."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def presented_key(scope: Scope) -> str | None:
    """The key as `auth.presented_key` finds it: a Bearer credential first, else `X-API-Key`."""
    authorization = header(scope, b"authorization")
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            return credentials.strip()
    return header(scope, b"x-api-key") or None


def known_caller(state: ServiceState, scope: Scope, allowed: frozenset[str]) -> Caller | None:
    """The caller when its key is cached as live and holds an allowed role; else None."""
    presented = presented_key(scope)
    if not presented:
        return None
    row = state.keys.cached(presented)
    if not isinstance(row, KeyRecord) or not allowed.intersection(row.roles):
        return None
    return Caller(row.id, row.name, frozenset(row.roles))


async def read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None when the client went away first."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body already read, then whatever the client sends next."""
    given = False

    async def again() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


class HotRoutes:
    """ASGI middleware: the hot routes' ordinary requests answered here, all others by the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.routes = hot_routes()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hot = self.routes.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        media_type = (header(scope, b"content-type") or "").split(";")[0].strip().lower() if hot else ""
        if hot is None or scope.get("root_path") or media_type != "application/json":
            await self.app(scope, receive, send)
            return
        handler, route, allowed = hot
        state: ServiceState = scope["app"].state.service
        caller = known_caller(state, scope, allowed)
        if caller is None:  # no key, one to look up, or a refusal: FastAPI's own answer
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None:
            return  # the client is gone: there is no one to answer
        scope["route"] = route  # what RequestLog names in its line, as for a routed request
        scope.setdefault("state", {})["key_id"] = caller.key_id
        try:
            response = await handler(state, body, caller)
        except errors.ApiError as problem:
            response = await errors.on_api_error(Request(scope), problem)
        if response is None:
            await self.app(scope, replay(body, receive), send)
            return
        await response(scope, receive, send)
