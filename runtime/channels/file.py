"""A file channel for development: each message is one JSON line appended to a file.

It is its own receiver, so it dedupes by idempotency key itself: under an exclusive lock (`flock`,
so several worker processes may share the file) it reads any lines written since it last looked,
and writes a message only when its key is new; a repeat gets a `Receipt` marked `duplicate`. Each
line is flushed and fsynced before the receipt, so a delivered message survives a crash. A line
torn by a crash mid-write is skipped when reading, and the next line starts on a fresh line.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from runtime.channels.base import DeliveryError, Outbound, Receipt


class FileChannel:
    """Appends messages as JSON lines to `path`, each key once."""

    name = "file"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.seen: set[str] = set()
        self.offset = 0  # how far this process has read the file

    def deliver(self, message: Outbound, idempotency_key: str) -> Receipt:
        """Append the message unless its key is in the file already."""
        line = json.dumps(message.to_json(idempotency_key), sort_keys=True, ensure_ascii=False) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a+b") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                handle.seek(0, os.SEEK_END)
                if handle.tell() > 0 and not self.ends_with_newline(handle):
                    handle.write(b"\n")  # a line torn by a crash: end it, so it is read (or skipped) whole
                self.catch_up(handle)
                if idempotency_key in self.seen:
                    return Receipt(self.name, idempotency_key, provider_id=idempotency_key, duplicate=True)
                handle.write(line.encode())
                handle.flush()
                os.fsync(handle.fileno())
                self.offset = handle.tell()
                self.seen.add(idempotency_key)
        except OSError as problem:
            raise DeliveryError(f"file: cannot write ({type(problem).__name__})") from None
        return Receipt(self.name, idempotency_key, provider_id=idempotency_key)

    def catch_up(self, handle: Any) -> None:
        """Read the keys of lines written since this process last looked (by any process)."""
        handle.seek(0, os.SEEK_END)
        end = handle.tell()
        if end < self.offset:  # the file was truncated or replaced: read it again
            self.offset, self.seen = 0, set()
        handle.seek(self.offset)
        chunk = handle.read(end - self.offset)
        complete = chunk.rfind(b"\n") + 1  # INVARIANT: the caller ended any torn line first
        for raw in chunk[:complete].splitlines():
            key = key_of(raw)
            if key is not None:
                self.seen.add(key)
        self.offset += complete

    @staticmethod
    def ends_with_newline(handle: Any) -> bool:
        """Whether the file's last byte is a newline."""
        handle.seek(-1, os.SEEK_END)
        last = handle.read(1)
        handle.seek(0, os.SEEK_END)
        return bool(last == b"\n")


def key_of(raw: bytes) -> str | None:
    """The idempotency key of one line, or None for a torn or foreign line."""
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    key = record.get("idempotency_key") if isinstance(record, dict) else None
    return key if isinstance(key, str) else None


def read_messages(path: Path | str) -> Iterator[dict[str, Any]]:
    """Every whole message in a file channel's file, in order (torn lines skipped)."""
    file = Path(path)
    if not file.exists():
        return
    with file.open("rb") as handle:
        for raw in handle:
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record
