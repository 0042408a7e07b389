"""API keys: create, verify and revoke; only a hash of each key's secret is stored.

A key reads `pk_<id>_<secret>`: the id is public (it names the row and appears in logs), the
secret is 256 random bits shown once at creation. The row keeps `sha256$<hex>` of the secret; a
fast hash is enough because the secret is random, not a password a person chose, so there is no
dictionary to try. Verification compares digests in constant time.

Lineage (four eyes): a key minted through `POST /v1/keys` records the key that minted it
(`created_by`); a bootstrapped key (`parley serve`, the demo, the tests) records none and is a
root. Whoever mints a key sees its secret, so a key is no more independent of its minter than the
minter's holder is honest. The rule `speak_for_one_person` states, and approval applies:

- a root key is a key issuer: it hands keys out to people, so the person behind a key is the
  first key below the root in its creation chain (the one the issuer handed out), or the root
  itself for a root key; every key a person mints (for a system, or a second name) is theirs;
- two keys speak for one person when that person is the same, or when one key is in the other's
  creation chain (a key and a key it created, directly or not, the issuer included).

So `alice` minting `alice2` cannot approve with it what `alice` wrote, nor can two keys `alice`
minted approve each other's work, nor can a key approve what the key that created it authored.
Two people whose keys the same issuer handed out are two people: whoever holds a root key can
therefore issue keys under any names, so it belongs with whoever administers access, not with an
approver (the audit log names every key created, its name and the key that minted it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, select

from runtime.db.tables import ApiKey

ROLES = ("compliance", "strategist", "outreach", "auditor")
PREFIX = "pk"
KEY_SHAPE = re.compile(r"^pk_([0-9a-f]{8,32})_([A-Za-z0-9_\-]{16,128})$")


class KeyProblem(ValueError):
    """A key that cannot be created as asked (an unknown role, a malformed bootstrap key)."""


def hash_secret(secret: str) -> str:
    """What the table stores for a secret."""
    return "sha256$" + hashlib.sha256(secret.encode("utf-8")).hexdigest()


def split_key(presented: str) -> tuple[str, str] | None:
    """A presented key as (id, secret), or None when it does not have the key's shape."""
    match = KEY_SHAPE.match(presented.strip())
    return (match.group(1), match.group(2)) if match else None


def new_key_text() -> tuple[str, str, str]:
    """A fresh key: (id, secret, the whole key to hand out)."""
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return key_id, secret, f"{PREFIX}_{key_id}_{secret}"


def check_roles(roles: Iterable[str]) -> list[str]:
    """The roles in a fixed order; an unknown one is refused by name."""
    wanted = list(dict.fromkeys(roles))
    unknown = [r for r in wanted if r not in ROLES]
    if unknown:
        raise KeyProblem(f"unknown role `{unknown[0]}`; choose from {', '.join(ROLES)}")
    if not wanted:
        raise KeyProblem(f"give the key at least one role: {', '.join(ROLES)}")
    return [r for r in ROLES if r in wanted]


def create_key(
    session: Session,
    name: str,
    roles: Iterable[str],
    now: dt.datetime,
    text: str | None = None,
    created_by: str | None = None,
) -> tuple[ApiKey, str]:
    """Store a new key for `name` (the person or system holding it); return the row and the key text.

    `text` adopts a key given from outside (the bootstrap key from the environment) instead of
    drawing one; it must have the key's shape. `created_by` is the id of the key that minted it
    (None for a bootstrapped key, a root of lineage).
    """
    if text is None:
        key_id, secret, text = new_key_text()
    else:
        parts = split_key(text)
        if parts is None:
            raise KeyProblem("a key reads `pk_<16 hex digits>_<secret of 16+ letters, digits, - or _>`")
        key_id, secret = parts
    row = ApiKey(
        id=key_id,
        name=name,
        key_hash=hash_secret(secret),
        roles=check_roles(roles),
        created_by=created_by,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row, text


def verify(session: Session, presented: str) -> ApiKey | None:
    """The live key row a presented key belongs to, or None (unknown, wrong secret or revoked)."""
    parts = split_key(presented)
    if parts is None:
        return None
    key_id, secret = parts
    row = session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        hmac.compare_digest(hash_secret(secret), hash_secret(""))  # same work either way
        return None
    return row if hmac.compare_digest(hash_secret(secret), row.key_hash) else None


def matches(row: ApiKey | Any, presented: str) -> bool:
    """Whether a presented key is this row's (constant time); for callers that cache rows."""
    parts = split_key(presented)
    if parts is None or parts[0] != row.id or row.revoked_at is not None:
        return False
    return hmac.compare_digest(hash_secret(parts[1]), row.key_hash)


def revoke(session: Session, key_id: str, now: dt.datetime) -> ApiKey | None:
    """Mark a key revoked (kept for the audit trail); None when there is no such key."""
    row = session.get(ApiKey, key_id)
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
        session.flush()
    return row


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, newest first (hashes included: callers show only ids, names and roles)."""
    return list(session.exec(select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id)))  # type: ignore[attr-defined]


def any_key(session: Session) -> bool:
    """Whether a live key exists (the first start creates one when none does)."""
    return session.exec(select(ApiKey.id).where(ApiKey.revoked_at.is_(None)).limit(1)).first() is not None  # type: ignore[union-attr]


# ---------------------------------------------------------------- lineage (see the module docstring)

MAX_CHAIN = 1000  # far deeper than any real chain; a guard against a cycle written into the table by hand


def chain(session: Session, key_id: str) -> list[str]:
    """The key and the keys that minted it, up to its root: `[key_id, its minter, …, root]`.

    An id with no row (a key deleted by hand) ends the chain there: it counts as a root.
    """
    found = [key_id]
    row = session.get(ApiKey, key_id)
    while row is not None and row.created_by and row.created_by not in found and len(found) < MAX_CHAIN:
        found.append(row.created_by)
        row = session.get(ApiKey, row.created_by)
    return found


def person(lineage: list[str]) -> str:
    """The key that stands for the person behind a chain: the one its root (an issuer) handed out."""
    return lineage[-2] if len(lineage) >= 2 else lineage[-1]


def speak_for_one_person(session: Session, first: str, second: str) -> bool:
    """Whether two keys count as one person for four eyes (the rule in the module docstring)."""
    one, other = chain(session, first), chain(session, second)
    return person(one) == person(other) or first in other or second in one
