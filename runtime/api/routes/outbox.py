"""The outbox for outreach systems: pull messages with a lease and acknowledge them, or have them pushed.

A pulled message is leased to the calling key until the lease runs out; acknowledging it marks it
(and its contact) delivered. Send it under its idempotency key (`contact-{id}`): when a lease runs
out after a send that was not acknowledged, the message comes again with the same key, and the
receiver drops the repeat.

The push target (`/outbox/webhook`) is read by the delivery worker: a signed POST per message.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from runtime.api.auth import Caller, require
from runtime.api.deps import State, reading, record, utc_now, writing
from runtime.api.errors import ApiError, not_found
from runtime.api.schemas import ErrorOut
from runtime.api.schemas_outreach import FailIn, LeaseIn, MessageOut, OutboxStatusOut, WebhookIn, WebhookOut
from runtime.db.tables import OutboxRow, WebhookConfig
from runtime.outbox import store
from runtime.service.sendtime import SendTimeGuard, lease_judged

router = APIRouter(prefix="/outbox", tags=["outbox"], responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}})
Outreach = Annotated[Caller, Depends(require("outreach"))]
Officer = Annotated[Caller, Depends(require("compliance"))]
Viewer = Annotated[Caller, Depends(require("compliance", "outreach", "auditor"))]
OutboxId = Annotated[int, Path(ge=1, le=2**62)]
WEBHOOK = "default"
LOST = {404: {"model": ErrorOut}, 409: {"model": ErrorOut}}


def owner(caller: Caller) -> str:
    """Who holds a lease taken through the API: the key, so only it can acknowledge."""
    return f"key:{caller.key_id}"


def message_out(row: OutboxRow) -> MessageOut:
    """A leased row as the answer."""
    return MessageOut(
        outbox_id=int(row.id or 0),
        contact_id=row.contact_id,
        account_id=row.account_id,
        channel=row.channel,
        idempotency_key=row.idempotency_key,
        to=row.message.get("to"),
        message=dict(row.message),
        attempts=row.attempts,
        lease_until=row.lease_until,
    )


def status_out(row: OutboxRow) -> OutboxStatusOut:
    """A row's state as the answer."""
    return OutboxStatusOut(
        outbox_id=int(row.id or 0),
        status=row.status,
        attempts=row.attempts,
        delivered_at=row.delivered_at,
        last_error=row.last_error,
    )


@router.post("/lease", response_model=list[MessageOut], summary="Pull messages to send (with a lease)")
def lease(payload: LeaseIn, state: State, caller: Outreach) -> list[MessageOut]:
    """Up to `limit` messages due now, yours for `seconds`; acknowledge each once sent.

    Each is judged by the guard again as it is handed out, at the lease's start and at its end: one
    that may not go out then (past 21:00 where the patient is, a cap reached since) waits for the
    next instant it may, or is cancelled when it cannot go out within a day of its planned time.
    """
    guard = SendTimeGuard(state.rules, state.plans, caller.actor)
    rows = lease_judged(state.engine, owner(caller), payload.limit, payload.seconds, payload.channels, guard)
    return [message_out(row) for row in rows]


@router.post("/{outbox_id}/ack", response_model=OutboxStatusOut, responses=LOST, summary="Acknowledge a message")
def acknowledge(outbox_id: OutboxId, state: State, caller: Outreach) -> OutboxStatusOut:
    """The message went out: it and its contact are delivered (acknowledging twice is fine)."""
    try:
        return status_out(store.acknowledge(state.engine, outbox_id, owner(caller)))
    except store.LeaseLost:
        raise ApiError(
            409, f"message {outbox_id} is not leased to this key (its lease ran out?)", "outbox_id"
        ) from None
    except LookupError:
        raise not_found(f"outbox message {outbox_id}", "outbox_id") from None


@router.post("/{outbox_id}/fail", response_model=OutboxStatusOut, responses=LOST, summary="Report a failed send")
def fail(outbox_id: OutboxId, payload: FailIn, state: State, caller: Outreach) -> OutboxStatusOut:
    """The send failed: retried with backoff, or a dead letter when permanent."""
    try:
        return status_out(store.mark_failed(state.engine, outbox_id, owner(caller), payload.reason, payload.permanent))
    except store.LeaseLost:
        raise ApiError(
            409, f"message {outbox_id} is not leased to this key (its lease ran out?)", "outbox_id"
        ) from None
    except LookupError:
        raise not_found(f"outbox message {outbox_id}", "outbox_id") from None


@router.get("/stats", response_model=dict[str, int], summary="How many messages are in each state")
def stats(state: State, caller: Viewer) -> dict[str, int]:
    """Counts of pending, leased, delivered and dead messages."""
    return store.counts(state.engine)


def webhook_out(row: WebhookConfig) -> WebhookOut:
    """The push target without its secret."""
    return WebhookOut(
        url=row.url,
        channels=list(row.channels),
        active=row.active,
        created_by=row.created_by,
        updated_at=row.updated_at,
    )


@router.get("/webhook", response_model=WebhookOut, responses={404: {"model": ErrorOut}}, summary="Read the push target")
def get_webhook(state: State, caller: Viewer) -> WebhookOut:
    """Where messages are pushed (the secret is never shown)."""
    with reading(state) as session:
        row = session.get(WebhookConfig, WEBHOOK)
        if row is None:
            raise not_found("push target; PUT one first")
        return webhook_out(row)


@router.put("/webhook", response_model=WebhookOut, summary="Set the push target")
def put_webhook(payload: WebhookIn, state: State, caller: Officer) -> WebhookOut:
    """Push every message (or those of `channels`) to a URL as a signed POST."""
    now = utc_now()
    with writing(state) as session:
        row = session.get(WebhookConfig, WEBHOOK) or WebhookConfig(
            id=WEBHOOK, url=payload.url, secret=payload.secret, created_by=caller.actor, created_at=now
        )
        row.url, row.secret, row.channels = payload.url, payload.secret, list(payload.channels)
        row.active, row.created_by, row.updated_at = payload.active, caller.actor, now
        session.add(row)
        session.flush()
        record(session, caller, "webhook.set", f"webhook:{WEBHOOK}", {"channels": row.channels, "active": row.active})
        return webhook_out(row)


@router.delete("/webhook", status_code=204, responses={404: {"model": ErrorOut}}, summary="Stop pushing")
def delete_webhook(state: State, caller: Officer) -> None:
    """Remove the push target: messages wait to be pulled."""
    with writing(state) as session:
        row = session.get(WebhookConfig, WEBHOOK)
        if row is None:
            raise not_found("push target")
        session.delete(row)
        record(session, caller, "webhook.delete", f"webhook:{WEBHOOK}", {})
