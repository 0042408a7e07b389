"""Every endpoint × role: an allowed role gets past the door (not 401/403), any other a 403, no key a 401.

The table below is the access policy, written out; a test checks it names every route the app
has, so a new route cannot ship without a line here.
"""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from starlette.routing import compile_path
from test_api_fixtures import HOLDERS, Api, folders_fixture, shared_api_fixture  # noqa: F401

from runtime.api.routes import ROUTERS

C, S, OUT, A = "compliance", "strategist", "outreach", "auditor"
ROLES = (C, S, OUT, A)
N = "/v1/strategies/Some%20strategy"
# (method, path, allowed roles). Paths name things that do not exist: the door is tested, not the room.
TABLE: list[tuple[str, str, tuple[str, ...]]] = [
    ("POST", "/v1/check", (S, C, A)),
    ("POST", "/v1/guard", (OUT, C, S)),
    ("POST", "/v1/strategies", (S, C)),
    ("GET", "/v1/strategies", (S, C, A)),
    ("GET", f"{N}/versions", (S, C, A)),
    ("GET", f"{N}/versions/1", (S, C, A)),
    ("GET", f"{N}/diff?from=1&to=2", (S, C, A)),
    ("POST", f"{N}/versions/1/submit", (S, C)),
    ("POST", f"{N}/versions/1/approve", (C,)),
    ("POST", f"{N}/versions/1/deploy", (C,)),
    ("POST", f"{N}/rollback", (C,)),
    ("PUT", "/v1/patients/P0", (OUT,)),
    ("PUT", "/v1/accounts/A0", (OUT,)),
    ("GET", "/v1/accounts/A0", (OUT, C, A)),
    ("POST", "/v1/events", (OUT,)),
    ("POST", "/v1/accounts/A0/contacts", (OUT, C)),
    ("POST", "/v1/accounts/A0/corrections", (C,)),
    ("POST", "/v1/decide", (OUT,)),
    ("GET", "/v1/decisions/1/replay", (A, C)),
    ("POST", "/v1/outbox/lease", (OUT,)),
    ("POST", "/v1/outbox/1/ack", (OUT,)),
    ("POST", "/v1/outbox/1/fail", (OUT,)),
    ("GET", "/v1/outbox/stats", (C, OUT, A)),
    ("GET", "/v1/outbox/webhook", (C, OUT, A)),
    ("PUT", "/v1/outbox/webhook", (C,)),
    ("DELETE", "/v1/outbox/webhook", (C,)),
    ("GET", "/v1/handoffs", (OUT, C)),
    ("POST", "/v1/handoffs/1/claim", (OUT, C)),
    ("POST", "/v1/handoffs/1/resolve", (OUT, C)),
    ("GET", "/v1/audit", (A, C)),
    ("GET", "/v1/audit/verify", (A, C)),
    ("POST", "/v1/keys", (C,)),
    ("GET", "/v1/keys", (C, A)),
    ("DELETE", "/v1/keys/k0", (C,)),
]
PUBLIC = {("GET", "/v1/health")}
CASES = [(method, path, role, role in allowed) for method, path, allowed in TABLE for role in ROLES]


def api_routes() -> dict[tuple[str, str], APIRoute]:
    """Every (method, full path template) the app serves under `/v1`, with its route."""
    return {
        (m, "/v1" + r.path): r
        for router in ROUTERS
        for r in router.routes
        if isinstance(r, APIRoute)
        for m in r.methods
    }


def route_of(method: str, path: str) -> tuple[str, str]:
    """The route template a table line calls, e.g. (`GET`, `/v1/accounts/{account_id}`)."""
    plain = path.split("?")[0].replace("%20", " ")
    for key in api_routes():
        if key[0] == method and compile_path(key[1])[0].match(plain):
            return key
    raise AssertionError(f"no route for {method} {path}")


def roles_of(route: APIRoute) -> frozenset[str] | None:
    """The roles the route's key check lets in (None: no key needed)."""
    for dependency in route.dependant.dependencies:
        roles = getattr(dependency.call, "roles", None)
        if roles is not None:
            return frozenset(roles)
    return None


def test_the_table_names_every_route_and_matches_its_key_check() -> None:
    tabled = {route_of(method, path): frozenset(allowed) for method, path, allowed in TABLE}
    every = api_routes()
    assert set(tabled) | PUBLIC == set(every)
    for key, route in every.items():
        assert roles_of(route) == tabled.get(key), key


@pytest.mark.parametrize(("method", "path", "role", "allowed"), CASES, ids=[f"{m} {p} {r}" for m, p, r, _ in CASES])
def test_endpoint_by_role(shared_api: Api, method: str, path: str, role: str, allowed: bool) -> None:
    answer = shared_api.call(role, method, path, json={} if method in ("POST", "PUT") else None)
    if allowed:
        assert answer.status_code not in (401, 403), answer.text
    else:
        assert answer.status_code == 403, answer.text
        assert "needs the role" in answer.json()["message"]


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, _ in TABLE], ids=[f"{m} {p}" for m, p, _ in TABLE])
def test_no_key_or_a_wrong_key_is_a_401(shared_api: Api, method: str, path: str) -> None:
    assert shared_api.call(None, method, path).status_code == 401
    forged = shared_api.keys[C][:-4] + "abcd"
    answer = shared_api.client.request(method, path, headers={"Authorization": f"Bearer {forged}"})
    assert answer.status_code == 401 and answer.json()["error"] == "unauthorized"


def test_a_revoked_key_is_refused_at_once(shared_api: Api) -> None:
    made = shared_api.call(C, "POST", "/v1/keys", json={"name": "Temp", "roles": [A]}).json()
    headers = {"X-API-Key": made["key"]}
    assert shared_api.client.get("/v1/audit/verify", headers=headers).status_code == 200
    assert shared_api.call(C, "DELETE", f"/v1/keys/{made['id']}").status_code == 200
    assert shared_api.client.get("/v1/audit/verify", headers=headers).status_code == 401


def test_keys_are_stored_hashed_and_listed_without_secrets(shared_api: Api) -> None:
    listed = shared_api.call(A, "GET", "/v1/keys").json()
    assert {name for name, _ in HOLDERS.values()} <= {k["name"] for k in listed}
    assert all(set(k) == {"id", "name", "roles", "created_by", "created_at", "revoked_at"} for k in listed)
    with shared_api.state.engine.connect() as connection:
        stored = [row[0] for row in connection.exec_driver_sql("SELECT key_hash FROM api_keys")]
    secrets = [text.split("_", 2)[2] for text in shared_api.keys.values()]
    assert all(h.startswith("sha256$") for h in stored)
    assert not any(secret in h for secret in secrets for h in stored)


def test_an_unknown_role_is_named(shared_api: Api) -> None:
    answer = shared_api.call(C, "POST", "/v1/keys", json={"name": "X", "roles": ["admin"]})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "roles[0]"
