"""The service's tables (SQLModel): one place that says what the database holds.

Every table has an integer or string primary key and a `created_at` in UTC. Instants are stored
with `UTCDateTime`: aware datetimes in, aware UTC datetimes out, on SQLite (which keeps no offset)
as on PostgreSQL. JSON columns are `sa.JSON`; amounts inside them are decimal strings, never floats.

Names of the tables are plural and fixed (`accounts`, `contacts`, …) so migrations and raw SQL in
tests do not depend on SQLModel's naming rules. Alembic's initial revision is generated from this
metadata and a test compares the migrated schema with it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

UTC = dt.UTC


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An instant: aware in and out, kept in UTC (SQLite stores no offset, so one is attached on read)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        """Refuse a naive instant (its zone is unknown); store UTC."""
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"an instant needs a time zone offset, got `{value!r}`")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        """Read back as an aware UTC instant."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> dt.datetime:
    """The current instant (the default of `created_at` columns; services pass `now` explicitly)."""
    return dt.datetime.now(UTC)


def instant(**kwargs: Any) -> Any:
    """A required or defaulted UTC instant column."""
    return Field(sa_type=UTCDateTime, **kwargs)


def created() -> Any:
    """`created_at`: when the row was written."""
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def json_column(default: type = dict) -> Any:
    """A JSON column that is never NULL (an empty list or object instead)."""
    return Field(default_factory=default, sa_type=sa.JSON, nullable=False)


# ---------------------------------------------------------------- strategies and keys (helper A)


class ApiKey(SQLModel, table=True):
    """An API key: only its hash is stored; `roles` is a list of role names."""

    __tablename__ = "api_keys"

    id: str = Field(primary_key=True, max_length=64)  # the key's public id (its prefix)
    name: str = Field(max_length=200)
    key_hash: str = Field(max_length=200)
    roles: list[str] = json_column(list)
    # The key that minted this one (None: bootstrapped); four eyes follows this lineage, not `name`.
    created_by: str | None = Field(default=None, max_length=64)
    created_at: dt.datetime = created()
    revoked_at: dt.datetime | None = instant(default=None, nullable=True)


class StrategyVersion(SQLModel, table=True):
    """One stored version of a strategy's text; `status` draft|submitted|approved|deployed|retired."""

    __tablename__ = "strategy_versions"
    __table_args__ = (sa.UniqueConstraint("name", "version", name="uq_strategy_versions_name_version"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    version: int
    content: str = Field(sa_type=sa.Text)
    content_hash: str = Field(max_length=128, index=True)
    author: str = Field(max_length=200)
    status: str = Field(default="draft", max_length=32)
    submitted_by: str | None = Field(default=None, max_length=200)
    # The keys the author and submitter called with (None on rows stored before keys had lineage).
    author_key: str | None = Field(default=None, max_length=64)
    submitted_key: str | None = Field(default=None, max_length=64)
    submitted_at: dt.datetime | None = instant(default=None, nullable=True)
    approved_by: str | None = Field(default=None, max_length=200)
    approved_at: dt.datetime | None = instant(default=None, nullable=True)
    created_at: dt.datetime = created()


class Deployment(SQLModel, table=True):
    """A deploy or roll-back of a strategy: the latest row per strategy names the live version."""

    __tablename__ = "deployments"

    id: int | None = Field(default=None, primary_key=True)
    strategy_name: str = Field(max_length=200, index=True)
    version_id: int = Field(foreign_key="strategy_versions.id")
    action: str = Field(max_length=16)  # deploy | rollback
    actor: str = Field(max_length=200)
    at: dt.datetime = instant(nullable=False)
    created_at: dt.datetime = created()


class WebhookConfig(SQLModel, table=True):
    """Where the outbox pushes messages over a signed webhook (`id` `"default"`: the one target).

    The secret is kept readable because HMAC signing needs it; it is never logged.
    """

    __tablename__ = "webhooks"

    id: str = Field(primary_key=True, max_length=64)
    url: str = Field(max_length=2000)
    secret: str = Field(max_length=200)
    channels: list[str] = json_column(list)  # empty: every channel
    active: bool = True
    created_by: str = Field(max_length=200)
    created_at: dt.datetime = created()
    updated_at: dt.datetime = created()


# ---------------------------------------------------------------- patients and accounts


class Patient(SQLModel, table=True):
    """A patient: language, time zones and the designations the guard reads (PHI: never logged)."""

    __tablename__ = "patients"

    patient_id: str = Field(primary_key=True, max_length=128)
    language: str | None = Field(default=None, max_length=16)
    timezone: str = Field(max_length=64)
    extra_timezones: list[str] = json_column(list)
    confidential_prefs: dict[str, Any] = json_column(dict)  # HIPAA confidential communications
    contact_points: list[dict[str, Any]] = json_column(list)
    designations: dict[str, Any] = json_column(dict)  # inconvenient times/places, consents, intents, …
    created_at: dt.datetime = created()
    updated_at: dt.datetime = created()


class AccountRow(SQLModel, table=True):
    """An account in a strategy: facts (schema names), debts (guard-case shapes) and progress.

    In PostgreSQL this row is what `lock_account` locks: every writer to one account's ledger
    holds it until commit.
    """

    __tablename__ = "accounts"

    account_id: str = Field(primary_key=True, max_length=128)
    patient_id: str = Field(foreign_key="patients.patient_id", index=True, max_length=128)
    strategy_name: str = Field(max_length=200, index=True)
    organization: str | None = Field(default=None, max_length=64)
    jurisdiction: str | None = Field(default=None, max_length=16)
    placed_on: dt.date
    facts: dict[str, Any] = json_column(dict)
    debts: list[dict[str, Any]] = json_column(list)
    progress: dict[str, Any] = json_column(dict)
    variables: dict[str, Any] = json_column(dict)  # template variables by dotted path (`patient.first_name`)
    created_at: dt.datetime = created()
    updated_at: dt.datetime = created()


class EventRow(SQLModel, table=True):
    """Something that happened to an account (reply, payment, dispute, cease, consent, receipt…)."""

    __tablename__ = "events"
    __table_args__ = (sa.Index("ix_events_account_at", "account_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(foreign_key="accounts.account_id", max_length=128)
    idempotency_key: str = Field(unique=True, max_length=200)
    type: str = Field(max_length=64)
    at: dt.datetime = instant(nullable=False)
    payload: dict[str, Any] = json_column(dict)
    created_at: dt.datetime = created()


# ---------------------------------------------------------------- decisions, ledger, outbox


class DecisionRow(SQLModel, table=True):
    """One decide call: its inputs, strategy hash and model ids, enough to replay it."""

    __tablename__ = "decisions"
    __table_args__ = (sa.Index("ix_decisions_account_now", "account_id", "now"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(foreign_key="accounts.account_id", max_length=128)
    now: dt.datetime = instant(nullable=False)
    strategy_name: str = Field(max_length=200)
    strategy_hash: str = Field(max_length=128)
    model_ids: dict[str, Any] = json_column(dict)
    inputs: dict[str, Any] = json_column(dict)
    decision: dict[str, Any] = json_column(dict)
    created_at: dt.datetime = created()


class ContactRow(SQLModel, table=True):
    """The contact ledger: one row per contact reserved or recorded; caps are counted on these rows.

    `status` reserved|sent|delivered|failed|cancelled; a cancelled contact no longer counts.
    """

    __tablename__ = "contacts"
    __table_args__ = (sa.Index("ix_contacts_account_at", "account_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(foreign_key="accounts.account_id", max_length=128)
    decision_id: int | None = Field(default=None, foreign_key="decisions.id", nullable=True)
    source: str = Field(max_length=200)  # step name or handler key
    action: str = Field(max_length=32)
    channel: str = Field(max_length=32)
    debts: list[str] = json_column(list)
    at: dt.datetime = instant(nullable=False)
    status: str = Field(default="reserved", max_length=16)
    created_at: dt.datetime = created()
    # Contacts an outreach system recorded (source `external`, runtime.store.external_contacts): the
    # guard needs who started it, how it ended and which point it used (an inbound conversation starts
    # Reg F's 7-day period); the caller's key makes a repeat a no-op. Parley's own: outbound, the rest None.
    direction: str = Field(default="outbound", max_length=16, sa_column_kwargs={"server_default": "outbound"})
    outcome: str | None = Field(default=None, max_length=32, nullable=True)
    to_point: str | None = Field(default=None, max_length=128, nullable=True)
    idempotency_key: str | None = Field(default=None, max_length=200, nullable=True, unique=True, index=True)
    # The template or call script a reserved contact carries: the guard finds notices sent by it.
    template: str | None = Field(default=None, max_length=200, nullable=True)
    # The time decide first planned it for, once the guard postponed it at send time (its `at` moved).
    planned_at: dt.datetime | None = instant(default=None, nullable=True)


class OutboxRow(SQLModel, table=True):
    """A message waiting to go out, written in the same transaction as its contact (helper O's worker)."""

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_status_lease", "status", "lease_until"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", unique=True)
    account_id: str = Field(foreign_key="accounts.account_id", max_length=128, index=True)
    channel: str = Field(max_length=32)
    idempotency_key: str = Field(unique=True, max_length=200)
    message: dict[str, Any] = json_column(dict)
    status: str = Field(default="pending", max_length=16)  # pending | leased | delivered | dead
    attempts: int = 0
    lease_owner: str | None = Field(default=None, max_length=200)
    lease_until: dt.datetime | None = instant(default=None, nullable=True)
    delivered_at: dt.datetime | None = instant(default=None, nullable=True)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    created_at: dt.datetime = created()


class HandoffRow(SQLModel, table=True):
    """An account handed to a person: `status` open|claimed|resolved."""

    __tablename__ = "handoffs"
    __table_args__ = (
        sa.Index("ix_handoffs_status_created", "status", "created_at"),
        sa.Index("ix_handoffs_queue_status", "queue", "status", "priority"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(foreign_key="accounts.account_id", max_length=128, index=True)
    decision_id: int | None = Field(default=None, foreign_key="decisions.id", nullable=True)
    reason: str = Field(sa_type=sa.Text)
    # The strategy's `handoff "queue" priority P`: which desk takes it, and how soon.
    queue: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    priority: str = Field(default="normal", max_length=16, sa_column_kwargs={"server_default": "normal"})
    status: str = Field(default="open", max_length=16)
    claimed_by: str | None = Field(default=None, max_length=200)
    resolution: str | None = Field(default=None, sa_type=sa.Text)
    created_at: dt.datetime = created()
    updated_at: dt.datetime = created()


# ---------------------------------------------------------------- audit


class AuditRow(SQLModel, table=True):
    """The audit log: append-only; each row's `hash` covers the previous row of its subject and this row.

    `seq` orders every row (it may skip numbers: a rolled-back transaction uses one up); `n` is the
    row's place in its subject's chain (1, 2, 3, … without gaps). Chains are per subject so appends
    never wait for one another across accounts (a global chain would serialize every decision
    through a lock held across each commit's disk flush).
    INVARIANT: rows are never updated or deleted; `runtime.store.audit.verify` finds any that were.
    """

    __tablename__ = "audit"
    __table_args__ = (sa.UniqueConstraint("subject", "n", name="uq_audit_subject_n"),)

    seq: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = instant(nullable=False)
    actor: str = Field(max_length=200)
    action: str = Field(max_length=64)
    subject: str = Field(max_length=200)
    n: int
    payload: dict[str, Any] = json_column(dict)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)
    created_at: dt.datetime = created()


metadata = SQLModel.metadata
TABLES = (
    ApiKey,
    StrategyVersion,
    Deployment,
    WebhookConfig,
    Patient,
    AccountRow,
    EventRow,
    DecisionRow,
    ContactRow,
    OutboxRow,
    HandoffRow,
    AuditRow,
)
