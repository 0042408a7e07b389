"""The audit log: append-only, each row's hash covering the previous row's hash and its own fields.

`append(session, actor, action, subject, payload, now)` adds the next row in the caller's
transaction. Appends are serialized across the whole database (PostgreSQL: a transaction-scoped
advisory lock; SQLite: the write transaction already is), so the chain never forks. Payloads
carry ids and hashes, never a patient's data.

`verify(session)` walks the chain and names the first bad sequence number: an edited row (its
hash no longer matches its fields), a deleted row (a gap in the numbers, or the next row's
`prev_hash` no longer matching) and an inserted row (a number out of place, or a hash that does
not chain). Rewriting the whole tail consistently needs the hash of the last row to go
unnoticed: `AuditReport.head` is that hash, for an auditor to keep elsewhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from runtime.db.tables import AuditRow

GENESIS = "0" * 64
AUDIT_LOCK = 7_462_012  # PostgreSQL advisory lock id held by an append until commit
BATCH = 2_000  # rows read at a time by verify


@dataclass(frozen=True)
class AuditReport:
    """What verify found: `ok`, rows checked, the first bad sequence number and why, the head hash."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    head: str = GENESIS

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_bad_seq": self.first_bad_seq,
            "problem": self.problem,
            "head": self.head,
        }


def canonical(data: Any) -> str:
    """JSON text that is the same for the same data (sorted keys, no spaces)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def row_hash(prev_hash: str, seq: int, at: dt.datetime, actor: str, action: str, subject: str, payload: Any) -> str:
    """SHA-256 of the previous hash and this row's canonical JSON."""
    body = canonical(
        {
            "seq": seq,
            "at": at.astimezone(dt.UTC).isoformat(),
            "actor": actor,
            "action": action,
            "subject": subject,
            "payload": payload,
        }
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def append(
    session: Session, actor: str, action: str, subject: str, payload: Mapping[str, Any], now: dt.datetime
) -> AuditRow:
    """The next audit row, written in the caller's transaction."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": AUDIT_LOCK})
    last = session.exec(select(AuditRow).order_by(col(AuditRow.seq).desc()).limit(1)).first()
    seq, prev = (last.seq + 1, last.hash) if last is not None else (1, GENESIS)
    stored = json.loads(canonical(dict(payload)))  # what the JSON column gives back when verified
    row = AuditRow(
        seq=seq,
        at=now,
        actor=actor,
        action=action,
        subject=subject,
        payload=stored,
        prev_hash=prev,
        hash=row_hash(prev, seq, now, actor, action, subject, stored),
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def verify(session: Session) -> AuditReport:
    """Walk the chain from the first row; the first row that breaks it is named."""
    expected_seq, prev, checked = 1, GENESIS, 0
    after = 0
    while True:
        batch = session.exec(
            select(AuditRow).where(AuditRow.seq > after).order_by(col(AuditRow.seq)).limit(BATCH)
        ).all()
        if not batch:
            return AuditReport(True, checked, head=prev)
        for row in batch:
            problem = row_problem(row, expected_seq, prev)
            if problem is not None:
                return AuditReport(False, checked, row.seq, problem, head=prev)
            checked += 1
            expected_seq, prev, after = row.seq + 1, row.hash, row.seq


def row_problem(row: AuditRow, expected_seq: int, prev: str) -> str | None:
    """Why a row breaks the chain, or None."""
    if row.seq != expected_seq:
        return f"expected row {expected_seq} next, found {row.seq}: a row was deleted or inserted"
    if row.prev_hash != prev:
        return "its previous hash does not match the row before it: a row was deleted, inserted or edited"
    if row.hash != row_hash(row.prev_hash, row.seq, row.at, row.actor, row.action, row.subject, row.payload):
        return "its hash does not match its contents: the row was edited"
    return None


def rows(
    session: Session, after: int = 0, limit: int = 100, subject: str | None = None, action: str | None = None
) -> list[AuditRow]:
    """Audit rows in order, after a sequence number, optionally about one subject or of one action."""
    query = select(AuditRow).where(AuditRow.seq > after)
    if subject is not None:
        query = query.where(AuditRow.subject == subject)
    if action is not None:
        query = query.where(AuditRow.action == action)
    return list(session.exec(query.order_by(col(AuditRow.seq)).limit(max(1, min(limit, 1000)))).all())
