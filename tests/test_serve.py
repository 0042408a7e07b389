"""`parley serve`: migrates on start, prints the first key once, serves with one or more workers."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from runtime.api.bootstrap import BootstrapError, ensure_admin_key
from runtime.cli import app as cli
from runtime.db.database import make_engine
from runtime.db.migrate import upgrade
from runtime.store import keys

ROOT = Path(__file__).resolve().parent.parent
PARLEY = Path(sys.executable).parent / "parley"


def free_port() -> int:
    """A port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_up(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    """Wait until the health check answers (or the server died)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server stopped: {process.stdout.read() if process.stdout else ''}")
        try:
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("the server did not come up")


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_serve_migrates_prints_a_key_and_answers(tmp_path: Path, workers: int) -> None:
    port, database = free_port(), tmp_path / "serve.db"
    env = {k: v for k, v in os.environ.items() if k not in ("PARLEY_ADMIN_KEY", "PARLEY_DATABASE_URL")}
    command = [str(PARLEY), "serve", "--port", str(port), "--database-url", f"sqlite:///{database}"]
    command += ["--workers", str(workers)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_up(url, process)
        first = process.stdout.readline() + process.stdout.readline() if process.stdout else ""
        key = re.search(r"pk_[0-9a-f]+_\S+", first)
        assert key, first
        headers = {"Authorization": f"Bearer {key.group(0)}"}
        for _ in range(2 * workers):  # each worker answers with the same database
            assert httpx.get(f"{url}/v1/audit/verify", headers=headers, timeout=5).json()["ok"] is True
        assert httpx.get(f"{url}/openapi.json", timeout=5).json()["info"]["title"] == "Parley engine API"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    assert database.exists()


def test_serve_refuses_a_missing_policies_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["serve", "--database-url", f"sqlite:///{tmp_path / 'x.db'}", "--policies", str(tmp_path / "none")]
    )
    assert result.exit_code == 2
    assert "no policies folder" in result.output


def test_admin_key_from_the_environment_is_adopted_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    upgrade(url)
    engine = make_engine(url)
    given = "pk_0123456789abcdef_" + "s" * 40
    assert ensure_admin_key(engine, given) is None
    assert ensure_admin_key(engine, given) is None  # already stored: checked, not added again
    with pytest.raises(BootstrapError, match="secret differs"):
        ensure_admin_key(engine, "pk_0123456789abcdef_" + "t" * 40)
    with pytest.raises(BootstrapError, match="is not a key"):
        ensure_admin_key(engine, "hunter2")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM api_keys").scalar() == 1
    engine.dispose()


def test_a_first_key_is_drawn_only_when_there_is_none(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    upgrade(url)
    engine = make_engine(url)
    text = ensure_admin_key(engine, "")
    assert text is not None and keys.split_key(text) is not None
    assert ensure_admin_key(engine, "") is None
    engine.dispose()
