"""The timing bandit learns from the service's own ledger: every account's contacts and answers, in the database.

`learn_timing(engine, now)` reads the accounts in batches (a read-only session per batch, so a
long run never holds SQLite's checkpoint back or one PostgreSQL snapshot open), turns each
account's `contacts` and `events` rows into the guard case's `history` and `events` with the
mappers the service uses to build a guard case (`runtime.store.ledger.history_rows`,
`runtime.store.events.guard_events`, `engine.guarding.account_events` and `conversation_rows`),
reads the rewarded and unrewarded contacts with `engine.scores.bandit_ledger.outcomes_from_ledger`
and rebuilds the posterior from the priors. From scratch on purpose: adding today's outcomes to
yesterday's saved posterior would count every old contact twice. The posterior is saved with its
card (`runtime.bandit_store.save_bandit`); the service reads it when it starts, and `BanditWatch`
lets a running service pick up a newly saved posterior without a restart.

What the ledger adds to the guard case's shapes: a contact the outbox gave up on (`failed`) never
reached the patient, so it is marked `undeliverable` and left out, like a wrong number. Replies are
not scored here (their words do not change the reward, and scoring loads the replies model).
Delivery receipts are read but reward nothing: a delivery says the address works, not the hour.

A row that cannot be read (a time that is not a time, a time zone that is unknown) is skipped and
counted, with why; it never stops the run. A database that cannot be opened at all does raise.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dsl.vocabulary import EVENTS as STRATEGY_EVENTS
from engine.account import Account, AccountEvent
from engine.guarding import account_events, conversation_rows
from engine.scores.bandit import BanditState, Outcome, segment_of, update
from engine.scores.bandit_card import POSTERIOR_FILE
from engine.scores.bandit_ledger import LedgerOutcomes, outcomes_from_ledger
from runtime.bandit_store import bandit_folder, load_bandit, save_bandit
from runtime.db.database import read_session
from runtime.db.tables import AccountRow, ContactRow, EventRow, Patient
from runtime.models import ModelStoreError
from runtime.portfolio import BadCell, read_fact
from runtime.store.events import event_id, guard_events
from runtime.store.ledger import LIVE, history_rows

LOG = logging.getLogger(__name__)
BATCH = 500  # accounts read per batch: a few thousand ledger rows in memory at a time
NEVER_REACHED = "failed"  # the outbox's status for a message it gave up on
PROBLEMS_KEPT = 20  # reasons kept for the report; the count covers them all
# What reading one bad value raises (a naive text time, broken JSON, a value PostgreSQL refuses).
UNREADABLE = (ValueError, TypeError, OverflowError, sa.exc.DataError)
CONTACT_COLUMNS = (
    ContactRow.id,
    ContactRow.account_id,
    ContactRow.at,
    ContactRow.channel,
    ContactRow.debts,
    ContactRow.status,
)


@dataclass(frozen=True)
class LearnReport:
    """What one learning run read, learned and saved."""

    state: BanditState
    training_data: str
    accounts: int = 0
    contacts: int = 0  # outcomes the posterior learned from
    answers: int = 0  # of those, rewarded
    pending: int = 0  # contacts whose 72 hours are still running: left out
    unreached: int = 0  # contacts that never reached the patient: left out
    skipped: int = 0  # rows that could not be read
    problems: tuple[str, ...] = ()  # why, for the first `PROBLEMS_KEPT` of them
    folder: Path | None = None  # where the posterior and card went; None when not saved

    @property
    def answer_rate(self) -> float:
        """Share of the contacts learned from that were answered (0 when there were none)."""
        return self.answers / self.contacts if self.contacts else 0.0

    def metrics(self) -> dict[str, float]:
        """The card's metrics."""
        return {
            "answer_rate": self.answer_rate,
            "contacts_used": float(self.contacts),
            "answers": float(self.answers),
            "accounts": float(self.accounts),
            "pending_contacts": float(self.pending),
            "unreached_contacts": float(self.unreached),
            "skipped_rows": float(self.skipped),
        }


@dataclass
class Tallies:
    """Running totals while batches are read (mutable, local to one run)."""

    outcomes: list[Outcome] = field(default_factory=list)
    accounts: int = 0
    pending: int = 0
    unreached: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)

    def skip(self, reason: str) -> None:
        """Count one unreadable row and keep its reason while there is room."""
        self.skipped += 1
        if len(self.problems) < PROBLEMS_KEPT:
            self.problems.append(reason)

    def add(self, account_id: str, found: LedgerOutcomes) -> None:
        """One account's outcomes and what was left out of them."""
        self.accounts += 1
        self.outcomes.extend(found.outcomes)
        self.pending += found.pending
        self.unreached += found.unreached
        for reason in found.skipped:
            self.skip(f"account `{account_id}`: {reason}")


def learn_timing(
    engine: Engine, now: dt.datetime, models: Path | None = None, batch: int = BATCH, save: bool = True
) -> LearnReport:
    """The posterior learned from every account's ledger up to `now`, saved with its card in `models`."""
    tallies = Tallies()
    for accounts in account_batches(engine, batch, tallies):
        with read_session(engine) as session:
            learn_batch(session, accounts, now, tallies)
    state = update(BanditState(), tallies.outcomes)
    report = LearnReport(
        state=state,
        training_data=f"ledger of {engine.url.render_as_string(hide_password=True)} at {now.isoformat()}",
        accounts=tallies.accounts,
        contacts=len(tallies.outcomes),
        answers=sum(o.reward for o in tallies.outcomes),
        pending=tallies.pending,
        unreached=tallies.unreached,
        skipped=tallies.skipped,
        problems=tuple(tallies.problems),
    )
    if not save:
        return report
    folder = save_bandit(state, report.training_data, report.metrics(), models, created=now.date())
    return LearnReport(**{**report.__dict__, "folder": folder})


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class AccountInfo:
    """What learning needs of an account: its zone (the hour's clock), segment, placement and debts."""

    account_id: str
    timezone: str
    segment: str
    placed_on: dt.date
    debts: tuple[str, ...]


def account_batches(engine: Engine, size: int, tallies: Tallies) -> Iterator[list[AccountInfo]]:
    """Accounts in order of id, `size` at a time (keyset paging: no offset to rescan)."""
    after = ""
    while True:
        with read_session(engine) as session:
            ids = list(
                session.exec(
                    select(AccountRow.account_id)
                    .where(col(AccountRow.account_id) > after)
                    .order_by(col(AccountRow.account_id))
                    .limit(size)
                ).all()
            )
            if not ids:
                return
            found = [info for info in (account_info(session, i, tallies) for i in ids) if info is not None]
        after = ids[-1]
        yield found


def account_info(session: Session, account_id: str, tallies: Tallies) -> AccountInfo | None:
    """One account's zone and segment, or None (skipped, counted) when its row cannot be read."""
    query = (
        select(AccountRow.placed_on, AccountRow.facts, AccountRow.debts, Patient.timezone)
        .join(Patient, col(Patient.patient_id) == col(AccountRow.patient_id))
        .where(AccountRow.account_id == account_id)
    )
    try:
        row = session.exec(query).first()
    except UNREADABLE as problem:
        session.rollback()
        tallies.skip(f"account `{account_id}` cannot be read: {problem}")
        return None
    if row is None:  # pragma: no cover - a foreign key keeps every account's patient
        return None
    placed_on, facts, debts, timezone = row
    stored = facts.get("patient.age") if isinstance(facts, dict) else None
    try:
        age = None if stored is None else read_fact("patient.age", stored)
    except BadCell:
        age = None  # an unreadable age only costs the segment, not the account
    debt_ids = (
        tuple(str(d["id"]) for d in debts if isinstance(d, dict) and "id" in d) if isinstance(debts, list) else ()
    )
    return AccountInfo(account_id, str(timezone), segment_of({"patient.age": age}), placed_on, debt_ids or ("D1",))


def learn_batch(session: Session, accounts: Sequence[AccountInfo], now: dt.datetime, tallies: Tallies) -> None:
    """Read one batch's contacts and events and add each account's outcomes."""
    ids = [a.account_id for a in accounts]
    contacts = grouped(
        tolerant_rows(
            session,
            lambda q: q.where(col(ContactRow.account_id).in_(ids), col(ContactRow.status).in_(LIVE)),
            ContactRow,
            CONTACT_COLUMNS,
            "contact",
            tallies,
        )
    )
    events = grouped(
        tolerant_rows(
            session,
            lambda q: q.where(col(EventRow.account_id).in_(ids)),
            EventRow,
            (EventRow,),
            "event",
            tallies,
        )
    )
    for info in accounts:
        # Filtered here, not in SQL: a time SQLite cannot parse must be read (and counted), not compared as text.
        mine = [c for c in contacts.get(info.account_id, []) if c.at <= now]
        heard = [e for e in events.get(info.account_id, []) if e.at <= now]
        history, answers = ledger_shapes(info, mine, heard)
        tallies.add(info.account_id, outcomes_from_ledger(history, answers, info.timezone, info.segment, now))


def tolerant_rows(
    session: Session,
    where: Callable[[Any], Any],
    table: Any,
    columns: tuple[Any, ...],
    noun: str,
    tallies: Tallies,
) -> list[Any]:
    """The rows the filter selects; when one of them cannot be read, each row is read alone and bad ones skipped.

    The fast path is one query per batch; the slow path only runs for a batch holding a bad row.
    """
    order = (col(table.account_id), col(table.at), col(table.id))
    try:
        return list(session.exec(where(select(*columns)).order_by(*order)).all())
    except UNREADABLE:
        session.rollback()  # PostgreSQL: a refused statement ends the transaction
    ids = list(session.exec(where(select(table.id, table.account_id)).order_by(col(table.id))).all())
    rows = []
    for row_id, account_id in ids:
        try:
            found = session.exec(select(*columns).where(table.id == row_id)).first()
        except UNREADABLE as problem:
            session.rollback()
            tallies.skip(f"{noun} {row_id} of account `{account_id}` cannot be read: {problem}")
            continue
        if found is not None:
            rows.append(found)
    return sorted(rows, key=lambda r: (r.account_id, r.at, r.id))


def grouped(rows: list[Any]) -> dict[str, list[Any]]:
    """Rows by account id, in the order read."""
    found: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        found[row.account_id].append(row)
    return found


# ---------------------------------------------------------------- the guard case's shapes


def ledger_shapes(
    info: AccountInfo, contacts: Sequence[Any], events: Sequence[EventRow]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """An account's `history` and `events` as the guard case has them, from the service's rows.

    The same mappers as `runtime.store.accounts.engine_state` and `engine.guarding.case_data`, but
    replies are not scored: `account_events` keeps only their type and time, which is all a reward reads.
    """
    history = history_rows(contacts)
    for row, contact in zip(history, [c for c in contacts if c.status in LIVE], strict=True):
        if contact.status == NEVER_REACHED:
            row["outcome"] = "undeliverable"
    heard = tuple(AccountEvent(event_id(e), e.type, e.at) for e in events if e.type in STRATEGY_EVENTS)
    account = Account(info.account_id, info.placed_on, info.timezone, {}, heard, debts=info.debts)
    history.extend(conversation_rows(account))  # a call answered is an inbound conversation row
    return history, [*guard_events(events), *account_events(heard)]


# ---------------------------------------------------------------- a running service's posterior


class BanditWatch:
    """The saved posterior, read again when a new one is saved (`parley train --timing` replaces the file).

    `current()` looks at the file at most once every `every` seconds, so a decision pays a clock read,
    not a disk access. The file is replaced atomically, so a half-written posterior is never read;
    a broken one is logged and the last good posterior kept (decisions go on as before).
    """

    def __init__(
        self, models: Path | None = None, every: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.models, self.every, self.clock = models, every, clock
        self.path = bandit_folder(models) / POSTERIOR_FILE
        self.signature = self.stamp()
        self.state = load_bandit(models)  # a broken file at start-up is refused, as `load_bandit` does
        self.checked = clock()

    def stamp(self) -> tuple[int, int, int] | None:
        """What changes when the file is replaced: its inode, size and modification time."""
        try:
            found = self.path.stat()
        except OSError:
            return None
        return (found.st_ino, found.st_size, found.st_mtime_ns)

    def current(self) -> BanditState:
        """The posterior to decide with now."""
        moment = self.clock()
        if moment - self.checked < self.every:
            return self.state
        self.checked = moment
        signature = self.stamp()
        if signature != self.signature:
            self.signature = signature  # a broken file is reported once, not on every decision
            try:
                self.state = load_bandit(self.models)
            except ModelStoreError as problem:
                LOG.warning("the timing bandit keeps its last posterior: %s", problem)
        return self.state
