"""The API's request and response bodies (pydantic): what OpenAPI documents and what is validated.

Requests refuse unknown fields (`extra="forbid"`), so a misspelt field is named instead of
silently ignored. Text fields have length caps so no request can ask the service to hold an
unbounded value. Ids are short printable strings.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

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
