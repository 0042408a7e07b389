"""Decide's Core hot path (`runtime.store.hot`): the statements a decision costs, and that its shortcuts
(no advisory lock for the audit row, a decision id drawn with the history read, Core writes beside
the ORM) keep the store's invariants: one audit chain per account that verifies and catches an edit,
a caller's own session seeing what it added and never holding a stale account row.

Counts, not timings: the statement count is what the hot path is built to keep small. Runs on SQLite
and, with PARLEY_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from db_fixtures import *  # noqa: F403  (pytest finds the fixtures database_url and db_engine here)
from db_fixtures import EAGER_TEXT, T0, guard_rules, plan_of, seed_account
from sqlalchemy import Engine, event
from sqlmodel import Session, select

from runtime.api.routes.decide import SessionPlans
from runtime.db.database import make_engine, read_session, transaction
from runtime.db.migrate import upgrade
from runtime.db.tables import AccountRow, AuditRow, DecisionRow
from runtime.service.decide import DecisionOut, decide_and_reserve, replay
from runtime.service.plans import PlanService
from runtime.store import audit, hot, hot_pg, strategies
from runtime.store.accounts import locked_account
from runtime.store.events import record_event
from runtime.store.problems import StoreProblem

PLANS = {"Eager": plan_of()}
LATER = T0 + dt.timedelta(hours=4)  # the same day: every step already acted, nothing is reserved
# Statements per decision, BEGIN not counted: (one reserving three calls, one reserving nothing).
# PostgreSQL: lock, history read (drawing the decision id), decision, contacts, outbox, then one
# statement for progress and audit; nothing reserved: lock, read, one statement for decision + audit.
# SQLite: the same reads, then one statement per write (no data-modifying CTEs there) and per
# contact and message (SQLAlchemy inserts one row at a time when ids must come back in order,
# since SQLite does not promise RETURNING's order); in-process statements, no round trips.
STATEMENTS = {"postgresql": (6, 3), "sqlite": (11, 4)}


@pytest.fixture
def engine(db_engine: Engine) -> Engine:
    with transaction(db_engine) as session:
        seed_account(session)
    return db_engine


def decide_at(target: object, now: dt.datetime) -> DecisionOut:
    return decide_and_reserve(target, "A1", now, PLANS, guard_rules())  # type: ignore[arg-type]


@contextmanager
def counted(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The SQL statements run on `engine` inside the block (transaction control left out), those
    SQLAlchemy runs and those `runtime.store.hot_pg` sends to psycopg itself."""
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    def direct(session: Session, statement: sa.ClauseElement, params: dict[str, Any]) -> Any:
        seen.append(str(statement))
        return run_direct(session, statement, params)

    run_direct = hot_pg.execute
    monkeypatch.setattr(hot_pg, "execute", direct)
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)
        monkeypatch.undo()


def test_a_decision_costs_a_fixed_handful_of_statements(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    reserving, idle = STATEMENTS[engine.dialect.name]
    with counted(engine, monkeypatch) as seen:
        first = decide_at(engine, T0)
    assert len(first.proposals) == 3 and len(seen) == reserving, seen
    with counted(engine, monkeypatch) as seen:
        again = decide_at(engine, LATER)
    assert again.proposals == [] and len(seen) == idle, seen


def test_the_services_live_plans_catch_up_with_no_statement_of_their_own(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The newest deployment id comes with the history read: with plans in hand's count, plus the one
    read of the log's new rows when a worker first catches up."""
    plan = plan_of()
    with transaction(engine) as session:
        row, _ = strategies.create_version(session, "Eager", 1, EAGER_TEXT, plan.content_hash, "author", T0)
        strategies.submit(session, row, "author", T0, 0)
        strategies.approve(session, row, "officer", T0)
        strategies.deploy(session, row, "officer", T0)
    service = PlanService()
    reserving, idle = STATEMENTS[engine.dialect.name]
    for now, expected in ((T0, reserving + 1), (LATER, idle)):
        with counted(engine, monkeypatch) as seen, transaction(engine) as session:
            out = decide_and_reserve(session, "A1", now, SessionPlans(service, session), guard_rules())
        assert out.strategy_hash == plan.content_hash and len(seen) == expected, seen
    assert service.applied > 0


def test_decide_and_a_locked_writer_share_the_accounts_audit_chain(engine: Engine) -> None:
    decide_at(engine, T0)
    with transaction(engine) as session:
        locked_account(session, "A1")  # as every writer of an `account:` subject must
        audit.append(session, "clerk", "contacts.record", "account:A1", {"contacts": []}, LATER)
    decide_at(engine, T0 + dt.timedelta(days=1))
    with read_session(engine) as session:
        report = audit.verify(session)
        chain = audit.rows(session, subject="account:A1")
    assert report.ok, report
    seeded = [(1, "account.upsert")]  # the seeded account's own row starts the chain
    assert [(r.n, r.action) for r in chain] == [*seeded, (2, "decide"), (3, "contacts.record"), (4, "decide")]
    assert [r.prev_hash for r in chain[1:]] == [r.hash for r in chain[:-1]]


def test_an_edited_decide_audit_row_is_named(engine: Engine) -> None:
    decide_at(engine, T0)
    decide_at(engine, LATER)
    with read_session(engine) as session:
        first = audit.rows(session, subject="account:A1", action="decide")[0]
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE audit SET payload = :p WHERE seq = :s"), {"p": '{"decision_id": 0}', "s": first.seq}
        )
    with read_session(engine) as session:
        report = audit.verify(session)
    assert not report.ok and report.first_bad_seq == first.seq


def test_every_decision_id_names_its_stored_row_and_audit_row(engine: Engine) -> None:
    outs = [decide_at(engine, T0 + dt.timedelta(hours=h)) for h in (0, 4, 24, 28)]
    with read_session(engine) as session:
        rows = {r.id: r for r in session.exec(select(DecisionRow)).all()}
        logged = [r.payload["decision_id"] for r in audit.rows(session, subject="account:A1", action="decide")]
        for out in outs:
            assert rows[out.decision_id].now == out.now and rows[out.decision_id].account_id == "A1"
            assert replay(session, out.decision_id, plan=PLANS["Eager"]).matches
    assert logged == [o.decision_id for o in outs]
    assert len({o.decision_id for o in outs}) == 4


def test_a_decision_in_the_callers_session_sees_its_event_and_leaves_no_stale_account(engine: Engine) -> None:
    reply = {"type": "reply", "at": T0.isoformat(), "text": "I lost my job and cannot pay"}
    with transaction(engine) as session:
        held = session.get(AccountRow, "A1")
        assert held is not None and held.progress == {}
        record_event(session, "A1", reply, "r1", T0)  # not yet committed: decide must still see it
        out = decide_at(session, T0 + dt.timedelta(minutes=5))
        assert len(out.handoff_ids) == 1
        again = session.get(AccountRow, "A1")
        assert again is not None and len(again.progress["handled"]) == 1  # read again, not the stale copy


def test_an_unknown_account_is_a_404_that_writes_nothing(engine: Engine) -> None:
    with pytest.raises(StoreProblem) as problem:
        decide_and_reserve(engine, "nobody", T0, PLANS, guard_rules())
    assert (problem.value.status, problem.value.field) == (404, "account_id")
    with read_session(engine) as session:
        assert (
            session.exec(select(AuditRow).where(AuditRow.action == "decide")).all() == []
            and session.exec(select(DecisionRow)).all() == []
        )


def test_postgresql_instants_come_back_in_utc_whatever_the_sessions_zone(postgres_url: str) -> None:
    # hot_pg reads through psycopg, which gives instants in the session's zone: they must come back
    # in UTC, as UTCDateTime gives them, or the guard's rows and the stored decision would differ.
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    event.listen(engine, "connect", lambda dbapi, _record: dbapi.execute("SET TIME ZONE 'America/New_York'"))
    try:
        with transaction(engine) as session:
            seed_account(session)
            record_event(session, "A1", {"type": "payment", "at": T0.isoformat()}, "p1", T0)
        decide_at(engine, T0 + dt.timedelta(minutes=1))
        with transaction(engine) as session:
            read = hot.lock_and_read(session, "A1", LATER, LATER - dt.timedelta(days=1), "account:A1")
            assert read is not None and read.events and read.contacts
            instants = [e.at for e in read.events] + [c.at for c in read.contacts]
            assert all(at.utcoffset() == dt.timedelta(0) and str(at.tzinfo) == "UTC" for at in instants)
            assert read.events[0].at == T0
            with pytest.raises(ValueError, match="time zone offset"):  # a naive instant, as UTCDateTime refuses
                hot_pg.execute(session, hot.READ_HISTORY_PG, {"account_id": "A1", "now": T0.replace(tzinfo=None)})
    finally:
        engine.dispose()


def test_postgresql_direct_errors_are_sqlalchemys_and_name_no_parameters(postgres_url: str) -> None:
    # An audit row whose place in the chain is taken (a writer that skipped the account lock) is
    # refused with SQLAlchemy's IntegrityError, as on the ORM path, and its message holds no values.
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    try:
        with transaction(engine) as session:
            seed_account(session)
        decide_at(engine, T0)
        with read_session(engine) as session:
            taken = audit.rows(session, subject="account:A1")[0]
        again = audit.chained(None, "intruder", "decide", "account:A1", {"patient": "Jane Roe"}, LATER)
        with pytest.raises(sa.exc.IntegrityError) as refused, transaction(engine) as session:
            hot_pg.execute(session, hot.finishing(False, False), hot.params_of(hot.AUDIT, "a_", again))
        assert taken.n == again["n"] == 1 and "Jane Roe" not in str(refused.value)
    finally:
        engine.dispose()
