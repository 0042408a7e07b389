"""The webhook channel against a real local HTTP server: signed posts, the receiver's dedupe, retries and refusals.

`Receiver` is also the receiving end of the outbox tests (`test_outbox_*.py` import it).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from runtime.channels import DeliveryError, Outbound, WebhookChannel, WebhookSettings, verify_signature
from runtime.channels.webhook import SIGNATURE_HEADER, sign
from runtime.render import RenderedMessage

SECRET = "test-secret"


@dataclass
class Receiver:
    """A webhook receiver: checks each signature, keeps every raw post, and dedupes by key."""

    secret: str = SECRET
    raw: list[str] = field(default_factory=list)  # every key posted, repeats included
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)  # first post per key
    bad_signatures: int = 0
    torn: int = 0  # posts cut short (the sender was killed mid-request)
    answers: list[int] = field(default_factory=list)  # status codes to answer first, in order
    on_post: Callable[[str], None] | None = None  # called after a post is kept, before the answer
    lock: threading.Lock = field(default_factory=threading.Lock)

    def receive(self, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        """The answer to one post."""
        with self.lock:
            if not verify_signature(self.secret, headers.get(SIGNATURE_HEADER), body):
                self.bad_signatures += 1
                return 401, {"error": "bad signature"}
            if self.answers:
                return self.answers.pop(0), {}
            key = headers["Idempotency-Key"]
            self.raw.append(key)
            duplicate = key in self.messages
            if not duplicate:
                self.messages[key] = json.loads(body)
        if self.on_post is not None:
            self.on_post(key)
        return 200, {"id": f"r-{key}", "duplicate": duplicate}


class QuietServer(ThreadingHTTPServer):
    """An HTTP server that does not print a sender that hung up (a killed worker does)."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


@contextmanager
def serving(found: Receiver) -> Iterator[str]:
    """Run `found` on a local port; its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            if len(body) < length:
                found.torn += 1
                return
            status, answer = found.receive(self.headers, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass  # keep test output (and any PHI) out of stderr

    server = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    """A running receiver and its URL."""
    found = Receiver()
    with serving(found) as url:
        yield found, url


def outbound(outbox_id: int = 1, to: str | None = "+15550100") -> Outbound:
    """A small text message."""
    message = RenderedMessage("t", "en", "sms", "Hi Ana, reply STOP to stop texts.", disclosures=("opt_out",))
    return Outbound(outbox_id, outbox_id, f"acct-{outbox_id}", "sms", message, to)


def test_a_post_is_signed_and_carries_the_message(receiver: tuple[Receiver, str]) -> None:
    found, url = receiver
    receipt = WebhookChannel(WebhookSettings(url, SECRET)).deliver(outbound(), "contact-1")
    assert receipt.provider_id == "r-contact-1" and not receipt.duplicate
    posted = found.messages["contact-1"]
    assert posted["to"] == "+15550100" and posted["message"]["body"].startswith("Hi Ana")
    assert posted["account_id"] == "acct-1" and posted["idempotency_key"] == "contact-1"


def test_a_resend_under_the_same_key_is_a_duplicate(receiver: tuple[Receiver, str]) -> None:
    found, url = receiver
    channel = WebhookChannel(WebhookSettings(url, SECRET))
    first = channel.deliver(outbound(), "contact-1")
    again = channel.deliver(outbound(), "contact-1")
    assert (first.duplicate, again.duplicate) == (False, True)
    assert found.raw == ["contact-1", "contact-1"] and len(found.messages) == 1


def test_a_wrong_secret_is_refused_for_good(receiver: tuple[Receiver, str]) -> None:
    found, url = receiver
    with pytest.raises(DeliveryError) as raised:
        WebhookChannel(WebhookSettings(url, "another secret")).deliver(outbound(), "contact-1")
    assert raised.value.permanent and raised.value.reason == "webhook: answered 401"
    assert found.bad_signatures == 1 and not found.messages


@pytest.mark.parametrize(
    ("status", "permanent"),
    [(500, False), (503, False), (429, False), (400, True), (404, True), (302, True), (307, True)],
)
def test_which_answers_are_retried(receiver: tuple[Receiver, str], status: int, permanent: bool) -> None:
    found, url = receiver
    found.answers.append(status)
    with pytest.raises(DeliveryError) as raised:
        WebhookChannel(WebhookSettings(url, SECRET)).deliver(outbound(), "contact-1")
    assert raised.value.permanent is permanent
    assert "+1555" not in raised.value.reason and "Ana" not in raised.value.reason


def test_no_server_is_a_retry() -> None:
    channel = WebhookChannel(WebhookSettings("http://127.0.0.1:9/hook", SECRET, timeout=2))
    with pytest.raises(DeliveryError) as raised:
        channel.deliver(outbound(), "contact-1")
    assert not raised.value.permanent and raised.value.reason.startswith("webhook: cannot post")


def test_only_web_urls() -> None:
    with pytest.raises(ValueError, match="http"):
        WebhookChannel(WebhookSettings("file:///etc/passwd", SECRET))


@pytest.mark.parametrize(
    ("header", "now_offset", "valid"),
    [
        ("good", 0, True),
        ("good", 299, True),
        ("good", 301, False),
        ("good", -301, False),
        ("rotated", 0, True),
        ("tampered", 0, False),
        ("", 0, False),
        ("t=abc,v1=00", 0, False),
        ("v1=00", 0, False),
    ],
)
def test_verify_signature(header: str, now_offset: int, valid: bool) -> None:
    body, at = b'{"a": 1}', 1_800_000_000
    good = sign(SECRET, body, at)
    texts = {
        "good": good,
        "rotated": f"t={at},v1={'0' * 64},{good.split(',')[1]}",
        "tampered": sign(SECRET, b'{"a": 2}', at),
    }
    assert verify_signature(SECRET, texts.get(header, header), body, now=at + now_offset) is valid


def test_the_signature_covers_the_timestamp() -> None:
    body = b"{}"
    now = time.time()
    header = sign(SECRET, body, int(now))
    moved = header.replace(f"t={int(now)}", f"t={int(now) + 1}")
    assert verify_signature(SECRET, header, body) and not verify_signature(SECRET, moved, body)
