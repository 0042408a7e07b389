"""The API's request and response bodies for outreach systems: the outbox and contacts made outside Parley.

The shared pieces (the base `Request` that refuses unknown fields, `Id`, `Short`, …) and every
other body live in `runtime.api.schemas`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from engine.guard.case import OUTCOMES
from runtime.api.schemas import Request

# ---------------------------------------------------------------- outbox


class LeaseIn(Request):
    """Take messages to send: they are yours until the lease runs out."""

    limit: int = Field(default=10, ge=1, le=500)
    seconds: float = Field(default=60.0, ge=1, le=3600)
    channels: list[Literal["sms", "email", "letter", "chat", "voicemail", "call"]] | None = None


class MessageOut(BaseModel):
    """A leased message: send it under its idempotency key, then acknowledge it."""

    outbox_id: int
    contact_id: int
    account_id: str
    channel: str
    idempotency_key: str
    to: str | None
    message: dict[str, Any]
    attempts: int
    lease_until: dt.datetime | None


class FailIn(Request):
    """A send that failed: retried with backoff, or a dead letter when `permanent`."""

    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        description="Why, without any patient data."
    )
    permanent: bool = False


class OutboxStatusOut(BaseModel):
    """One outbox message's state."""

    outbox_id: int
    status: str
    attempts: int
    delivered_at: dt.datetime | None
    last_error: str | None


class WebhookIn(Request):
    """Where to push messages: a signed POST (`X-Parley-Signature: t=…,v1=…`, HMAC-SHA256)."""

    url: Annotated[str, StringConstraints(min_length=8, max_length=2000, pattern=r"^https?://\S+$")]
    secret: Annotated[str, StringConstraints(min_length=16, max_length=200)] = Field(
        description="The HMAC key the receiver checks signatures with."
    )
    channels: list[Literal["sms", "email", "letter", "chat", "voicemail", "call"]] = Field(default_factory=list)
    active: bool = True


class WebhookOut(BaseModel):
    """The push target (never its secret)."""

    url: str
    channels: list[str]
    active: bool
    created_by: str
    updated_at: dt.datetime


# ---------------------------------------------------------------- contacts made outside Parley


class ExternalContactIn(Request):
    """A contact made outside Parley (a call dialled by hand, another system's, before placement).

    Words as in the guard case (DESIGN.md): a call or voicemail ends `no_answer`, `conversation`
    (calls only), `voicemail`, `limited_content_message`, `busy` or `not_in_service`; a message
    `delivered` or `undeliverable`. Busy and not-in-service calls do not count toward the caps.
    """

    at: dt.datetime = Field(description="When it was made, with its UTC offset; never in the future.")
    channel: Literal["call", "sms", "email", "letter", "voicemail", "chat"]
    direction: Literal["outbound", "inbound"] = Field(
        default="outbound", description="`inbound`: the patient called or wrote (a conversation still starts 7 days)."
    )
    debts: list[Annotated[str, StringConstraints(min_length=1, max_length=128)]] | None = Field(
        default=None, min_length=1, max_length=100, description="The debts it was about [default: every debt]."
    )
    outcome: (
        Literal[OUTCOMES]  # type: ignore[valid-type]  # the guard case's outcomes, one list for both
        | None
    ) = Field(default=None, description="How it ended [default: unknown, counted as a connected contact].")
    to: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = Field(
        default=None, description="The id of the patient's contact point it used."
    )
    idempotency_key: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="The caller's id for this contact: a repeat is a no-op, a different contact under it a 409."
    )


class ContactsIn(Request):
    """A batch of contacts made outside Parley, stored all together or not at all."""

    contacts: list[ExternalContactIn] = Field(min_length=1, max_length=1000)


class RecordedContactOut(BaseModel):
    """What became of one contact of the batch."""

    index: int = Field(description="Its place in the request's `contacts`.")
    contact_id: int
    idempotency_key: str
    created: bool = Field(description="False: a repeat of a contact already recorded under its key.")


class ContactsOut(BaseModel):
    """The batch as recorded."""

    account_id: str
    recorded: int = Field(description="Contacts stored by this request.")
    repeated: int = Field(description="Contacts already recorded under their keys (no-ops).")
    contacts: list[RecordedContactOut]
