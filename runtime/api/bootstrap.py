"""The first API key: without one nobody could create the others.

`parley serve` calls `ensure_admin_key` after migrating. When `PARLEY_ADMIN_KEY` holds a key
(`pk_<id>_<secret>`) it is adopted as a compliance officer's key named `admin` (or checked, when
it is already stored). When it is not set and no live key exists, one is drawn and returned so
the command can print it once. Otherwise nothing changes: keys are never printed again.
"""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy.engine import Engine

from runtime.db.database import transaction
from runtime.db.tables import ApiKey
from runtime.store import audit, keys

ENV_KEY = "PARLEY_ADMIN_KEY"
ADMIN = "admin"


class BootstrapError(RuntimeError):
    """The admin key from the environment cannot be used."""


def ensure_admin_key(engine: Engine, given: str | None = None) -> str | None:
    """Make sure someone can call the API; the key text when one was created and must be shown."""
    if given is None:
        given = os.environ.get(ENV_KEY)
    given = given or None  # an empty variable is no key
    now = dt.datetime.now(dt.UTC)
    with transaction(engine) as session:
        if given is not None:
            parts = keys.split_key(given)
            if parts is None:
                raise BootstrapError(f"{ENV_KEY} is not a key: it reads `pk_<16 hex digits>_<secret>`")
            stored = session.get(ApiKey, parts[0])
            if stored is not None:
                if not keys.matches(stored, given):
                    raise BootstrapError(f"{ENV_KEY} names a stored key but its secret differs, or it was revoked")
                return None
            try:
                row, _ = keys.create_key(session, ADMIN, ["compliance"], now, given)
            except keys.KeyProblem as problem:
                raise BootstrapError(f"{ENV_KEY}: {problem}") from None
            audit.append(
                session,
                "parley serve",
                "key.create",
                f"key:{row.id}",
                {"name": row.name, "roles": row.roles, "from": ENV_KEY},
                now,
            )
            return None
        if keys.any_key(session):
            return None
        row, text = keys.create_key(session, ADMIN, ["compliance"], now)
        audit.append(
            session,
            "parley serve",
            "key.create",
            f"key:{row.id}",
            {"name": row.name, "roles": row.roles, "first": True},
            now,
        )
        return text
