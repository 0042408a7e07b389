"""Create or migrate the database to the newest schema: `upgrade(url)`, no alembic.ini needed.

`parley serve` calls this on start and the tests call it for every database they make. Several
workers starting at once are safe: PostgreSQL migrates under an advisory lock, SQLite inside an
immediate (write-locked) transaction.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from runtime.db.database import WRITE_OPTION, is_sqlite, make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 7_462_011  # PostgreSQL advisory lock id held while migrating
log = logging.getLogger(__name__)


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for our migrations, migrating `connection` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision the package ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships a revision
        raise RuntimeError("no migrations found")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(url: str | Engine | None = None, revision: str = "head") -> None:
    """Create or migrate the database at `url` (or the engine given) to `revision`."""
    engine = url if isinstance(url, Engine) else make_engine(url)
    try:
        bind = engine.execution_options(**{WRITE_OPTION: True}) if is_sqlite(engine) else engine
        with bind.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK})
            command.upgrade(alembic_config(connection), revision)
        log.info("database migrated to %s", revision)
    finally:
        if not isinstance(url, Engine):
            engine.dispose()
