"""Engines and transactions: SQLite (a local file, WAL) by default, PostgreSQL via psycopg 3.

`make_engine(url)` builds the engine; `transaction(engine)` opens one write transaction and
`lock_account(session, account_id)` makes it the only writer of that account until commit:

- SQLite: pysqlite's own transaction handling is switched off (SQLAlchemy's documented recipe:
  `isolation_level = None` on connect, our own `BEGIN` on begin) so a write transaction starts with
  `BEGIN IMMEDIATE`: it takes the database's write lock before the first read, so counting a
  window and reserving a contact cannot interleave with another writer. Read sessions use a plain
  (deferred) `BEGIN` and never block writers under WAL.
- PostgreSQL: `SELECT … FOR UPDATE` on the account's row. Under READ COMMITTED each statement
  after the lock sees everything the previous holder committed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select

from runtime.db.tables import AccountRow

DEFAULT_URL = "sqlite:///var/parley.db"
ENV_URL = "PARLEY_DATABASE_URL"
WRITE_OPTION = "parley_write"  # execution option: this connection's transactions BEGIN IMMEDIATE
SQLITE_BUSY_MS = 30_000  # how long a writer waits for SQLite's write lock before giving up


class AccountNotFound(LookupError):
    """The account named is not in the database."""

    def __init__(self, account_id: str) -> None:
        super().__init__(f"there is no account `{account_id}`")
        self.account_id = account_id


def database_url(url: str | None = None) -> str:
    """The URL to use: the one given, else `PARLEY_DATABASE_URL`, else the local SQLite file."""
    return url or os.environ.get(ENV_URL) or DEFAULT_URL


def unusable(url: str, problem: Exception) -> str:
    """Why the database at `url` cannot be used, for a person: the URL without its password and
    the driver's first line (a wrong scheme, a refused connection, a missing database)."""
    try:
        shown = sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        shown = url.split("@")[-1]  # not a URL at all: keep nothing that might be a password
    reason = str(getattr(problem, "orig", None) or problem).strip().splitlines()[0]
    return f"cannot use the database `{shown}`: {reason}"


def make_engine(url: str | None = None, **options: Any) -> Engine:
    """An engine for `url` (see `database_url`); SQLite files get their folder created.

    `postgresql://` URLs are read as psycopg 3 (`postgresql+psycopg://`). Extra keyword options
    go to `sqlalchemy.create_engine` (pool sizes, `echo`); without `pool_pre_ping` a pooled
    PostgreSQL connection is pinged only after sitting idle (`ping_when_idle`).
    """
    parsed = make_url(database_url(url))
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        return sqlite_engine(parsed, **options)
    pre_ping = options.pop("pool_pre_ping", None)
    engine = sa.create_engine(parsed, pool_pre_ping=bool(pre_ping), **options)
    if pre_ping is None:
        ping_when_idle(engine)
    return engine


def ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before it is used only when it sat idle `IDLE_PING_SECONDS` or more.

    Why not `pool_pre_ping`: it pings on every checkout, one more round trip on every request (a
    decision is a handful). Connections that go stale (a restarted server, an idle timeout, a dropped
    network) are ones that sat idle, and those are still pinged and replaced. A connection in steady
    use that loses its server fails its next statement instead: SQLAlchemy's disconnect handling
    then invalidates the pool, that transaction rolls back (an error, nothing half-written) and the
    next checkout reconnects.
    """

    @event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(IDLE_SINCE)
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as problem:
            raise sa.exc.DisconnectionError(str(problem)) from problem  # the pool reconnects and retries


IDLE_PING_SECONDS = 5.0  # read at each checkout (tests set 0)
IDLE_SINCE = "parley.idle_since"  # connection record info key: when the connection went back to the pool


def sqlite_engine(url: sa.URL, **options: Any) -> Engine:
    """A SQLite engine with WAL, foreign keys, a busy timeout and transactions we begin ourselves."""
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    connect_args = dict(options.pop("connect_args", {}))
    connect_args.setdefault("timeout", SQLITE_BUSY_MS / 1000)
    connect_args.setdefault("check_same_thread", False)
    engine = sa.create_engine(url, connect_args=connect_args, **options)

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite would otherwise BEGIN (deferred) only before DML, after our reads: the recipe
        # from SQLAlchemy's SQLite notes, "Serializable isolation / Savepoints / Transactional DDL".
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: sa.Connection) -> None:
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def is_sqlite(bind: Engine | sa.Connection | Session) -> bool:
    """Whether `bind` talks to SQLite."""
    if isinstance(bind, Session):
        bind = bind.get_bind()
    return bind.dialect.name == "sqlite"


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One write transaction: committed when the block ends, rolled back if it raises.

    On SQLite the transaction holds the database's write lock from its first statement; on
    PostgreSQL call `lock_account` first to serialize writers to that account.
    """
    bind = engine.execution_options(**{WRITE_OPTION: True}) if is_sqlite(engine) else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading (never blocks writers); closing it rolls back whatever it began.

    Rows read stay usable after the block (closing detaches them without expiring them).
    """
    with Session(engine, expire_on_commit=False) as session:
        yield session


def lock_account(session: Session, account_id: str) -> AccountRow:
    """The account's row, locked for this transaction (PostgreSQL: `FOR UPDATE`); raises `AccountNotFound`.

    On SQLite the write transaction already holds the database's lock; the row is only read.
    """
    query = select(AccountRow).where(AccountRow.account_id == account_id).execution_options(populate_existing=True)
    if not is_sqlite(session):
        query = query.with_for_update()
    row = session.exec(query).first()
    if row is None:
        raise AccountNotFound(account_id)
    return row
