"""Email over SMTP (smtplib): a plain-text body with an HTML alternative when the message has one.

The idempotency key becomes the `Message-ID` (`<contact-42@example.org>`) and the header
`X-Parley-Idempotency-Key`: a resend after a crash carries the same Message-ID, which mail systems
and receivers use to drop duplicates. A 5xx answer is permanent (the worker stops retrying), a 4xx
answer or a broken connection is retried. Failure reasons carry codes, never addresses.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from runtime.channels.base import KEY_HEADER, DeliveryError, Outbound, Receipt


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send email."""

    host: str = "localhost"
    port: int = 25
    sender: str = "outreach@localhost"
    sender_name: str | None = None
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    use_ssl: bool = False
    timeout: float = 30.0

    @property
    def domain(self) -> str:
        """The sender's domain: the right-hand side of every Message-ID."""
        return self.sender.rpartition("@")[2] or "localhost"


class SmtpChannel:
    """Sends each message as one email; one SMTP connection per message."""

    name = "smtp"

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def message_id(self, idempotency_key: str) -> str:
        """The Message-ID for a key: the same key always gives the same id."""
        return f"<{idempotency_key}@{self.settings.domain}>"

    def build(self, outbound: Outbound, idempotency_key: str) -> EmailMessage:
        """The email for `outbound`."""
        if not outbound.to:
            raise DeliveryError("smtp: the message has no recipient address", permanent=True)
        rendered = outbound.message
        email = EmailMessage()
        sender = self.settings.sender
        email["From"] = formataddr((self.settings.sender_name, sender)) if self.settings.sender_name else sender
        try:
            email["To"] = outbound.to
        except ValueError:  # a line break or other header injection in the address
            raise DeliveryError("smtp: the recipient address is not valid", permanent=True) from None
        # A value shown in the subject must not break the header (no header injection).
        email["Subject"] = " ".join((rendered.subject or "").split())
        email["Date"] = formatdate(localtime=False, usegmt=True)
        email["Message-ID"] = self.message_id(idempotency_key)
        email[KEY_HEADER] = idempotency_key
        email.set_content(rendered.body)
        if rendered.html:
            email.add_alternative(rendered.html, subtype="html")
        return email

    def deliver(self, message: Outbound, idempotency_key: str) -> Receipt:
        """Send the email; a `Receipt` once the server has accepted it for every recipient."""
        email = self.build(message, idempotency_key)
        try:
            with self.connect() as server:
                refused = server.send_message(email)
        except smtplib.SMTPRecipientsRefused as problem:
            codes = sorted({code for code, _text in problem.recipients.values()})
            raise DeliveryError(f"smtp: recipient refused ({codes})", permanent=all(c >= 500 for c in codes)) from None
        except smtplib.SMTPResponseException as problem:
            code = problem.smtp_code
            raise DeliveryError(f"smtp: server answered {code}", permanent=code >= 500) from None
        except (smtplib.SMTPException, OSError) as problem:
            raise DeliveryError(f"smtp: cannot send ({type(problem).__name__})") from None
        if refused:
            raise DeliveryError("smtp: a recipient was refused", permanent=True)
        return Receipt(self.name, idempotency_key, provider_id=self.message_id(idempotency_key))

    def connect(self) -> smtplib.SMTP:
        """An open, authenticated connection to the server."""
        settings = self.settings
        if settings.use_ssl:
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        try:
            if settings.starttls:
                server.starttls(context=ssl.create_default_context())
            if settings.username:
                server.login(settings.username, settings.password or "")
        except BaseException:
            server.close()
            raise
        return server
