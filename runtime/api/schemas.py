"""The API's request and response bodies (pydantic): what OpenAPI documents and what is validated.

Requests refuse unknown fields (`extra="forbid"`), so a misspelt field is named instead of
silently ignored; the free-form objects inside (a patient's HIPAA preferences, contact points and
designations, an account's or an event's facts) are checked key by key by the stores
(`runtime.store.patient_fields`, `runtime.store.facts`), with the same 422 naming the field path.
Text fields have length caps so no request can ask the service to hold an
unbounded value. Ids are short printable strings.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

Role = Literal["compliance", "strategist", "outreach", "auditor"]
Id = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:\-]*$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=1_000_000)]
Short = Annotated[str, StringConstraints(max_length=2000)]


class Request(BaseModel):
    """A request body: unknown fields are refused by name."""

    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """One field's problem in an error response."""

    field: str
    message: str
    in_: str = Field(alias="in", default="body")


class ErrorOut(BaseModel):
    """Every error response."""

    error: str = Field(description="A short code: `invalid_request`, `not_found`, `conflict`, `forbidden`, …")
    message: str = Field(description="What is wrong, naming the field first.")
    errors: list[Problem] = Field(default_factory=list)


# ---------------------------------------------------------------- check and guard


class CheckIn(Request):
    """A strategy or policy text to check."""

    text: Text = Field(description="The language text, e.g. a whole `.parley` file.")
    name: Name = Field(default="<text>", description="A file name for the diagnostics.")
    as_of: dt.date | None = Field(
        default=None, description="Check against the law in force on this date [default: today]."
    )


class CheckOut(BaseModel):
    """Every finding, in the shape of `parley check --format json`."""

    ok: bool = Field(description="True when there is no error.")
    errors: int
    warnings: int
    diagnostics: list[dict[str, Any]]


class HealthOut(BaseModel):
    """Whether the service and its database answer."""

    status: Literal["ok", "degraded"]
    database: Literal["ok", "unreachable"]
    version: str
    deployed: dict[str, int] = Field(description="Strategy name → live version in this worker.")


# ---------------------------------------------------------------- keys


class KeyIn(Request):
    """A new API key for a person or a system."""

    name: Name = Field(description="Who holds the key: four eyes compares these names.")
    roles: list[Role] = Field(min_length=1, max_length=4)


class KeyOut(BaseModel):
    """A key as listed: never its secret or hash."""

    id: str
    name: str
    roles: list[str]
    created_by: str | None = Field(default=None, description="The key that created this one (none: bootstrapped).")
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None


class KeyCreated(KeyOut):
    """A key just created: the only time its text is shown."""

    key: str = Field(description="`pk_<id>_<secret>`: store it now, it cannot be shown again.")


# ---------------------------------------------------------------- strategies


class StrategyIn(Request):
    """A strategy's text; its name and version are the ones it declares."""

    text: Text


class VersionOut(BaseModel):
    """One stored version of a strategy."""

    id: int
    name: str
    version: int
    content_hash: str
    author: str
    status: str
    submitted_by: str | None = None
    submitted_at: dt.datetime | None = None
    approved_by: str | None = None
    approved_at: dt.datetime | None = None
    created_at: dt.datetime
    live: bool = False


class VersionDetail(VersionOut):
    """A version with its text."""

    content: str


class VersionCreated(BaseModel):
    """The stored version and what the checker found in it."""

    created: bool = Field(description="False when this exact text was already stored.")
    version: VersionOut
    check: CheckOut


class StrategyOut(BaseModel):
    """A strategy by name."""

    name: str
    versions: int
    latest: int
    live: int | None


class DiffOut(BaseModel):
    """A unified diff between two versions."""

    name: str
    old: int
    new: int
    diff: str


class DeploymentOut(BaseModel):
    """A deploy or roll-back, as recorded."""

    id: int
    strategy_name: str
    action: str
    version: int
    content_hash: str
    actor: str
    at: dt.datetime


# ---------------------------------------------------------------- patients, accounts, events

Organization = Literal["agency", "provider", "nonprofit_hospital"]


class PatientIn(Request):
    """A patient's details: where and how they may be reached (HIPAA preferences included)."""

    timezone: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="IANA zone, e.g. `America/Chicago`."
    )
    language: Annotated[str, StringConstraints(max_length=16)] | None = Field(default=None, examples=["es"])
    extra_timezones: list[Annotated[str, StringConstraints(max_length=64)]] = Field(default_factory=list, max_length=8)
    confidential_communication: dict[str, Any] = Field(
        default_factory=dict,
        description='HIPAA confidential-communication preferences: `channels` (e.g. `["letter"]`) and `to` '
        "(contact point ids); any other key is refused by name. Left out, the stored request is kept (so are "
        "`designations` and `extra_timezones`); `{}` withdraws it.",
    )
    contact_points: list[dict[str, Any]] = Field(default_factory=list, max_length=50)
    designations: dict[str, Any] = Field(
        default_factory=dict, description="`inconvenient_times`, `inconvenient_places`, `consent`, `intents`, `age`."
    )


class PatientOut(BaseModel):
    """A stored patient (its id and when it changed; the details stay in the database)."""

    patient_id: str
    updated_at: dt.datetime


class AccountIn(Request):
    """An account in a strategy: facts by the schema's names, debts in the guard case's shape."""

    patient_id: Id
    strategy_name: Name
    organization: Organization | None = None
    jurisdiction: Annotated[str, StringConstraints(max_length=16)] | None = Field(default=None, examples=["US-TX"])
    placed_on: dt.date = Field(description="The day the account entered the strategy.")
    facts: dict[str, Any] = Field(default_factory=dict, description="`balance`, `consent.sms`, `disputed`, …")
    debts: list[dict[str, Any]] = Field(default_factory=list, max_length=100)
    variables: dict[str, Any] = Field(default_factory=dict, description="Template variables by dotted path.")


class AccountOut(BaseModel):
    """A stored account."""

    account_id: str
    patient_id: str
    strategy_name: str
    organization: str | None
    jurisdiction: str | None
    placed_on: dt.date
    facts: dict[str, Any]
    debts: list[dict[str, Any]]
    progress: dict[str, Any]
    updated_at: dt.datetime


class EventIn(Request):
    """Something that happened: a reply, payment, dispute, cease, consent, conversation, receipt…"""

    account_id: Id
    idempotency_key: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        default=None, description="Or send the `Idempotency-Key` header; a repeat with the same key is a no-op."
    )
    type: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(examples=["reply"])
    at: dt.datetime = Field(description="When it happened, with its UTC offset.")
    debt: Annotated[str, StringConstraints(max_length=128)] | None = None
    channel: Annotated[str, StringConstraints(max_length=32)] | None = None
    to: Annotated[str, StringConstraints(max_length=200)] | None = None
    days: int | None = Field(default=None, ge=0, le=100_000)
    kind: Annotated[str, StringConstraints(max_length=64)] | None = None
    text: Annotated[str, StringConstraints(max_length=10_000)] | None = None
    facts: dict[str, Any] | None = None


class EventOut(BaseModel):
    """The stored event; `created` is false when the key was seen before."""

    id: int
    account_id: str
    type: str
    at: dt.datetime
    idempotency_key: str
    created: bool


class CorrectionIn(Request):
    """A compliance officer's correction of a protective state recorded by mistake (`runtime.store.corrections`)."""

    fact: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        examples=["cease_requested"],
        description="`disputed`, `cease_requested`, `attorney_represented`, `bankrupt`, `deceased` or `consent.KIND`.",
    )
    value: StrictBool = Field(examples=[False], description="The value the fact should have had.")
    reason: Annotated[str, StringConstraints(min_length=10, max_length=500)] = Field(
        examples=["posted to the wrong account; see ticket 123"],
        description="Why: kept with the correction in the database; the audit trail keeps its length and hash only.",
    )


class CorrectionOut(BaseModel):
    """The stored correction: the fact, its value before (null: not set) and now, the correction's event."""

    account_id: str
    fact: str
    previous: bool | None
    value: bool
    event_id: int
    at: dt.datetime


# ---------------------------------------------------------------- decide


class DecideIn(Request):
    """Decide for one account now (or at a given instant, for simulations and replays of a day)."""

    account_id: Id
    now: dt.datetime | None = Field(default=None, description="The decision time with its offset [default: now].")


class DecideOut(BaseModel):
    """The decision: kept proposals (contacts reserved, with their outbox ids), refusals and the trace."""

    decision_id: int
    account_id: str
    now: dt.datetime
    strategy: dict[str, Any]
    day: int
    outcome: str
    proposals: list[dict[str, Any]]
    refused: list[dict[str, Any]]
    handoff_ids: list[int]
    model_ids: dict[str, Any]
    trace: dict[str, Any]


# ---------------------------------------------------------------- hand-offs and audit


class HandoffOut(BaseModel):
    """An account handed to a person."""

    id: int
    account_id: str
    decision_id: int | None
    reason: str
    queue: str = Field(description='The desk the strategy handed it to (`handoff "queue"`); empty before 0004.')
    priority: str = Field(description="`low`, `normal`, `high` or `urgent`, as the strategy said.")
    status: str
    claimed_by: str | None
    resolution: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ResolveIn(Request):
    """How a hand-off ended (no patient data: it is kept in the audit trail)."""

    resolution: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class AuditOut(BaseModel):
    """One audit row."""

    seq: int
    at: dt.datetime
    actor: str
    action: str
    subject: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class VerifyOut(BaseModel):
    """What walking the hash chain found."""

    ok: bool
    checked: int
    first_bad_seq: int | None
    problem: str | None
    head: str
