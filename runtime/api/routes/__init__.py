"""One router per area of the API; `ROUTERS` is what `create_app` mounts under `/v1`."""

from __future__ import annotations

from fastapi import APIRouter

from runtime.api.routes import (
    accounts,
    check,
    contacts,
    corrections,
    decide,
    handoffs,
    health,
    keys,
    outbox,
    strategies,
)

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    check.router,
    strategies.router,
    accounts.router,
    contacts.router,
    corrections.router,
    decide.router,
    outbox.router,
    handoffs.router,
    keys.router,
)
