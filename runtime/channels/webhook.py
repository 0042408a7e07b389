"""Signed webhooks: each message is a JSON POST to the outreach system, signed with HMAC-SHA256.

Headers: `X-Parley-Signature: t=UNIX,v1=HEX` where HEX is HMAC-SHA256(secret, f"{t}.{body}"), and
`Idempotency-Key` (also `X-Parley-Idempotency-Key`) with the message's stable key. A receiver checks
the signature with `verify_signature` (which also refuses stale timestamps, so a captured request
cannot be replayed later) and drops a key it has already seen, answering 2xx again: a resend after a
worker crash is then harmless. It may answer `{"id": "...", "duplicate": true}`.

Answers: 2xx delivered; 408, 425, 429 and 5xx (and a broken connection) are retried; any other
4xx is permanent, and so is a redirect: it is never followed (urllib would turn the POST into a
GET without the message, and its 2xx would pass for a delivery). Failure reasons carry the status
code, never the body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from runtime.channels.base import KEY_HEADER, DeliveryError, Outbound, Receipt

SIGNATURE_HEADER = "X-Parley-Signature"
TOLERANCE_SECONDS = 300
RETRYABLE = frozenset({408, 425, 429})


@dataclass(frozen=True)
class WebhookSettings:
    """Where to post, and the shared secret that signs each request."""

    url: str
    secret: str
    timeout: float = 10.0


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The `X-Parley-Signature` value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    secret: str, header: str | None, body: bytes, now: float | None = None, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """Whether `header` signs `body` with `secret` within `tolerance` seconds of `now` (for receivers).

    Several `v1=` values are accepted (a sender rotating its secret may send one per secret);
    comparison is constant-time. A missing, malformed or stale header is simply not valid.
    """
    if not header:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """Refuse every redirect: the answer's 3xx becomes an `HTTPError`."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(NoRedirects())


class WebhookChannel:
    """Posts each message to one URL, signed; the receiver dedupes by the idempotency key."""

    name = "webhook"

    def __init__(self, settings: WebhookSettings) -> None:
        # urllib would open `file:` URLs too: only the web is a webhook.
        if urllib.parse.urlsplit(settings.url).scheme not in ("http", "https"):
            raise ValueError("a webhook URL must start with `http://` or `https://`")
        self.settings = settings

    def request(self, message: Outbound, idempotency_key: str, now: float | None = None) -> urllib.request.Request:
        """The signed POST for `message`."""
        body = json.dumps(message.to_json(idempotency_key), sort_keys=True, ensure_ascii=False).encode()
        timestamp = int(time.time() if now is None else now)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self.settings.secret, body, timestamp),
            "Idempotency-Key": idempotency_key,
            KEY_HEADER: idempotency_key,
            "User-Agent": "parley-outbox/1",
        }
        return urllib.request.Request(self.settings.url, data=body, headers=headers, method="POST")

    def deliver(self, message: Outbound, idempotency_key: str) -> Receipt:
        """Post the message; a `Receipt` once the receiver answers 2xx."""
        request = self.request(message, idempotency_key)
        try:
            with OPENER.open(request, timeout=self.settings.timeout) as response:
                answer = read_answer(response.read())
        except urllib.error.HTTPError as problem:
            status = problem.code
            permanent = status < 500 and status not in RETRYABLE
            raise DeliveryError(f"webhook: answered {status}", permanent=permanent) from None
        except (urllib.error.URLError, OSError) as problem:
            raise DeliveryError(f"webhook: cannot post ({type(problem).__name__})") from None
        provider_id = answer.get("id")
        return Receipt(
            self.name,
            idempotency_key,
            provider_id=str(provider_id) if provider_id is not None else None,
            duplicate=bool(answer.get("duplicate", False)),
        )


def read_answer(raw: bytes) -> dict[str, Any]:
    """The receiver's JSON answer, or an empty one when it sent none."""
    try:
        answer = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}
