"""Decide's hot path in SQLAlchemy Core: lock and read an account, then write what its decision did.

Why a second way in: a decision is the service's busiest transaction, and the ORM's work per call
(building each select, loading entities into the identity map, the unit of work's flush) cost more
CPU than the database itself. The statements here are built once at import (SQLAlchemy caches
their compiled form by identity) and run on the session's own connection, inside the caller's
transaction. Everything else keeps the ORM.

A decision's statements: lock (the account row with its patient's columns); read (events, live
contacts and the head of the account's audit chain in one UNION ALL; on PostgreSQL also the next
decision id from its sequence); when it reserves contacts or opens a hand-off, insert the decision,
its contacts and their outbox messages (one multi-row INSERT each); then `finish`: on PostgreSQL one
statement that inserts the decision (if not yet written), updates progress (if it changed) and
appends the audit row, through data-modifying CTEs; on SQLite (no such CTEs, and a statement costs
no round trip there) one statement each. A decision that reserves nothing is three statements on
PostgreSQL, and those three run straight on psycopg (`runtime.store.hot_pg`: SQLAlchemy's execution
layer cost as much CPU per statement as the driver).

INVARIANT: `lock` is the transaction's first statement and `read` runs after it: under READ
COMMITTED a statement sees what the previous holder of the lock committed only if it starts after
the lock was granted (a subquery in the locking statement itself would read an older snapshot).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from runtime.db.tables import AccountRow, AuditRow, ContactRow, DecisionRow, Deployment, EventRow, OutboxRow, Patient
from runtime.store import hot_pg
from runtime.store.event_states import CORRECTION
from runtime.store.ledger import LIVE

ACCOUNTS = cast(sa.Table, AccountRow.__table__)
PATIENTS = cast(sa.Table, Patient.__table__)
EVENTS = cast(sa.Table, EventRow.__table__)
CONTACTS = cast(sa.Table, ContactRow.__table__)
DECISIONS = cast(sa.Table, DecisionRow.__table__)
OUTBOX = cast(sa.Table, OutboxRow.__table__)
AUDIT = cast(sa.Table, AuditRow.__table__)
DEPLOYMENTS = cast(sa.Table, Deployment.__table__)

# The account's and its patient's columns under distinct names, so one row serves as both the
# `row` and the `patient` that `runtime.store.accounts.engine_state` reads by attribute.
READ_ACCOUNT = (
    sa.select(
        ACCOUNTS.c.account_id,
        ACCOUNTS.c.patient_id,
        ACCOUNTS.c.strategy_name,
        ACCOUNTS.c.organization,
        ACCOUNTS.c.placed_on,
        ACCOUNTS.c.facts,
        ACCOUNTS.c.debts,
        ACCOUNTS.c.progress,
        ACCOUNTS.c.variables,
        PATIENTS.c.language,
        PATIENTS.c.timezone,
        PATIENTS.c.extra_timezones,
        PATIENTS.c.confidential_prefs,
        PATIENTS.c.contact_points,
        PATIENTS.c.designations,
    )
    .join_from(ACCOUNTS, PATIENTS, PATIENTS.c.patient_id == ACCOUNTS.c.patient_id)
    .where(ACCOUNTS.c.account_id == sa.bindparam("account_id"))
)
LOCK_ACCOUNT = READ_ACCOUNT.with_for_update(of=ACCOUNTS)  # only the account's row: patients stay unlocked


# A contact's direction, outcome (set on contacts recorded from outside Parley,
# runtime.store.external_contacts: the guard needs them), contact point (the one the guard judged)
# and template (a notice Parley sent); the other branches have none.
NO_DETAILS = (
    sa.null().label("direction"),
    sa.null().label("outcome"),
    sa.null().label("to_point"),
    sa.null().label("template"),
)


def history_statement(next_decision_id: bool) -> sa.CompoundSelect:
    """Events up to `now` (and every correction), live contacts since `since`, the audit chain head of
    `subject` and the newest deployment id, in one query.

    Each branch is tagged by `kind` (`a` audit head, `c` contact, `d` the next decision id, `e` event,
    `p` the newest deployment, so the service's live plans catch up without a statement of their own)
    and the union is ordered by kind, instant and id: events by time, contacts by time then id, as the
    engine reads them. `next_decision_id` (PostgreSQL): draw the decision's id from its sequence here,
    so the decision row can be written in `finish`'s one statement.
    """
    events = sa.select(
        sa.literal_column("'e'").label("kind"),
        EVENTS.c.id.label("id"),
        EVENTS.c.type.label("name"),
        EVENTS.c.at.label("at"),
        EVENTS.c.payload.label("data"),
        sa.literal_column("''").label("status"),
        *NO_DETAILS,
    ).where(
        EVENTS.c.account_id == sa.bindparam("account_id"),
        # A correction amends the record itself, so it is read whatever `now` is: a decision made
        # for a time before it must not read a state it set aside (`event_states.set_aside`).
        sa.or_(EVENTS.c.at <= sa.bindparam("now"), EVENTS.c.type == sa.literal(CORRECTION)),
    )
    contacts = sa.select(
        sa.literal_column("'c'"),
        CONTACTS.c.id,
        CONTACTS.c.channel,
        CONTACTS.c.at,
        CONTACTS.c.debts,
        CONTACTS.c.status,
        CONTACTS.c.direction,
        CONTACTS.c.outcome,
        CONTACTS.c.to_point,
        CONTACTS.c.template,
    ).where(
        CONTACTS.c.account_id == sa.bindparam("account_id"),
        CONTACTS.c.at >= sa.bindparam("since"),
        CONTACTS.c.status.in_([sa.literal(status) for status in LIVE]),  # plain binds: no post-compile step
    )
    newest = sa.select(sa.func.max(AUDIT.c.n)).where(AUDIT.c.subject == sa.bindparam("subject")).scalar_subquery()
    head = sa.select(
        sa.literal_column("'a'"), AUDIT.c.n, AUDIT.c.hash, sa.null(), sa.null(), sa.literal_column("''"), *NO_DETAILS
    ).where(AUDIT.c.subject == sa.bindparam("subject"), AUDIT.c.n == newest)
    deployed = sa.select(
        sa.literal_column("'p'"),
        sa.func.max(DEPLOYMENTS.c.id),
        sa.null(),
        sa.null(),
        sa.null(),
        sa.literal_column("''"),
        *NO_DETAILS,
    )
    branches = [events, contacts, head, deployed]
    if next_decision_id:
        sequence = sa.literal_column("nextval(pg_get_serial_sequence('decisions', 'id'))", sa.Integer)
        branches.append(
            sa.select(
                sa.literal_column("'d'"),
                sequence,
                sa.null(),
                sa.null(),
                sa.null(),
                sa.literal_column("''"),
                *NO_DETAILS,
            )
        )
    union = sa.union_all(*branches)
    columns = union.selected_columns
    return union.order_by(columns.kind, columns.at, columns.id)


READ_HISTORY = history_statement(next_decision_id=False)
READ_HISTORY_PG = history_statement(next_decision_id=True)
INSERT_DECISION = sa.insert(DECISIONS).returning(DECISIONS.c.id)
INSERT_CONTACTS = sa.insert(CONTACTS).returning(CONTACTS.c.id, sort_by_parameter_order=True)
INSERT_OUTBOX = sa.insert(OUTBOX).returning(OUTBOX.c.id, sort_by_parameter_order=True)
INSERT_AUDIT = sa.insert(AUDIT)
UPDATE_PROGRESS = (
    sa.update(ACCOUNTS)
    .where(ACCOUNTS.c.account_id == sa.bindparam("key"))
    .values(progress=sa.bindparam("new_progress"), updated_at=sa.bindparam("new_updated_at"))
)


class StoredEvent(NamedTuple):
    """An event row as `runtime.store.events.account_events` and `guard_events` read it."""

    id: int
    type: str
    at: dt.datetime
    payload: dict[str, Any]


class StoredContact(NamedTuple):
    """A ledger row as `runtime.store.ledger.history_rows` reads it."""

    at: dt.datetime
    channel: str
    debts: list[str]
    status: str
    direction: str | None = None
    outcome: str | None = None
    to_point: str | None = None
    contact_id: int | None = None
    template: str | None = None


@dataclass(frozen=True)
class Snapshot:
    """What decide reads under the lock: the account (with its patient's columns), events, contacts, audit head."""

    row: Any  # a result row: account columns plus the patient's (see READ_ACCOUNT)
    events: list[StoredEvent]
    contacts: list[StoredContact]
    head: tuple[int, str] | None  # (n, hash) of the account's newest audit row, None before its first
    decision_id: int | None = None  # PostgreSQL: the id drawn for this decision's row
    deployment: int | None = None  # the newest row of the deployments log (None: nothing deployed yet)


def lock_and_read(
    session: Session, account_id: str, now: dt.datetime, since: dt.datetime, subject: str
) -> Snapshot | None:
    """Lock the account (PostgreSQL: `FOR UPDATE`), then read its state; None when there is no such account."""
    session.flush()  # anything the caller added in this session (an event, a fact) must be seen here
    connection = session.connection()
    params = {"account_id": account_id, "now": now, "since": since, "subject": subject}
    if connection.dialect.name == "postgresql":  # straight on psycopg: see runtime.store.hot_pg
        row = hot_pg.first_row(session, LOCK_ACCOUNT, {"account_id": account_id})
        found = hot_pg.execute(session, READ_HISTORY_PG, params).fetchall() if row is not None else []
    else:  # SQLite's write transaction already holds the database: the row is only read
        row = connection.execute(READ_ACCOUNT, {"account_id": account_id}).first()
        found = connection.execute(READ_HISTORY, params).all() if row is not None else []
    return None if row is None else snapshot(row, found)


def read_state(session: Session, account_id: str, now: dt.datetime, since: dt.datetime) -> Snapshot | None:
    """`lock_and_read` without the lock, for readers that write nothing (`accounts.load_account`)."""
    connection = session.connection()
    params = {"account_id": account_id, "now": now, "since": since, "subject": f"account:{account_id}"}
    row = connection.execute(READ_ACCOUNT, {"account_id": account_id}).first()
    return None if row is None else snapshot(row, connection.execute(READ_HISTORY, params).all())


def snapshot(row: Any, found: Sequence[Any]) -> Snapshot:
    """The account's row and the history read's rows (events, contacts, audit head, decision id) as a Snapshot."""
    events: list[StoredEvent] = []
    contacts: list[StoredContact] = []
    head, decision_id, deployment = None, None, None
    for kind, key, name, at, data, status, direction, outcome, to_point, template in found:
        if kind == "e":
            events.append(StoredEvent(key, name, hot_pg.utc(at), data))
        elif kind == "c":
            contacts.append(
                StoredContact(hot_pg.utc(at), name, data, status, direction, outcome, to_point, key, template)
            )
        elif kind == "a":
            head = (key, name)
        elif kind == "p":
            deployment = None if key is None else int(key)
        else:
            decision_id = int(key)
    return Snapshot(row, events, contacts, head, decision_id, deployment)


def insert_decision(session: Session, values: Mapping[str, Any]) -> int:
    """Insert a decision row; its id."""
    return int(session.connection().execute(INSERT_DECISION, dict(values)).scalar_one())


def insert_many(session: Session, statement: sa.Insert, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert rows in one statement (SQLAlchemy's "insertmanyvalues"); their ids in the rows' order."""
    if not rows:
        return []
    result = session.connection().execute(statement, [dict(r) for r in rows])
    return [int(i) for i in result.scalars().all()]


def finish(
    session: Session,
    decision: Mapping[str, Any] | None,
    progress: tuple[str, Mapping[str, Any], dt.datetime] | None,
    audit: Mapping[str, Any],
) -> None:
    """The decision's last writes: its row (unless already written), progress (when changed), the audit row.

    `decision`: the row's values with its `id` (drawn by `lock_and_read`); `progress`: (account id,
    progress, now); `audit`: the audit row's fields (`runtime.store.audit.chained`). PostgreSQL: one
    statement; SQLite: one each.
    """
    connection = session.connection()
    if progress is not None:
        expire(session, AccountRow, progress[0])  # Core writes bypass the identity map: a held copy is stale
    if connection.dialect.name != "postgresql":
        if decision is not None:
            connection.execute(INSERT_DECISION, dict(decision))
        if progress is not None:
            connection.execute(
                UPDATE_PROGRESS, {"key": progress[0], "new_progress": dict(progress[1]), "new_updated_at": progress[2]}
            )
        connection.execute(INSERT_AUDIT, dict(audit))
        return
    params = params_of(AUDIT, "a_", audit)
    if decision is not None:
        params.update(params_of(DECISIONS, "d_", decision))
    if progress is not None:
        params.update(u_key=progress[0], u_progress=dict(progress[1]), u_at=progress[2])
    hot_pg.execute(session, finishing(decision is not None, progress is not None), params)


def finishing(decision: bool, progress: bool) -> sa.Insert:
    """The audit INSERT with the decision's INSERT and the progress UPDATE as CTEs (PostgreSQL), built once each."""
    key = (decision, progress)
    if key not in FINISHING:
        statement = sa.insert(AUDIT).values(bound(AUDIT, "a_"))
        if decision:
            statement = statement.add_cte(sa.insert(DECISIONS).values(bound(DECISIONS, "d_")).cte("d"))
        if progress:
            update = (
                sa.update(ACCOUNTS)
                .where(ACCOUNTS.c.account_id == sa.bindparam("u_key"))
                .values(
                    progress=sa.bindparam("u_progress", type_=ACCOUNTS.c.progress.type),
                    updated_at=sa.bindparam("u_at", type_=ACCOUNTS.c.updated_at.type),
                )
            )
            statement = statement.add_cte(update.cte("u"))
        FINISHING[key] = statement
    return FINISHING[key]


FINISHING: dict[tuple[bool, bool], sa.Insert] = {}


def written(table: sa.Table) -> list[sa.Column[Any]]:
    """The columns a CTE insert names (every one but an audit row's `seq`, which its sequence gives).

    A CTE's INSERT must name every column: SQLAlchemy cannot apply Python-side defaults inside one.
    """
    return [c for c in table.c if not (table is AUDIT and c.name == "seq")]


def bound(table: sa.Table, prefix: str) -> dict[str, Any]:
    """Each written column bound to a parameter named `prefix` + its name, typed as the column."""
    return {c.name: sa.bindparam(prefix + c.name, type_=c.type) for c in written(table)}


def params_of(table: sa.Table, prefix: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` as `bound`'s parameters; a column not given takes its scalar default (else NULL)."""
    params = {}
    for column in written(table):
        if column.name in values:
            params[prefix + column.name] = values[column.name]
        else:
            default = column.default
            params[prefix + column.name] = (
                getattr(default, "arg", None) if getattr(default, "is_scalar", False) else None
            )
    return params


def expire(session: Session, table: type, key: Any) -> None:
    """Forget a row's loaded state so the session reads it again (Core writes bypass the identity map)."""
    held = session.identity_map.get(identity_key(table, key))
    if held is not None:
        session.expire(held)
