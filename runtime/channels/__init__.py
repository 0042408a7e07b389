"""Channels: the ways a message leaves Parley (email over SMTP, signed webhooks, a development file).

`Channel.deliver(message, idempotency_key) -> Receipt`; `build_registry(ChannelSettings.from_env())`
says which channel delivers which of Parley's channels.
"""

from runtime.channels.base import Channel, DeliveryError, Outbound, Receipt
from runtime.channels.file import FileChannel
from runtime.channels.registry import ChannelRegistry, ChannelSettings, build_registry
from runtime.channels.smtp import SmtpChannel, SmtpSettings
from runtime.channels.webhook import WebhookChannel, WebhookSettings, verify_signature

__all__ = [
    "Channel",
    "ChannelRegistry",
    "ChannelSettings",
    "DeliveryError",
    "FileChannel",
    "Outbound",
    "Receipt",
    "SmtpChannel",
    "SmtpSettings",
    "WebhookChannel",
    "WebhookSettings",
    "build_registry",
    "verify_signature",
]
