"""`parley outbox work`: the worker on the command line migrates a new database and makes one pass."""

from __future__ import annotations

from pathlib import Path

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
