"""Databases for tests: every test that takes `database_url` runs on SQLite and, when
`PARLEY_TEST_DATABASE_URL` is set, on PostgreSQL too.

Import the fixtures into a test module with `from db_fixtures import *  # noqa: F403` (pytest finds
them by name, and ruff does not flag the test functions' parameters as redefinitions), and the
helpers by name: `T0`, `EAGER_TEXT`, `plan_of`, `guard_rules`, `seed_account`.

- SQLite: a fresh file in the test's tmp folder.
- PostgreSQL: a fresh schema per test, named on the URL (`options=-csearch_path=…`) so every
  connection, Alembic's included, works inside it; dropped (CASCADE) after the test.

`db_engine` is an engine on a migrated database (Alembic's `upgrade`, as `parley serve` does).
`postgres_url` is for tests that only make sense on PostgreSQL; it skips without the variable.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from dsl import ast
from dsl.parser import parse
from engine.evaluators import build_plan
from engine.guard import GuardRules, compile_rules
from engine.plan import Plan
from runtime.db.database import make_engine
from runtime.db.migrate import upgrade
from runtime.db.tables import AccountRow, Patient
from runtime.files import load_policies
from runtime.store.accounts import upsert_account, upsert_patient

PG_ENV = "PARLEY_TEST_DATABASE_URL"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pg_base_url() -> str | None:
    """The PostgreSQL URL CI gives, or None."""
    return os.environ.get(PG_ENV) or None


def sqlite_url(folder: Path) -> str:
    """A fresh SQLite database file in `folder`."""
    return f"sqlite:///{folder / 'parley.db'}"


@contextmanager
def migrated_sqlite(folder: Path) -> Iterator[Engine]:
    """An engine on a fresh SQLite file in `folder`, migrated as `parley serve` migrates (for pytest-bdd
    steps, which cannot take the parametrised `db_engine`)."""
    url = sqlite_url(folder)
    upgrade(url)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def schema_url(base: str, schema: str) -> str:
    """`base` with every connection's search_path set to `schema`."""
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def create_schema(base: str) -> str:
    """A new, empty schema; its name."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = make_engine(base, poolclass=sa.NullPool)
    with engine.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()
    return schema


def drop_schema(base: str, schema: str) -> None:
    """Drop a test's schema and everything in it."""
    engine = make_engine(base, poolclass=sa.NullPool)
    with engine.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


@contextmanager
def fresh_postgres_schema(base: str) -> Iterator[str]:
    """A URL on a new schema of the PostgreSQL at `base`, dropped when the block ends."""
    schema = create_schema(base)
    try:
        yield schema_url(base, schema)
    finally:
        drop_schema(base, schema)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL on a fresh PostgreSQL schema; skips when `PARLEY_TEST_DATABASE_URL` is not set."""
    base = pg_base_url()
    if base is None:
        pytest.skip(f"{PG_ENV} is not set")
    with fresh_postgres_schema(base) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database's URL: SQLite, then PostgreSQL when `PARLEY_TEST_DATABASE_URL` is set."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    base = pg_base_url()
    if base is None:
        pytest.skip(f"{PG_ENV} is not set")
    with fresh_postgres_schema(base) as url:
        yield url


@pytest.fixture
def db_engine(database_url: str) -> Iterator[Engine]:
    """An engine on a freshly migrated database."""
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


# ---------------------------------------------------------------- shared test data

POLICIES = Path(__file__).resolve().parent.parent / "policies"
T0 = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York
# A strategy far more eager than the law allows: three calls a day. The checker would refuse it;
# the runtime ledger must still keep every account within its caps.
EAGER_TEXT = """strategy "Eager" version 1
  organization agency
  jurisdictions US-PA
  step "Morning call" every 1 day from day 0 to day 400
    call "eager_call"
  end
  step "Noon call" every 1 day from day 0 to day 400
    call "eager_call"
  end
  step "Evening call" every 1 day from day 0 to day 400
    call "eager_call"
  end
  on reply when intent.hardship
    handoff "hardship-desk" priority high
  end
end
"""


def plan_of(text: str = EAGER_TEXT) -> Plan:
    """A strategy compiled without the checker (the tests want strategies the checker would refuse)."""
    program = parse(text, "test.parley").program
    assert isinstance(program, ast.Strategy)
    return build_plan(program, text)


@functools.cache
def guard_rules() -> GuardRules:
    """The shipped policy packs, compiled for the guard once per test process."""
    packs, findings = load_policies(POLICIES)
    assert not any(d.is_error for d in findings)
    return compile_rules(packs)


# A home landline, an email address and a postal address: decide refuses a contact it has no address for.
# The guard treats every call as possibly autodialed or AI-voiced (TCPA), so the patient consents to both.
SEED_PATIENT: dict[str, Any] = {
    "timezone": "America/New_York",
    "language": "en",
    "designations": {"consent": {"autodialed_calls": True, "prerecorded_voice": True}},
    "contact_points": [
        {"id": "home", "kind": "landline", "number": "+12155550100"},
        {"id": "mail", "kind": "email", "address": "patient@example.test"},
        {"id": "post", "kind": "address", "address": "1 Main St, Philadelphia, PA 19103"},
    ],
}


def seed_account(
    session: Session, account_id: str = "A1", patient_id: str = "P1", now: dt.datetime = T0, **account: Any
) -> AccountRow:
    """A patient in New York and an account in Pennsylvania under the eager strategy."""
    if session.get(Patient, patient_id) is None:
        upsert_patient(session, patient_id, SEED_PATIENT, now)
    data = {
        "patient_id": patient_id,
        "strategy_name": "Eager",
        "placed_on": "2026-03-01",
        "facts": {"balance": "250.00", "days_past_due": 200},
        "jurisdiction": "US-PA",
        "debts": [{"id": "D1", "kind": "medical"}],
        **account,
    }
    return upsert_account(session, account_id, data, now)
