"""The write transaction: one writer per account at a time, instants kept in UTC, clear errors.

The lock tests hold the account in one transaction and show a second writer waits until the
first commits (SQLite: BEGIN IMMEDIATE takes the write lock; PostgreSQL: FOR UPDATE on the row).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from db_fixtures import *  # noqa: F403  (pytest finds the fixtures database_url and db_engine here)
from db_fixtures import seed_account
from sqlalchemy import Engine
from sqlalchemy.exc import StatementError

from runtime.db import database
from runtime.db.database import (
    DEFAULT_URL,
    ENV_URL,
    AccountNotFound,
    lock_account,
    make_engine,
    read_session,
    transaction,
)
from runtime.db.database import (
    database_url as resolve_url,
)
from runtime.db.tables import AccountRow, AuditRow, EventRow

HOLD = 0.6  # seconds the first writer keeps the lock


def test_a_second_writer_waits_for_the_first(db_engine: Engine) -> None:
    with transaction(db_engine) as session:
        seed_account(session)
    events: list[tuple[str, float]] = []
    locked = threading.Event()

    def first() -> None:
        with transaction(db_engine) as session:
            lock_account(session, "A1")
            events.append(("first locked", time.monotonic()))
            locked.set()
            time.sleep(HOLD)
            events.append(("first commits", time.monotonic()))

    def second() -> None:
        locked.wait()
        with transaction(db_engine) as session:
            lock_account(session, "A1")
            events.append(("second locked", time.monotonic()))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [name for name, _ in events] == ["first locked", "first commits", "second locked"]
    assert events[2][1] - events[0][1] >= HOLD * 0.9


def test_readers_do_not_wait_for_a_writer(db_engine: Engine) -> None:
    with transaction(db_engine) as session:
        seed_account(session)
    with transaction(db_engine) as session:
        lock_account(session, "A1")
        started = time.monotonic()
        with read_session(db_engine) as reader:
            assert reader.get(AccountRow, "A1") is not None
        assert time.monotonic() - started < 5


def test_a_failed_transaction_leaves_nothing(db_engine: Engine) -> None:
    with pytest.raises(RuntimeError), transaction(db_engine) as session:
        seed_account(session)
        raise RuntimeError("boom")
    with read_session(db_engine) as session, pytest.raises(AccountNotFound, match="`A1`"):
        lock_account(session, "A1")


def test_instants_come_back_aware_in_utc(db_engine: Engine) -> None:
    local = dt.datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=ZoneInfo("America/New_York"))
    with transaction(db_engine) as session:
        session.add(AuditRow(seq=1, at=local, actor="a", action="b", subject="c", n=1, prev_hash="0", hash="1"))
    with read_session(db_engine) as session:
        row = session.get(AuditRow, 1)
    assert row is not None and row.at == local and row.at.tzinfo == dt.UTC
    assert row.at.isoformat() == "2026-03-02T14:30:15.123456+00:00"


def test_a_naive_instant_is_refused(db_engine: Engine) -> None:
    with transaction(db_engine) as session:
        seed_account(session)
    with pytest.raises(StatementError, match="time zone offset"), transaction(db_engine) as session:
        session.add(EventRow(account_id="A1", idempotency_key="k", type="reply", at=dt.datetime(2026, 3, 2)))
        session.flush()


def test_the_url_comes_from_the_argument_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_URL, raising=False)
    assert resolve_url(None) == DEFAULT_URL
    monkeypatch.setenv(ENV_URL, "sqlite:///elsewhere.db")
    assert resolve_url(None) == "sqlite:///elsewhere.db"
    assert resolve_url("sqlite:///given.db") == "sqlite:///given.db"


def test_postgresql_urls_use_psycopg_3() -> None:
    engine = make_engine("postgresql://user@localhost/db")
    assert engine.dialect.driver == "psycopg"
    engine.dispose()


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'x.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


# ---------------------------------------------------------------- pooled connections (PostgreSQL)


def dropped_then_reused(url: str) -> tuple[int, int]:
    """The server process of a pooled connection, dropped by the server while idle; the one used next."""
    engine = make_engine(url, pool_size=1, max_overflow=0)
    admin = make_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as connection:
            first = int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        with admin.connect() as connection:  # waits (up to 5 s) until the server process is gone
            connection.exec_driver_sql(f"SELECT pg_terminate_backend({first}, 5000)")
        with engine.connect() as connection:
            return first, int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
    finally:
        engine.dispose()
        admin.dispose()


def test_an_idle_connection_the_server_dropped_is_pinged_and_replaced(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)
    first, second = dropped_then_reused(postgres_url)
    assert second != first


def test_a_connection_in_steady_use_is_not_pinged(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without the idle ping the dropped connection is handed out as it is: its first statement fails
    # (and the pool is renewed). What a busy service saves is that round trip on every checkout.
    monkeypatch.setattr(database, "IDLE_PING_SECONDS", 1e9)
    with pytest.raises(sa.exc.OperationalError):
        dropped_then_reused(postgres_url)
