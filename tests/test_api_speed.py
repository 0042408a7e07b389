"""What the hot routes' shortcuts must keep: the same bytes, no thread hop, and a bounded revocation.

- `/v1/decide` builds its answer in its own thread (`runtime.api.responses.model_response`) instead
  of FastAPI's second hop to validate it: the bytes must be exactly what FastAPI sends for the same
  value under `response_model=DecideOut`.
- No dependency of the hot routes may be a plain function: FastAPI runs those in the thread pool.
- `runtime.api.hot` answers the hot routes' ordinary requests without FastAPI's routing: every
  request, good or bad, must get the answer the FastAPI routes alone give (status, body, type).
- A key revoked through another worker stops working in this one once its cached row is older than
  the cache's `ttl` (the stated bound), with a clock the test moves instead of waiting.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from test_api_fixtures import ROOT, Api, api_fixture, database_url, folders_fixture  # noqa: F401
from test_api_flow import NOON_CHICAGO, deployed, loaded

from engine.guard import judge
from runtime.api import errors, hot
from runtime.api.auth import KeyCache
from runtime.api.hot import HotRoutes
from runtime.api.responses import model_response
from runtime.api.routes import ROUTERS
from runtime.api.routes.decide import DECIDE_OUT, decide_for
from runtime.api.schemas import DecideOut
from runtime.db.database import transaction
from runtime.store import keys


def fastapi_bytes(value: dict[str, Any]) -> bytes:
    """What FastAPI itself sends when a `def` route returns `value` under `response_model=DecideOut`."""
    app = FastAPI()

    @app.post("/x", response_model=DecideOut)
    def route() -> dict[str, Any]:
        return value

    with TestClient(app) as client:
        return client.post("/x").content


def test_decide_answers_the_bytes_fastapi_would_send(api: Api) -> None:
    deployed(api)
    loaded(api)
    now = dt.datetime.fromisoformat(NOON_CHICAGO)
    first = decide_for(api.state, "A1", now, "Otto Outreach")  # reserves contacts: a full answer
    again = decide_for(api.state, "A1", now + dt.timedelta(minutes=5), "Otto Outreach")  # steps done
    assert first["proposals"], "the first decision of the day should propose contacts"
    for value in (first, again):
        assert model_response(DECIDE_OUT, value).body == fastapi_bytes(value)
    answer = api.call("outreach", "POST", "/v1/decide", json={"account_id": "A1", "now": NOON_CHICAGO})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert set(answer.json()) == set(DecideOut.model_fields)


def dependency_calls(dependant: Any) -> list[Any]:
    """Every dependency callable under a route's dependant, depth first."""
    found = []
    for sub in dependant.dependencies:
        found.append(sub.call)
        found.extend(dependency_calls(sub))
    return found


def is_async(call: Any) -> bool:
    """Whether FastAPI awaits `call` on the event loop: a coroutine function or an object whose
    `__call__` is one (the security schemes)."""
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(type(call).__call__)


def test_the_hot_routes_have_no_dependency_that_runs_in_the_thread_pool() -> None:
    routes = {route.path: route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)}
    for path in ("/decide", "/guard"):
        for call in dependency_calls(routes[path].dependant):
            assert is_async(call), f"{path}: `{getattr(call, '__name__', call)}` would run in the thread pool"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_revoked_by_another_worker_stops_working_within_the_cache_ttl(api: Api) -> None:
    clock = Clock()
    cache = KeyCache(ttl=5.0, clock=clock)  # this worker's cache; the revocation happens elsewhere
    other = dataclasses.replace(api.state, keys=cache)
    presented = api.keys["auditor"]
    assert cache.lookup(other.engine, presented) is not None  # verified and cached
    key_id = keys.split_key(presented)[0]  # type: ignore[index]
    with transaction(api.state.engine) as session:
        keys.revoke(session, key_id, dt.datetime.now(dt.UTC))
    clock.now += 4.9
    assert cache.cached(presented) is not None  # still inside the bound: this worker has not looked
    clock.now += 0.1
    assert cache.cached(presented) is False  # the bound reached: the database must be asked again
    assert cache.lookup(other.engine, presented) is None
    assert cache.cached(presented) is False  # a refusal is not cached as a pass


def routes_alone(api: Api) -> TestClient:
    """The same routes on the same state without `HotRoutes`: FastAPI's own answers."""
    app = FastAPI()
    app.state.service = api.state
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router, prefix="/v1")
    return TestClient(app, raise_server_exceptions=False)


CASE = json.loads((ROOT / "tests" / "guard_cases" / "design_example.json").read_text())
GUARD_BODIES: list[Any] = [
    CASE["case"],  # the case
    CASE,  # a golden file: {case, verdict}
    {**CASE["case"], "now": "noon"},  # a case that does not read
    {key: value for key, value in CASE["case"].items() if key != "now"},  # a field missing
    [1, 2],  # JSON, not an object
    "{not json",  # not JSON
]
DECIDE_BODIES: list[Any] = [
    {"account_id": "nobody", "now": NOON_CHICAGO},  # no such account: the route's 404
    {"account_id": "A1", "now": "2026-03-16T12:00:00"},  # no offset: the route's own 422
    {"account_id": "A1", "now": "noon"},  # does not validate
    {"account_id": "A1", "extra": 1},  # an unknown field
    {"account_id": ""},
    "{not json",
]


def send(client: TestClient, api: Api, who: str | None, path: str, body: Any, content_type: str) -> tuple[Any, ...]:
    """One request; what must match between the two apps."""
    data = body if isinstance(body, str) else json.dumps(body)
    headers = {**api.headers(who), "content-type": content_type}
    answer = client.post(path, content=data.encode(), headers=headers)
    return answer.status_code, answer.headers.get("content-type"), answer.content


@pytest.mark.parametrize("who", ["outreach", "auditor", None])
@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "application/jsonx", "application/json; charset=utf-8"]
)
def test_the_hot_routes_answer_as_the_fastapi_routes_do(
    api: Api, who: str | None, content_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded(api)  # accounts, no strategy deployed: decide for A1 is a 409 from inside the decision
    plain = routes_alone(api)
    taken: list[str] = []  # what the hot layer answered itself (the rest went to FastAPI)
    monkeypatch.setattr(hot, "judge", lambda *a: taken.append("guard") or judge(*a))
    monkeypatch.setattr(hot, "decide_for", lambda *a: taken.append("decide") or decide_for(*a))
    bodies = [("/v1/guard", b) for b in GUARD_BODIES] + [("/v1/decide", b) for b in DECIDE_BODIES]
    bodies.append(("/v1/decide", {"account_id": "A1", "now": NOON_CHICAGO}))
    for path, body in bodies:
        answered = send(api.client, api, who, path, body, content_type)
        assert answered == send(plain, api, who, path, body, content_type), (path, body)
    ordinary = who == "outreach" and content_type.split(";")[0] == "application/json"
    assert sorted(set(taken)) == (["decide", "guard"] if ordinary else [])


def test_the_hot_layer_answers_only_the_hot_routes(api: Api) -> None:
    middleware = [m.cls for m in api.client.app.user_middleware]  # type: ignore[attr-defined]
    assert HotRoutes in middleware
    assert set(HotRoutes(api.client.app).routes) == {"/v1/guard", "/v1/decide"}
