"""Alembic's environment: migrate the connection `runtime.db.migrate` hands over, against our tables.

Run through `runtime.db.migrate.upgrade(url)`; no alembic.ini is needed. Revisions are written
with plain SQLAlchemy types (`render_item`), so an old revision never imports today's code.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlmodel.sql.sqltypes import AutoString

from runtime.db.database import make_engine
from runtime.db.tables import UTCDateTime, metadata

config = context.config


def render_item(kind: str, item: Any, autogen_context: Any) -> str | bool:
    """Our column types as plain SQLAlchemy ones in generated revisions."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if kind == "type" and isinstance(item, AutoString):
        return f"sa.String(length={item.length})" if item.length else "sa.String()"
    return False


def configure(connection: Any) -> None:
    """Alembic's context on one connection (batch mode on SQLite, which cannot ALTER most things)."""
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_item=render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_online() -> None:
    """Migrate the connection given in `config.attributes`, or one to `sqlalchemy.url`."""
    connection = config.attributes.get("connection")
    if connection is not None:
        configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or None)
    with engine.connect() as fresh:
        configure(fresh)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: run `runtime.db.migrate.upgrade(url)`")
run_online()
