"""`make run`'s demo: the examples deployed through the API, a synthetic day decided, a summary printed."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_demo_deploys_the_examples_and_decides_a_day(tmp_path: Path) -> None:
    for folder in ("strategies", "policies", "templates"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    command = [sys.executable, "-m", "runtime.demo_service", "--no-serve", "--size", "80", "--port", str(free_port())]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "docs: http://127.0.0.1:" in out and "/docs" in out
    assert len(re.findall(r"pk_[0-9a-f]{16}_\S+", out)) == 5
    assert re.search(r"Strategies deployed \(7\)", out)
    decisions = int(re.search(r"decisions made\s+(\d+)", out).group(1))
    assert decisions > 0
    assert "hash chain intact" in out
    assert (tmp_path / "var" / "parley-demo.db").exists()
