"""Decide's three PostgreSQL statements run straight on psycopg, as SQLAlchemy compiled them.

Why: SQLAlchemy's execution layer (execution context, parameter and result processing) cost about
as much CPU per statement as psycopg itself (~0.4 ms of ~0.8 measured here), and every decision
runs the lock, the history read and the final write. The SQL text is SQLAlchemy's own compilation
of `runtime.store.hot`'s statements for the connection's dialect, so both paths run the same SQL in
the same transaction (the session's connection). What SQLAlchemy's column types did is done here:
JSON parameters are wrapped for psycopg, an instant must be aware going in (`UTCDateTime` refuses a
naive one) and comes back in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from dataclasses import dataclass
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg.types.json import Json
from sqlalchemy.orm import Session

from runtime.db.tables import UTCDateTime


@dataclass(frozen=True)
class Compiled:
    """One statement's SQL for psycopg, its literal parameters, and which parameters need converting."""

    sql: str
    defaults: dict[str, Any]
    json: frozenset[str]
    instants: frozenset[str]


COMPILED: dict[tuple[int, int], Compiled] = {}  # (id(statement), id(dialect)) -> its compilation


def compiled(statement: sa.ClauseElement, dialect: sa.Dialect) -> Compiled:
    """The statement compiled once per dialect (it must have no expanding IN: nothing is left to render)."""
    key = (id(statement), id(dialect))
    found = COMPILED.get(key)
    if found is None:
        done = statement.compile(dialect=dialect)
        binds = done.binds.values()
        found = COMPILED[key] = Compiled(
            done.string,
            {name: value for name, value in done.params.items() if value is not None},
            frozenset(b.key for b in binds if isinstance(b.type, sa.JSON)),
            frozenset(b.key for b in binds if isinstance(b.type, UTCDateTime)),
        )
    return found


def execute(session: Session, statement: sa.ClauseElement, params: dict[str, Any]) -> Any:
    """Run a statement on the session's connection through psycopg; the psycopg cursor."""
    connection = session.connection()
    done = compiled(statement, connection.dialect)
    values = {**done.defaults, **params}
    for name in done.json & values.keys():
        values[name] = Json(values[name])
    for name in done.instants & values.keys():
        values[name] = aware(values[name])
    driver = connection.connection.driver_connection
    assert driver is not None
    try:
        return driver.execute(done.sql, values)
    except psycopg.Error as problem:
        # As SQLAlchemy would: its exception classes (IntegrityError, OperationalError…) for callers,
        # a lost connection dropped from the pool, and no parameters in the message (they hold PHI).
        lost = driver.broken
        if lost:
            connection.invalidate(problem)
        raise sa.exc.DBAPIError.instance(
            done.sql, None, problem, psycopg.Error, hide_parameters=True, connection_invalidated=lost
        ) from problem


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """An instant as `UTCDateTime` binds it: aware (a naive one raises), in UTC."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"an instant needs a time zone offset, got `{value!r}`")
    return value.astimezone(dt.UTC)


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """An instant read back as `UTCDateTime` gives it: in UTC (psycopg gives the session's zone)."""
    return None if value is None else value.astimezone(dt.UTC)


ROW_TYPES: dict[int, type] = {}  # id(select) -> a named tuple of its columns


def first_row(session: Session, statement: sa.Select, params: dict[str, Any]) -> Any:
    """The first row of a select, its columns by name (as a SQLAlchemy row would give them); None if none."""
    found = execute(session, statement, params).fetchone()
    if found is None:
        return None
    row_type = ROW_TYPES.get(id(statement))
    if row_type is None:
        row_type = ROW_TYPES[id(statement)] = namedtuple("Row", [c.key for c in statement.selected_columns])
    return row_type(*found)
