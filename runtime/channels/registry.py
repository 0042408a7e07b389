"""Which channel delivers which kind of message, built from settings (environment variables).

A *route* sends one of Parley's channels (`email`, `sms`, `letter`, …) to a transport: `smtp`,
`webhook` or `file`. Messages of a channel with no route are not pushed: they wait in the outbox
for an outreach system to pull them through the API (lease and acknowledge). Nothing is routed
unless configured: a worker left unconfigured in production must not "deliver" a patient's
notice into a local file and mark it sent; development says `*=file`.

Environment variables (`ChannelSettings.from_env`):

| variable | meaning | default |
|---|---|---|
| `PARLEY_CHANNEL_ROUTES` | `email=smtp,sms=webhook`; `*=file` for all; `CHANNEL=pull` | none (pull) |
| `PARLEY_OUTBOX_FILE` | the file channel's JSON-lines file | `var/outbox.jsonl` |
| `PARLEY_SMTP_HOST`, `_PORT`, `_FROM`, `_FROM_NAME` | the SMTP server and the sender | `localhost`, 25 |
| `PARLEY_SMTP_USER`, `_PASSWORD`, `_STARTTLS`, `_SSL`, `_TIMEOUT` | login and transport security | none, off |
| `PARLEY_WEBHOOK_URL`, `_SECRET`, `_TIMEOUT` | the signed webhook's target and its HMAC secret | none |

The webhook push target the API stores (`WebhookConfig`, id `default`, when active) takes over the
channels it lists (all of them when it lists none) from whatever the environment routes there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsl.vocabulary import CHANNELS
from runtime.channels.base import Channel
from runtime.channels.file import FileChannel
from runtime.channels.smtp import SmtpChannel, SmtpSettings
from runtime.channels.webhook import WebhookChannel, WebhookSettings

TRANSPORTS = ("smtp", "webhook", "file")
PULL = "pull"
DEFAULT_FILE = "var/outbox.jsonl"
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class ChannelSettings:
    """Routes and each transport's settings."""

    routes: Mapping[str, str] = field(default_factory=dict)
    file_path: Path = Path(DEFAULT_FILE)
    smtp: SmtpSettings | None = None
    webhook: WebhookSettings | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ChannelSettings:
        """Settings from `PARLEY_*` environment variables; raises `ValueError` naming a bad one."""
        env = os.environ if env is None else env
        routes = parse_routes(env.get("PARLEY_CHANNEL_ROUTES", ""))
        smtp = None
        if env.get("PARLEY_SMTP_HOST"):
            smtp = SmtpSettings(
                host=env["PARLEY_SMTP_HOST"],
                port=int_setting(env, "PARLEY_SMTP_PORT", 25),
                sender=env.get("PARLEY_SMTP_FROM", "outreach@localhost"),
                sender_name=env.get("PARLEY_SMTP_FROM_NAME") or None,
                username=env.get("PARLEY_SMTP_USER") or None,
                password=env.get("PARLEY_SMTP_PASSWORD") or None,
                starttls=env.get("PARLEY_SMTP_STARTTLS", "").lower() in TRUE_WORDS,
                use_ssl=env.get("PARLEY_SMTP_SSL", "").lower() in TRUE_WORDS,
                timeout=float(int_setting(env, "PARLEY_SMTP_TIMEOUT", 30)),
            )
        webhook = None
        if env.get("PARLEY_WEBHOOK_URL"):
            secret = env.get("PARLEY_WEBHOOK_SECRET", "")
            if not secret:
                raise ValueError("`PARLEY_WEBHOOK_SECRET` is needed with `PARLEY_WEBHOOK_URL`: requests are signed")
            timeout = float(int_setting(env, "PARLEY_WEBHOOK_TIMEOUT", 10))
            webhook = WebhookSettings(env["PARLEY_WEBHOOK_URL"], secret, timeout)
        file_path = Path(env.get("PARLEY_OUTBOX_FILE") or DEFAULT_FILE)
        return cls(routes=routes, file_path=file_path, smtp=smtp, webhook=webhook)


def parse_routes(text: str) -> dict[str, str]:
    """`email=smtp,sms=webhook` as a mapping; `*=file` routes every channel, later items override it."""
    routes: dict[str, str] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        channel, equals, transport = (part.strip() for part in item.partition("="))
        if not equals or channel not in (*CHANNELS, "*"):
            raise ValueError(f"`PARLEY_CHANNEL_ROUTES`: `{item.strip()}` is not `CHANNEL=TRANSPORT` for a channel")
        if transport not in (*TRANSPORTS, PULL):
            raise ValueError(f"`PARLEY_CHANNEL_ROUTES`: `{transport}` is not one of smtp, webhook, file, pull")
        for one in CHANNELS if channel == "*" else (channel,):
            if transport == PULL:
                routes.pop(one, None)
            else:
                routes[one] = transport
    return routes


def int_setting(env: Mapping[str, str], name: str, default: int) -> int:
    """An integer setting; raises `ValueError` naming the variable."""
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"`{name}` must be a whole number") from None


class ChannelRegistry:
    """The channel that delivers each of Parley's channels (None: left for the API's pull)."""

    def __init__(self, routes: Mapping[str, Channel]) -> None:
        self.routes = dict(routes)

    def channel_for(self, channel: str) -> Channel | None:
        """The channel that delivers messages of `channel`, or None."""
        return self.routes.get(channel)

    @property
    def pushed(self) -> tuple[str, ...]:
        """The Parley channels this registry delivers, sorted."""
        return tuple(sorted(self.routes))


def build_registry(settings: ChannelSettings, webhook_config: Any | None = None) -> ChannelRegistry:
    """The registry for `settings`; `webhook_config` (a `WebhookConfig` row) overrides its channels.

    Raises `ValueError` when a route names a transport whose settings are missing.
    """
    transports: dict[str, Channel] = {}
    routes: dict[str, Channel] = {}
    for channel, transport in settings.routes.items():
        if transport not in transports:
            transports[transport] = make_transport(transport, settings)
        routes[channel] = transports[transport]
    if webhook_config is not None and getattr(webhook_config, "active", False):
        pushed = WebhookChannel(WebhookSettings(webhook_config.url, webhook_config.secret))
        for channel in webhook_config.channels or CHANNELS:
            routes[channel] = pushed
    return ChannelRegistry(routes)


def make_transport(transport: str, settings: ChannelSettings) -> Channel:
    """One transport from its settings."""
    if transport == "file":
        return FileChannel(settings.file_path)
    if transport == "smtp":
        if settings.smtp is None:
            raise ValueError("a channel is routed to `smtp` but `PARLEY_SMTP_HOST` is not set")
        return SmtpChannel(settings.smtp)
    if settings.webhook is None:
        raise ValueError("a channel is routed to `webhook` but `PARLEY_WEBHOOK_URL` is not set")
    return WebhookChannel(settings.webhook)
