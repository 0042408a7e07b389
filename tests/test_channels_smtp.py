"""The SMTP channel against a real SMTP server (aiosmtpd) started by the tests."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from runtime.channels import DeliveryError, Outbound, SmtpChannel, SmtpSettings
from runtime.channels.base import KEY_HEADER
from runtime.render import RenderedMessage


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps every email; refuses `@refused.example` (550) and `@busy.example` (451)."""

    received: list[EmailMessage] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.endswith("@refused.example"):
            return "550 no such user"
        if address.endswith("@busy.example"):
            return "451 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        return "250 Message accepted for delivery"

    def unique(self) -> dict[str, EmailMessage]:
        """What a receiver keeps: one email per Message-ID."""
        return {str(m["Message-ID"]): m for m in self.received}


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """A running SMTP server on localhost and its port."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def outbound(to: str | None = "ana@example.org", html: bool = True) -> Outbound:
    """An email message."""
    message = RenderedMessage(
        "hospital_statement_email",
        "es",
        "email",
        "Hola, Ana:\n\nSaldo pendiente: $1,250.00",
        subject="Su factura de Springside, cuenta A-1",
        html="<p>Hola, Ana:</p>" if html else None,
        disclosures=("opt_out",),
    )
    return Outbound(7, 42, "acct-1", "email", message, to)


def channel(port: int) -> SmtpChannel:
    return SmtpChannel(SmtpSettings(host="127.0.0.1", port=port, sender="billing@springside.example", timeout=5))


def test_an_email_arrives_with_its_key_as_message_id(smtp_server: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp_server
    receipt = channel(port).deliver(outbound(), "contact-42")
    assert receipt.provider_id == "<contact-42@springside.example>"
    (mail,) = mailbox.received
    assert mail["Message-ID"] == "<contact-42@springside.example>" and mail[KEY_HEADER] == "contact-42"
    assert mail["To"] == "ana@example.org" and mail["Subject"] == "Su factura de Springside, cuenta A-1"
    plain = mail.get_body(("plain",))
    rich = mail.get_body(("html",))
    assert plain is not None and "Saldo pendiente: $1,250.00" in plain.get_content()
    assert rich is not None and "<p>Hola, Ana:</p>" in rich.get_content()


def test_a_plain_email_has_one_part(smtp_server: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp_server
    channel(port).deliver(outbound(html=False), "contact-42")
    assert not mailbox.received[0].is_multipart()


def test_a_resend_has_the_same_message_id_so_the_receiver_keeps_one(smtp_server: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp_server
    for _ in range(2):
        channel(port).deliver(outbound(), "contact-42")
    assert len(mailbox.received) == 2 and len(mailbox.unique()) == 1


@pytest.mark.parametrize(
    ("to", "permanent", "reason"),
    [
        ("x@refused.example", True, "smtp: recipient refused ([550])"),
        ("x@busy.example", False, "smtp: recipient refused ([451])"),
        (None, True, "smtp: the message has no recipient address"),
        ("ana@example.org\nBcc: eve@example.org", True, "smtp: the recipient address is not valid"),
    ],
)
def test_refusals(smtp_server: tuple[Mailbox, int], to: str | None, permanent: bool, reason: str) -> None:
    mailbox, port = smtp_server
    with pytest.raises(DeliveryError) as raised:
        channel(port).deliver(outbound(to), "contact-42")
    assert (raised.value.permanent, raised.value.reason) == (permanent, reason)
    assert not mailbox.received


def test_no_server_is_a_retry() -> None:
    with pytest.raises(DeliveryError) as raised:
        channel(free_port()).deliver(outbound(), "contact-42")
    assert not raised.value.permanent and raised.value.reason.startswith("smtp: cannot send")


def test_a_value_cannot_break_the_subject_header(smtp_server: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp_server
    message = outbound().message
    sneaky = RenderedMessage(message.template, "en", "email", "body", subject="Hi Ana\r\nBcc: eve@example.org")
    channel(port).deliver(Outbound(7, 42, "acct-1", "email", sneaky, "ana@example.org"), "contact-42")
    (mail,) = mailbox.received
    assert mail["Subject"] == "Hi Ana Bcc: eve@example.org" and mail["Bcc"] is None
