"""The batch run shows a `screen financial_assistance` with the counselors' queue it would go to.

`parley decide` touches no database, so it opens no hand-off; its output row for a `screen` names
the queue and priority the service would open one at (`runtime.store.handoffs_screening`), under
the shipped nonprofit hospital strategy: its day-0 step screens, and a reply showing hardship
screens again and hands the patient to the counselors at high priority.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from dsl import ast
from dsl.parser import parse
from engine.decide import decide
from engine.evaluators import build_plan
from runtime.portfolio import accounts_from_rows
from runtime.portfolio_out import decision_rows, write_decisions
from runtime.store.handoffs_screening import SCREENING_QUEUE

STRATEGY = Path(__file__).resolve().parent.parent / "strategies" / "nonprofit_hospital_self_pay.parley"
ACCOUNT = {
    "account_id": "H1",
    "placed_on": "2026-03-02",
    "timezone": "America/Chicago",
    "balance": "$820.00",
    "original_balance": "$820.00",
    "days_since_first_statement": "3",
}
HARDSHIP_REPLY = [{"id": "R1", "type": "reply", "at": "2026-03-06T09:00:00", "facts": {"intent.hardship": True}}]


def decided(now: str, **cells: Any) -> list[dict[str, Any]]:
    text = STRATEGY.read_text()
    program = parse(text, STRATEGY.name).program
    assert isinstance(program, ast.Strategy)
    plan = build_plan(program, text)
    book = accounts_from_rows([{**ACCOUNT, **cells}])
    assert book.errors == []
    decision = decide(plan, book.accounts[0].account, dt.datetime.fromisoformat(now))
    return decision_rows(decision, plan, "compiled")


CASES = [
    # the day-0 step: a screening at normal priority (the letter beside it is not a hand-off)
    ("2026-03-02T16:00:00+00:00", {}, [("screen", SCREENING_QUEUE, "normal"), ("send", None, None)]),
    # a hardship reply: the handler's screen takes the priority of its own counselor hand-off
    (
        "2026-03-06T16:00:00+00:00",
        {"account_events": json.dumps(HARDSHIP_REPLY)},
        [("screen", SCREENING_QUEUE, "high"), ("handoff", SCREENING_QUEUE, "high")],
    ),
]


@pytest.mark.parametrize(("now", "cells", "expected"), CASES, ids=["day 0 step", "hardship reply"])
def test_a_screen_row_names_the_counselors_queue_it_would_go_to(now: str, cells: dict, expected: list) -> None:
    rows = decided(now, **cells)
    seen = [(r["action"], r["details"].get("queue"), r["details"].get("priority")) for r in rows]
    assert seen == expected
    assert all(r["details"]["program"] == "financial_assistance" for r in rows if r["action"] == "screen")


def test_the_queue_survives_the_csv_file(tmp_path: Path) -> None:
    write_decisions(tmp_path / "out.csv", decided("2026-03-02T16:00:00+00:00"))
    first = (tmp_path / "out.csv").read_text().splitlines()[1]
    assert '""queue"": ""financial-counselors""' in first and first.split(",")[2] == "screen"
