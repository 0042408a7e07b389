"""The audit log: each row hashes the previous one; verify names the first row that was edited,
deleted or inserted. Runs on SQLite and, with PARLEY_TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from db_fixtures import *  # noqa: F403  (pytest finds the fixtures database_url and db_engine here)
from db_fixtures import T0
from sqlalchemy import Engine, text

from runtime.db.database import read_session, transaction
from runtime.store import audit


def fill(engine: Engine, count: int = 5) -> None:
    """`count` rows, one transaction each (as decisions write them)."""
    for n in range(count):
        with transaction(engine) as session:
            audit.append(session, "alice", "decide", f"account:A{n}", {"decision_id": n, "contacts": [n]}, T0)


def verify(engine: Engine) -> audit.AuditReport:
    with read_session(engine) as session:
        return audit.verify(session)


def test_an_untouched_chain_verifies(db_engine: Engine) -> None:
    assert verify(db_engine) == audit.AuditReport(True, 0)  # an empty log is fine
    fill(db_engine)
    report = verify(db_engine)
    assert report.ok and report.checked == 5 and report.first_bad_seq is None
    with read_session(db_engine) as session:
        rows = audit.rows(session)
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == audit.GENESIS and all(a.hash == b.prev_hash for a, b in itertools.pairwise(rows))
    assert report.head == rows[-1].hash


TAMPERING = [
    # (what, SQL run on the database, the sequence number verify must name, words in the problem)
    ("edit a payload", "UPDATE audit SET payload = '{\"decision_id\": 99}' WHERE seq = 3", 3, "edited"),
    ("edit the actor", "UPDATE audit SET actor = 'mallory' WHERE seq = 2", 2, "edited"),
    ("edit the time", "UPDATE audit SET at = at + interval '1 hour' WHERE seq = 4", 4, "edited"),
    ("delete a middle row", "DELETE FROM audit WHERE seq = 3", 4, "deleted"),
    ("delete the first row", "DELETE FROM audit WHERE seq = 1", 2, "deleted"),
    (
        "append a forged row",
        "INSERT INTO audit VALUES (6, '2026-03-02 14:00:00', 'm', 'x', 's', '{}', 'p', 'h', '2026-03-02 14:00:00')",
        6,
        "previous hash",
    ),
]


@pytest.mark.parametrize(("what", "sql", "bad_seq", "words"), TAMPERING, ids=[t[0] for t in TAMPERING])
def test_tampering_is_named(db_engine: Engine, what: str, sql: str, bad_seq: int, words: str) -> None:
    fill(db_engine)
    if db_engine.dialect.name == "sqlite":
        sql = sql.replace("at + interval '1 hour'", "datetime(at, '+1 hour')")
    with db_engine.begin() as connection:
        connection.execute(text(sql))
    report = verify(db_engine)
    assert not report.ok
    assert report.first_bad_seq == bad_seq, report
    assert words in str(report.problem)


def test_a_row_inserted_in_the_middle_is_named(db_engine: Engine) -> None:
    """Renumber the tail to make room, then insert a row whose hash chains from the row before it."""
    fill(db_engine)
    with read_session(db_engine) as session:
        second = audit.rows(session)[1]
    forged_hash = audit.row_hash(second.hash, 3, T0, "mallory", "decide", "account:X", {})
    with db_engine.begin() as connection:
        for seq in (5, 4, 3):
            connection.execute(text("UPDATE audit SET seq = seq + 1 WHERE seq = :s"), {"s": seq})
        connection.execute(
            text(
                "INSERT INTO audit (seq, at, actor, action, subject, payload, prev_hash, hash, created_at) "
                "VALUES (3, :at, 'mallory', 'decide', 'account:X', '{}', :prev, :hash, :at)"
            ),
            {"at": T0.replace(tzinfo=None), "prev": second.hash, "hash": forged_hash},
        )
    report = verify(db_engine)
    # The forged row itself chains; the row after it, renumbered, no longer matches its hash.
    assert not report.ok and report.first_bad_seq == 4


def test_payloads_round_trip_exactly(db_engine: Engine) -> None:
    """Payload values the JSON column could change (floats, unicode, nesting) still verify."""
    payload = {"f": 0.1, "u": "ñ – ü", "n": {"b": [1, 2.5, None, True]}, "big": 2**53}
    with transaction(db_engine) as session:
        audit.append(session, "bob", "deploy", "strategy:S", payload, T0 + dt.timedelta(microseconds=123))
    assert verify(db_engine).ok
