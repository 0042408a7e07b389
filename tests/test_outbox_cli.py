"""`parley outbox work` and `parley serve` on the command line: a new database is migrated, one that
cannot be used is named (without its password)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from runtime.cli import app


def test_one_pass_on_a_new_database_creates_its_tables(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PARLEY_CHANNEL_ROUTES", "*=file")
    monkeypatch.setenv("PARLEY_OUTBOX_FILE", str(tmp_path / "outbox.jsonl"))
    url = f"sqlite:///{tmp_path / 'parley.db'}"
    result = CliRunner().invoke(app, ["outbox", "work", "--once", "--database-url", url])
    assert result.exit_code == 0, result.output
    tables = set(sa.inspect(sa.create_engine(url)).get_table_names())
    assert {"outbox", "webhooks", "contacts"} <= tables


def test_a_limit_below_one_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["outbox", "work", "--once", "--limit", "0"])
    assert result.exit_code == 2


@pytest.mark.parametrize("command", [["outbox", "work", "--once"], ["serve"]])
@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("nonsense://x", "nonsense"),
        ("postgresql+psycopg://nobody:secret@127.0.0.1:1/x", "refused"),
    ],
)
def test_a_database_that_cannot_be_used_is_named_without_its_password(command: list[str], url: str, words: str) -> None:
    result = CliRunner().invoke(app, [*command, "--database-url", url])
    assert result.exit_code == 2, result.output
    assert "cannot use the database" in result.output and words in result.output
    assert "secret" not in result.output
