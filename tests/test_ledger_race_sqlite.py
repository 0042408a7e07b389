"""The same race as tests/test_ledger_race_pg.py, small, on SQLite: BEGIN IMMEDIATE makes every
decision the only writer of the database file, so concurrent processes never break a cap."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_ledger_race_pg import STEP, run_race

PROCESSES, CALLS = 4, 100


@pytest.mark.slow
def test_no_cap_is_broken_by_concurrent_deciders_on_sqlite(tmp_path: Path) -> None:
    figures = run_race(f"sqlite:///{tmp_path / 'race.db'}", PROCESSES, CALLS)
    assert figures["exit_codes"] == [0] * PROCESSES
    assert figures["violations"] == []
    assert figures["DecisionRow"] == PROCESSES * CALLS and figures["audit_ok"]
    assert figures["ContactRow"] == figures["contacts"] == figures["OutboxRow"]
    days = CALLS * STEP.total_seconds() / 86_400
    assert figures["contacts"] > 50 * days / 2
