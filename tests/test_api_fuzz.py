"""Schemathesis against `/openapi.json`: whatever it generates, valid or not, the API never answers 5xx.

Calls carry a key holding every role, so generated input gets past the door and reaches the
validation and the stores. The database holds a deployed strategy and an account, so some
generated ids land on real rows. Bounded: a couple of dozen examples per operation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from test_api_fixtures import ROOT, ServiceState, folders_fixture, running  # noqa: F401

from runtime.db.database import transaction
from runtime.store import keys

EXAMPLES = 10  # per operation and mode: 33 operations x 2 modes x 10 calls, about a minute
ALL_ROLES = ["compliance", "strategist", "outreach", "auditor"]
HEADERS: dict[str, str] = {}


@pytest.fixture(scope="module", name="api_schema")
def api_schema_fixture(tmp_path_factory: pytest.TempPathFactory, folders_state: ServiceState) -> Iterator[object]:
    """The app's schema on a SQLite database with one deployed strategy and one account."""
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('fuzz')) / 'fuzz.db'}"
    with running(url, folders_state) as api:
        with transaction(api.state.engine) as session:
            text = keys.create_key(session, "Fuzz", ALL_ROLES, dt.datetime.now(dt.UTC))[1]
        HEADERS["Authorization"] = f"Bearer {text}"
        seed(api)
        yield schemathesis.openapi.from_asgi("/openapi.json", api.client.app)


def seed(api: object) -> None:
    """A strategy through four eyes, a patient and an account."""
    text = (ROOT / "strategies" / "dental_small_balances.parley").read_text()
    call = api.call  # type: ignore[attr-defined]
    version = call("strategist", "POST", "/v1/strategies", json={"text": text}).json()["version"]
    base = f"/v1/strategies/{version['name']}/versions/{version['version']}"
    call("strategist", "POST", f"{base}/submit")
    call("compliance", "POST", f"{base}/approve")
    call("compliance2", "POST", f"{base}/deploy")
    call("outreach", "PUT", "/v1/patients/P1", json={"timezone": "America/Chicago"})
    account = {"patient_id": "P1", "strategy_name": version["name"], "placed_on": "2026-03-01"}
    call("outreach", "PUT", "/v1/accounts/A1", json={**account, "facts": {"balance": "80.00"}})


def operations() -> list[str]:
    """Every operation's label, for one test per operation (the schema is read without a database)."""
    from fastapi import FastAPI

    from runtime.api.routes import ROUTERS

    app = FastAPI()
    for router in ROUTERS:
        app.include_router(router, prefix="/v1")
    return [f"{method.upper()} {path}" for path, item in app.openapi()["paths"].items() for method in item]


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
@pytest.mark.parametrize("label", operations())
def test_no_input_makes_a_server_error(api_schema: object, label: str, mode: GenerationMode) -> None:
    operation = api_schema.find_operation_by_label(label)  # type: ignore[attr-defined]
    assert operation is not None, label

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def run(case: schemathesis.Case) -> None:
        case.headers = {**(case.headers or {}), **HEADERS}  # generated credentials would stop it at the door
        response = case.call()
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
        )

    try:
        run()
    except Unsatisfiable:
        pytest.skip(f"{label} takes no input to make invalid")
