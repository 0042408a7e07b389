"""One router per area of the API; `ROUTERS` is what `create_app` mounts under `/v1`."""

from __future__ import annotations

from fastapi import APIRouter

from runtime.api.routes import check, health, keys, strategies

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    check.router,
    strategies.router,
    keys.router,
)
