"""The file channel (JSON lines, deduped by key across processes) and the registry built from settings."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from runtime.channels import (
    ChannelSettings,
    FileChannel,
    Outbound,
    SmtpChannel,
    WebhookChannel,
    build_registry,
)
from runtime.channels.file import read_messages
from runtime.channels.registry import parse_routes
from runtime.render import RenderedMessage


def outbound(number: int) -> Outbound:
    message = RenderedMessage("t", "en", "letter", f"letter {number}")
    return Outbound(number, number, "acct-1", "letter", message, "1 Main St")


def test_each_key_is_written_once(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    channel = FileChannel(path)
    receipts = [channel.deliver(outbound(n), f"contact-{n}") for n in (1, 2, 1)]
    assert [r.duplicate for r in receipts] == [False, False, True]
    assert [m["idempotency_key"] for m in read_messages(path)] == ["contact-1", "contact-2"]


def test_a_new_process_knows_the_keys_already_written(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    FileChannel(path).deliver(outbound(1), "contact-1")
    assert FileChannel(path).deliver(outbound(1), "contact-1").duplicate
    assert len(list(read_messages(path))) == 1


def test_a_torn_line_is_ended_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    FileChannel(path).deliver(outbound(1), "contact-1")
    with path.open("ab") as handle:
        handle.write(b'{"idempotency_key": "contact-2", "mess')  # a crash mid-write
    assert not FileChannel(path).deliver(outbound(2), "contact-2").duplicate
    assert [m["idempotency_key"] for m in read_messages(path)] == ["contact-1", "contact-2"]
    assert all(json.loads(line) for line in path.read_text().splitlines()[2:])


def test_a_whole_line_without_its_newline_counts(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text(json.dumps({"idempotency_key": "contact-1"}))
    assert FileChannel(path).deliver(outbound(1), "contact-1").duplicate
    assert len(list(read_messages(path))) == 1


def write_many(path: str, start: int) -> None:
    channel = FileChannel(path)
    for number in range(start, start + 40):
        channel.deliver(outbound(number % 50), f"contact-{number % 50}")


def test_processes_sharing_the_file_write_each_key_once(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    workers = [multiprocessing.Process(target=write_many, args=(str(path), start)) for start in (0, 10, 20, 30)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    keys = [m["idempotency_key"] for m in read_messages(path)]
    assert len(keys) == len(set(keys)) == 50


def test_routes_from_the_environment(tmp_path: Path) -> None:
    env = {
        "PARLEY_CHANNEL_ROUTES": "email=smtp, sms=webhook, letter=file, call=pull",
        "PARLEY_SMTP_HOST": "mail.example",
        "PARLEY_SMTP_PORT": "2525",
        "PARLEY_WEBHOOK_URL": "https://gateway.example/hook",
        "PARLEY_WEBHOOK_SECRET": "s",
        "PARLEY_OUTBOX_FILE": str(tmp_path / "letters.jsonl"),
    }
    registry = build_registry(ChannelSettings.from_env(env))
    assert registry.pushed == ("email", "letter", "sms")
    assert isinstance(registry.channel_for("email"), SmtpChannel)
    assert isinstance(registry.channel_for("sms"), WebhookChannel)
    assert isinstance(registry.channel_for("letter"), FileChannel)
    assert registry.channel_for("call") is None


def test_by_default_nothing_is_pushed() -> None:
    assert build_registry(ChannelSettings.from_env({})).pushed == ()
    assert build_registry(ChannelSettings()).pushed == ()


def test_a_star_routes_every_channel() -> None:
    registry = build_registry(ChannelSettings.from_env({"PARLEY_CHANNEL_ROUTES": "*=file,call=pull"}))
    assert set(registry.pushed) == {"sms", "email", "letter", "chat", "voicemail"}
    assert len({id(registry.channel_for(c)) for c in registry.pushed}) == 1


class Config:
    """Stands in for a `WebhookConfig` row."""

    url = "https://portal.example/hook"
    secret = "s"
    active = True
    channels = ("sms",)


def test_the_apis_webhook_takes_over_its_channels() -> None:
    registry = build_registry(ChannelSettings.from_env({"PARLEY_CHANNEL_ROUTES": "*=file"}), Config())
    sms = registry.channel_for("sms")
    assert isinstance(sms, WebhookChannel) and sms.settings.url == Config.url
    assert isinstance(registry.channel_for("email"), FileChannel)


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"PARLEY_CHANNEL_ROUTES": "fax=file"}, "`fax=file` is not `CHANNEL=TRANSPORT`"),
        ({"PARLEY_CHANNEL_ROUTES": "sms=pigeon"}, "`pigeon` is not one of"),
        ({"PARLEY_CHANNEL_ROUTES": "email=smtp"}, "`PARLEY_SMTP_HOST` is not set"),
        ({"PARLEY_CHANNEL_ROUTES": "sms=webhook"}, "`PARLEY_WEBHOOK_URL` is not set"),
        ({"PARLEY_WEBHOOK_URL": "https://x.example"}, "`PARLEY_WEBHOOK_SECRET` is needed"),
        ({"PARLEY_SMTP_HOST": "h", "PARLEY_SMTP_PORT": "twenty"}, "`PARLEY_SMTP_PORT` must be a whole number"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        build_registry(ChannelSettings.from_env(env))


def test_pull_only_leaves_nothing_routed() -> None:
    assert parse_routes("sms=pull,email=pull") == {}
