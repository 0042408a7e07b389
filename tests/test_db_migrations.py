"""Migrations: the migrated schema is exactly the tables' metadata, upgrading twice is a no-op,
and the revisions ship inside the package (no alembic.ini, no source checkout needed)."""

from __future__ import annotations

import importlib.resources

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from db_fixtures import *  # noqa: F403  (pytest finds the fixtures database_url and db_engine here)
from sqlalchemy import inspect

from runtime.db.database import make_engine
from runtime.db.migrate import current_revision, head_revision, upgrade
from runtime.db.tables import TABLES, metadata


def test_migrated_schema_equals_the_tables(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
        assert current_revision(engine) == head_revision()
        names = set(inspect(engine).get_table_names())
        assert {t.__tablename__ for t in TABLES} <= names
    finally:
        engine.dispose()


def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_a_table_missing_from_the_migrations_is_found(database_url: str) -> None:
    """The comparison can fail: drop a table and it names it."""
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE webhooks")
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), metadata)
        assert [d[0] for d in diff] == ["add_table"] and diff[0][1].name == "webhooks"
    finally:
        engine.dispose()


def test_revisions_ship_in_the_package() -> None:
    versions = importlib.resources.files("runtime.db.migrations") / "versions"
    shipped = [p.name for p in versions.iterdir() if p.name.endswith(".py") and p.name != "__init__.py"]
    assert "0001_initial.py" in shipped
    assert (importlib.resources.files("runtime.db.migrations") / "env.py").is_file()
