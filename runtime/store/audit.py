"""The audit log: append-only, each row's hash covering the previous row of its subject and its own fields.

`append(session, actor, action, subject, payload, now)` adds a row in the caller's transaction.
Each subject (`account:A1`, `strategy:S`, `key:k1`) has its own chain: row `n` of a subject
carries the hash of row `n - 1` of the same subject. Appends to one subject are serialized, while
appends to different subjects never wait for each other: `append` takes a transaction-scoped
advisory lock per subject on PostgreSQL; decide writes its row from `chained` without it, because
INVARIANT: every writer of an `account:` subject holds that account's row lock (decide, recorded
outside contacts), so the lock already orders them. One global
chain would make every decision wait, in turn, for the previous one's commit to reach the disk.
Payloads carry ids and hashes, never a patient's data.

`verify(session)` walks every row in `seq` order and names the first bad one: an edited row (its
hash no longer matches its fields), a deleted row (the next row of its subject skips a place or no
longer chains), an inserted row (a place taken twice, out of order, or a hash that does not
chain). Removing the newest rows of a subject leaves a shorter chain that still verifies:
`AuditReport.head`, a hash over the newest row of every subject, is what an auditor keeps
elsewhere to catch that.
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
AUDIT_LOCK = 7_462  # PostgreSQL advisory lock class: (AUDIT_LOCK, hashtext(subject)) held until commit
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


def row_hash(prev_hash: str, n: int, at: dt.datetime, actor: str, action: str, subject: str, payload: Any) -> str:
    """SHA-256 of the previous hash of the subject and this row's canonical JSON."""
    body = canonical(
        {
            "n": n,
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
    """The next audit row of `subject`, written in the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:kind, hashtext(:subject))"), {"kind": AUDIT_LOCK, "subject": subject}
        )
    last = session.exec(
        select(AuditRow.n, AuditRow.hash).where(AuditRow.subject == subject).order_by(col(AuditRow.n).desc()).limit(1)
    ).first()
    row = AuditRow(**chained((last[0], last[1]) if last is not None else None, actor, action, subject, payload, now))
    session.add(row)
    session.flush()
    return row


def chained(
    head: tuple[int, str] | None, actor: str, action: str, subject: str, payload: Mapping[str, Any], now: dt.datetime
) -> dict[str, Any]:
    """The fields of the row after `head` ((n, hash) of the subject's newest row, None for its first).

    For a caller that serializes appends to the subject itself and read its head: decide holds the
    account's row lock, as every writer of an `account:` subject must, and reads the head with the
    account's history (`runtime.store.hot`), so it needs neither the advisory lock nor another read.
    Were a writer to append to the same subject without that lock, the unique (subject, n)
    constraint refuses one of the two rows: an error, never a forked chain.
    """
    n, prev = (head[0] + 1, head[1]) if head is not None else (1, GENESIS)
    stored = json.loads(canonical(dict(payload)))  # what the JSON column gives back when verified
    return {
        "at": now,
        "actor": actor,
        "action": action,
        "subject": subject,
        "n": n,
        "payload": stored,
        "prev_hash": prev,
        "hash": row_hash(prev, n, now, actor, action, subject, stored),
        "created_at": now,
    }


def verify(session: Session) -> AuditReport:
    """Walk every row in order; the first row that breaks its subject's chain is named."""
    heads: dict[str, tuple[int, str]] = {}  # subject -> (n, hash) of its newest row so far
    checked, after = 0, 0
    while True:
        batch = session.exec(
            select(AuditRow).where(col(AuditRow.seq) > after).order_by(col(AuditRow.seq)).limit(BATCH)
        ).all()
        if not batch:
            return AuditReport(True, checked, head=head_of(heads))
        for row in batch:
            problem = row_problem(row, heads.get(row.subject, (0, GENESIS)))
            if problem is not None:
                return AuditReport(False, checked, row.seq, problem, head=head_of(heads))
            heads[row.subject] = (row.n, row.hash)
            checked += 1
            after = row.seq or after


def row_problem(row: AuditRow, head: tuple[int, str]) -> str | None:
    """Why a row breaks its subject's chain, or None."""
    n, prev = head
    if row.n != n + 1:
        return f"row {row.n} of `{row.subject}` follows row {n}: a row was deleted or inserted"
    if row.prev_hash != prev:
        return f"its previous hash does not match row {n} of `{row.subject}`: a row was deleted, inserted or edited"
    if row.hash != row_hash(row.prev_hash, row.n, row.at, row.actor, row.action, row.subject, row.payload):
        return "its hash does not match its contents: the row was edited"
    return None


def head_of(heads: Mapping[str, tuple[int, str]]) -> str:
    """One hash over the newest row of every subject (what an auditor anchors)."""
    if not heads:
        return GENESIS
    return hashlib.sha256(canonical(sorted((s, n, h) for s, (n, h) in heads.items())).encode()).hexdigest()


def rows(
    session: Session, after: int = 0, limit: int = 100, subject: str | None = None, action: str | None = None
) -> list[AuditRow]:
    """Audit rows in order, after a sequence number, optionally about one subject or of one action."""
    query = select(AuditRow).where(col(AuditRow.seq) > after)
    if subject is not None:
        query = query.where(AuditRow.subject == subject)
    if action is not None:
        query = query.where(AuditRow.action == action)
    return list(session.exec(query.order_by(col(AuditRow.seq)).limit(max(1, min(limit, 1000)))).all())
