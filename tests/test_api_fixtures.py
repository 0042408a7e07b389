"""Fixtures for the API tests: an app on a migrated database (SQLite, and PostgreSQL when set) and keys per role.

Import into a test module: `from test_api_fixtures import Api, api_fixture, database_url,
folders_fixture` (pytest finds fixtures by name: `api`, `folders_state`). The folders (packs,
templates) are read once per session: reading them is the slow part of starting a service, and no
test changes them.

`api.keys` holds one key per role, each held by a different person, plus `compliance2`: a second
compliance officer for four-eyes approvals.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from db_fixtures import (
    BACKENDS,
    database_url,  # noqa: F401  (a fixture this module's fixtures use)
    fresh_postgres_schema,
    pg_base_url,
    sqlite_url,
)
from fastapi.testclient import TestClient

from runtime.api.app import ServiceState, Settings, create_app, load_state
from runtime.api.auth import KeyCache
from runtime.db.database import make_engine, transaction
from runtime.db.migrate import upgrade
from runtime.service.plans import PlanService
from runtime.store import keys

ROOT = Path(__file__).resolve().parent.parent
HOLDERS = {
    "compliance": ("Cora Compliance", ["compliance"]),
    "compliance2": ("Carl Second", ["compliance"]),
    "strategist": ("Stella Strategist", ["strategist"]),
    "outreach": ("Otto Outreach", ["outreach"]),
    "auditor": ("Audra Auditor", ["auditor"]),
}


@dataclass
class Api:
    """A test client on a fresh database and the keys to call it with."""

    client: TestClient
    keys: dict[str, str]
    state: ServiceState

    def headers(self, who: str | None) -> dict[str, str]:
        """The headers of a call made with `who`'s key (None: no key)."""
        return {} if who is None else {"Authorization": f"Bearer {self.keys[who]}"}

    def call(self, who: str | None, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One call as `who`."""
        headers = {**self.headers(who), **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)


@pytest.fixture(scope="session", name="folders_state")
def folders_fixture() -> ServiceState:
    """The packs and templates read once (the engine in it is a placeholder, replaced per test)."""
    settings = Settings(policies=ROOT / "policies", templates=ROOT / "templates")
    return load_state(settings, engine=make_engine("sqlite://"))


def make_keys(engine: object) -> dict[str, str]:
    """One key per holder, stored as the service stores them."""
    now = dt.datetime.now(dt.UTC)
    made = {}
    with transaction(engine) as session:  # type: ignore[arg-type]
        for who, (name, roles) in HOLDERS.items():
            made[who] = keys.create_key(session, name, roles, now)[1]
    return made


@pytest.fixture(name="api")
def api_fixture(database_url: str, folders_state: ServiceState) -> Iterator[Api]:  # noqa: F811
    """An app on a freshly migrated database, with a key per role."""
    with running(database_url, folders_state) as api:
        yield api


@contextlib.contextmanager
def running(url: str, folders_state: ServiceState) -> Iterator[Api]:
    """An app on a freshly migrated database at `url`, with a key per role."""
    upgrade(url)
    engine = make_engine(url)
    state = dataclasses.replace(folders_state, engine=engine, plans=PlanService(), keys=KeyCache())
    made = make_keys(engine)
    try:
        with TestClient(create_app(state=state), raise_server_exceptions=False) as client:
            yield Api(client, made, state)
    finally:
        engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS, name="shared_api")
def shared_api_fixture(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, folders_state: ServiceState
) -> Iterator[Api]:
    """One app per module and backend, for tests that only read or are refused (the endpoint x role table)."""
    if request.param == "sqlite":
        with running(sqlite_url(tmp_path_factory.mktemp("api")), folders_state) as api:
            yield api
        return
    base = pg_base_url()
    if base is None:
        pytest.skip("PARLEY_TEST_DATABASE_URL is not set")
    with fresh_postgres_schema(base) as url, running(url, folders_state) as api:
        yield api
