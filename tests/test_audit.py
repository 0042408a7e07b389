"""The audit log: each row hashes the previous row of its subject; verify names the first row that was
edited, deleted or inserted. Runs on SQLite and, with PARLEY_TEST_DATABASE_URL, on PostgreSQL.

`fill` writes five rows about two accounts in turn: seq 1, 3, 5 are rows 1-3 of `account:A`,
seq 2, 4 rows 1-2 of `account:B`.
"""

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
            subject = "account:A" if n % 2 == 0 else "account:B"
            audit.append(session, "alice", "decide", subject, {"decision_id": n, "contacts": [n]}, T0)


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
    assert [(r.seq, r.subject, r.n) for r in rows][:3] == [
        (1, "account:A", 1),
        (2, "account:B", 1),
        (3, "account:A", 2),
    ]
    chain = [r for r in rows if r.subject == "account:A"]
    assert chain[0].prev_hash == audit.GENESIS and all(a.hash == b.prev_hash for a, b in itertools.pairwise(chain))


TAMPERING = [
    # (what, SQL run on the database, the sequence number verify must name, words in the problem)
    ("edit a payload", "UPDATE audit SET payload = '{\"decision_id\": 99}' WHERE seq = 3", 3, "edited"),
    ("edit the actor", "UPDATE audit SET actor = 'mallory' WHERE seq = 2", 2, "edited"),
    ("edit the time", "UPDATE audit SET at = at + interval '1 hour' WHERE seq = 4", 4, "edited"),
    ("move a row to another subject", "UPDATE audit SET subject = 'account:B', n = 3 WHERE seq = 5", 5, "previous"),
    ("delete a middle row", "DELETE FROM audit WHERE seq = 3", 5, "deleted"),
    ("delete the first row", "DELETE FROM audit WHERE seq = 1", 3, "deleted"),
    (
        "append a forged row",
        "INSERT INTO audit VALUES (6, '2026-03-02 14:00:00', 'm', 'x', 'account:A', 4, '{}', "
        "'p', 'h', '2026-03-02 14:00:00')",
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
    """Make room in `account:A`'s chain, then insert a row that chains from the row before it."""
    fill(db_engine)
    with read_session(db_engine) as session:
        first = audit.rows(session, subject="account:A")[0]
    forged_hash = audit.row_hash(first.hash, 2, T0, "mallory", "decide", "account:A", {})
    with db_engine.begin() as connection:
        for n in (3, 2):
            connection.execute(text("UPDATE audit SET n = n + 1 WHERE subject = 'account:A' AND n = :n"), {"n": n})
        connection.execute(
            text(
                "INSERT INTO audit (seq, at, actor, action, subject, n, payload, prev_hash, hash, created_at) "
                "VALUES (6, :at, 'mallory', 'decide', 'account:A', 2, '{}', :prev, :hash, :at)"
            ),
            {"at": T0.replace(tzinfo=None), "prev": first.hash, "hash": forged_hash},
        )
    report = verify(db_engine)
    # The renumbered row comes first in `seq` order and no longer follows row 1 of its subject.
    assert not report.ok and report.first_bad_seq == 3


def test_removing_the_newest_row_changes_the_head(db_engine: Engine) -> None:
    """A shorter chain still verifies; the head an auditor kept elsewhere no longer matches."""
    fill(db_engine)
    kept = verify(db_engine).head
    with db_engine.begin() as connection:
        connection.execute(text("DELETE FROM audit WHERE seq = 5"))
    report = verify(db_engine)
    assert report.ok and report.head != kept


def test_payloads_round_trip_exactly(db_engine: Engine) -> None:
    """Payload values the JSON column could change (floats, unicode, nesting) still verify."""
    payload = {"f": 0.1, "u": "ñ – ü", "n": {"b": [1, 2.5, None, True]}, "big": 2**53}
    with transaction(db_engine) as session:
        audit.append(session, "bob", "deploy", "strategy:S", payload, T0 + dt.timedelta(microseconds=123))
    assert verify(db_engine).ok
