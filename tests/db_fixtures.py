"""Databases for tests: every test that takes `database_url` runs on SQLite and, when
`PARLEY_TEST_DATABASE_URL` is set, on PostgreSQL too.

Import the fixtures into a test module: `from db_fixtures import database_url, db_engine`.

- SQLite: a fresh file in the test's tmp folder.
- PostgreSQL: a fresh schema per test, named on the URL (`options=-csearch_path=…`) so every
  connection, Alembic's included, works inside it; dropped (CASCADE) after the test.

`db_engine` is an engine on a migrated database (Alembic's `upgrade`, as `parley serve` does).
`postgres_url` is for tests that only make sense on PostgreSQL; it skips without the variable.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from runtime.db.database import make_engine
from runtime.db.migrate import upgrade

PG_ENV = "PARLEY_TEST_DATABASE_URL"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pg_base_url() -> str | None:
    """The PostgreSQL URL CI gives, or None."""
    return os.environ.get(PG_ENV) or None


def sqlite_url(folder: Path) -> str:
    """A fresh SQLite database file in `folder`."""
    return f"sqlite:///{folder / 'parley.db'}"


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


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL on a fresh PostgreSQL schema; skips when `PARLEY_TEST_DATABASE_URL` is not set."""
    base = pg_base_url()
    if base is None:
        pytest.skip(f"{PG_ENV} is not set")
    schema = create_schema(base)
    try:
        yield schema_url(base, schema)
    finally:
        drop_schema(base, schema)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database's URL: SQLite, then PostgreSQL when `PARLEY_TEST_DATABASE_URL` is set."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    base = pg_base_url()
    if base is None:
        pytest.skip(f"{PG_ENV} is not set")
    schema = create_schema(base)
    try:
        yield schema_url(base, schema)
    finally:
        drop_schema(base, schema)


@pytest.fixture
def db_engine(database_url: str) -> Iterator[Engine]:
    """An engine on a freshly migrated database."""
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()
