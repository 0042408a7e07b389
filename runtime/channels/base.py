"""What every channel shares: the message handed to it, the receipt it gives back, and its failures.

A channel takes an `Outbound` (a rendered message, who it goes to, the ids it belongs to) and an
idempotency key, and answers with a `Receipt` only once the outside world has the message. The key
is stable per message (`contact-{id}`): when the worker crashes after a send and before marking it
delivered, the resend carries the same key, and the receiver (or the channel itself) drops it as a
duplicate. That is how the outbox is exactly once to the outside world.

A failure is a `DeliveryError`: `permanent` when retrying cannot help (a refused recipient, a 4xx
answer), else the worker retries with backoff. Its `reason` is for logs and the outbox's
`last_error`, so it never holds an address or any text of the message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from runtime.render import RenderedMessage

KEY_HEADER = "X-Parley-Idempotency-Key"


@dataclass(frozen=True)
class Outbound:
    """One message as a channel sees it: the rendered text, the recipient and the ids it belongs to."""

    outbox_id: int
    contact_id: int
    account_id: str
    channel: str
    message: RenderedMessage
    to: str | None = None

    def to_json(self, idempotency_key: str) -> dict[str, Any]:
        """The message with its key, as plain JSON (what the webhook posts and the file channel writes)."""
        return {
            "idempotency_key": idempotency_key,
            "outbox_id": self.outbox_id,
            "contact_id": self.contact_id,
            "account_id": self.account_id,
            "channel": self.channel,
            "to": self.to,
            "message": self.message.to_json(),
        }


@dataclass(frozen=True)
class Receipt:
    """The outside world has the message: which channel took it, under which key, and its own id."""

    channel: str
    idempotency_key: str
    provider_id: str | None = None
    duplicate: bool = False  # the receiver had the key already: this send was a harmless repeat
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


class DeliveryError(Exception):
    """A send that failed; `permanent` when a retry cannot help. `reason` never holds PHI."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@runtime_checkable
class Channel(Protocol):
    """A way out of the system: deliver one message under its idempotency key, or raise `DeliveryError`."""

    name: str

    def deliver(self, message: Outbound, idempotency_key: str) -> Receipt:
        """Hand `message` to the outside world; return only once it is accepted."""
        ...
