"""Who is calling, and may they: API keys with roles, checked on every route but the health check.

A caller sends `Authorization: Bearer pk_<id>_<secret>` (or `X-API-Key: pk_…`). No key or an
unknown one is a 401; a key without a role the route allows is a 403 naming the roles it needs.

Each worker caches verified key rows for a few seconds so a busy route does not read the key
table on every call; revoking a key takes effect at once in the worker that revoked it and
within `ttl` seconds in the others (5 s by default, `Settings.key_cache_seconds`): a cached row
is used only while younger than `ttl`, then the key table is read again. Only verified keys are
cached, never a refusal. A cached key still costs one SHA-256 of the presented secret per request
(a few microseconds), so a wrong secret for a cached id is refused like any other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine

from runtime.api.errors import ApiError
from runtime.db.database import read_session
from runtime.store import keys

bearer = HTTPBearer(auto_error=False, description="An API key: `Bearer pk_<id>_<secret>`.")
header_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key: `pk_<id>_<secret>`.")


@dataclass(frozen=True)
class Caller:
    """The key a request came with: its id, the person or system holding it, and its roles."""

    key_id: str
    name: str
    roles: frozenset[str]

    @property
    def actor(self) -> str:
        """Who the audit log names: the key holder (four eyes compares these, and the keys' lineage)."""
        return self.name


@dataclass(frozen=True)
class KeyRecord:
    """A verified key row, detached from its session (what the cache keeps)."""

    id: str
    name: str
    key_hash: str
    roles: tuple[str, ...]
    revoked_at: None = None


@dataclass
class KeyCache:
    """Verified key rows by id, each kept `ttl` seconds."""

    ttl: float = 5.0
    clock: Callable[[], float] = time.monotonic  # the tests move their own
    rows: dict[str, tuple[float, KeyRecord]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def cached(self, presented: str) -> KeyRecord | bool | None:
        """From the cache alone: the key, None (refused), or False when the database must be asked."""
        parts = keys.split_key(presented)
        if parts is None:
            return None
        cached = self.rows.get(parts[0])
        if cached is not None and self.clock() - cached[0] < self.ttl:
            return cached[1] if keys.matches(cached[1], presented) else None
        return False

    def lookup(self, engine: Engine, presented: str) -> KeyRecord | None:
        """The live key a presented key text belongs to, or None."""
        known = self.cached(presented)
        if known is not False:
            return known  # type: ignore[return-value]
        with read_session(engine) as session:
            row = keys.verify(session, presented)
            record = None if row is None else KeyRecord(row.id, row.name, row.key_hash, tuple(row.roles), None)
        if record is not None:
            with self.lock:
                self.rows[record.id] = (self.clock(), record)
        return record

    def forget(self, key_id: str) -> None:
        """Drop a key from the cache (it was revoked here)."""
        with self.lock:
            self.rows.pop(key_id, None)


def presented_key(request: Request, credentials: HTTPAuthorizationCredentials | None, header: str | None) -> str | None:
    """The key the request carries, from either header."""
    if credentials is not None and credentials.credentials:
        return credentials.credentials
    return header or None


def require(*roles: str) -> Callable[..., Awaitable[Caller]]:
    """A dependency that lets in keys holding any of `roles`."""
    allowed = frozenset(roles)
    needed = " or ".join(f"`{r}`" for r in roles)

    async def check(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
        header: Annotated[str | None, Depends(header_key)],
    ) -> Caller:
        presented = presented_key(request, credentials, header)
        if not presented:
            raise ApiError(401, "send an API key: `Authorization: Bearer pk_…` or `X-API-Key: pk_…`")
        state = request.app.state.service
        row = state.keys.cached(presented)  # on the event loop: no I/O, no thread hop
        if row is False:
            row = await run_in_threadpool(state.keys.lookup, state.engine, presented)
        if row is None:
            raise ApiError(401, "this API key is unknown or revoked")
        caller = Caller(row.id, row.name, frozenset(row.roles))
        request.state.key_id = caller.key_id
        if not caller.roles & allowed:
            raise ApiError(403, f"this route needs the role {needed}; the key has {', '.join(sorted(caller.roles))}")
        return caller

    check.roles = allowed  # type: ignore[attr-defined]  # read by the endpoint x role test
    return check


ANY_ROLE = ("compliance", "strategist", "outreach", "auditor")
