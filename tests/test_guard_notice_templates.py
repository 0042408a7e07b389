"""A notice Parley sent counts for the guard: the ledger keeps each reserved contact's template, and a
template the checker reads as a notice (`hospital_eca_notice` is an `eca_notice`) is one for the guard
too. 26 CFR 1.501(r)-6(c)(4)(i): no extraordinary collection action until 30 days after the notice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from db_fixtures import *  # noqa: F403  (pytest finds the fixtures database_url and db_engine here)
from db_fixtures import T0, seed_account
from sqlalchemy.engine import Engine
from test_api_fixtures import ROOT

from engine.decide import Proposal
from engine.guard import compile_rules, judge, parse_case
from runtime.db.database import transaction
from runtime.db.tables import ContactRow
from runtime.files import load_policies
from runtime.store.accounts import load_account
from runtime.store.ledger import reserve

RULES = compile_rules(load_policies(ROOT / "policies")[0])


def case(history: list[dict[str, Any]]) -> Any:
    """A nonprofit hospital's patient, screened and past 120 days, asked about an ECA on June 1, 2026."""
    return parse_case(
        {
            "now": "2026-06-01T10:00:00",
            "jurisdiction": "US-PA",
            "organization": "nonprofit_hospital",
            "patient": {"timezones": ["America/New_York"]},
            "debts": [{"id": "D1", "kind": "medical", "balance": "900.00", "first_statement": "2025-12-01"}],
            "history": history,
            "events": [{"at": "2026-01-10T10:00:00", "type": "fa_screening"}],
            "proposed": {"at": "2026-06-01T10:00:00", "channel": "eca", "debts": ["D1"]},
        }
    )


def letter(day: str, template: str | None) -> dict[str, Any]:
    row: dict[str, Any] = {"at": f"{day}T10:00:00", "channel": "letter", "debts": ["D1"]}
    return row if template is None else {**row, "template": template}


@pytest.mark.parametrize(
    ("history", "held"),
    [
        ([letter("2026-04-20", "hospital_eca_notice")], False),  # 42 days before: the notice counts
        ([letter("2026-04-20", "eca_notice")], False),
        ([letter("2026-05-20", "hospital_eca_notice")], True),  # 12 days: too soon
        ([letter("2026-04-20", None)], True),  # a letter whose template the ledger lost
        ([letter("2026-04-20", "hospital_statement")], True),
    ],
)
def test_an_eca_waits_30_days_after_the_notice_the_ledger_shows(history: list, held: bool) -> None:
    refused = {v.rule for v in judge(case(history), RULES).violations}
    assert ("IRS501R-ECA-30DAY" in refused) is held, refused


@pytest.mark.parametrize(
    ("status", "template"), [("reserved", None), ("delivered", "hospital_eca_notice"), ("failed", None)]
)
def test_the_guards_ledger_shows_a_notice_once_it_went_out(
    db_engine: Engine, status: str, template: str | None
) -> None:
    """A contact's template reaches the guard once its message went out: not while it waits, not if it failed."""
    with transaction(db_engine) as session:
        seed_account(session)
        notice = Proposal("ECA notice", "send", "letter", "hospital_eca_notice", T0)
        [reserved] = reserve(session, "A1", None, [notice], ("D1",), T0)
        row = session.get(ContactRow, reserved.id)
        assert row is not None and row.template == "hospital_eca_notice"
        row.status = status
    with transaction(db_engine) as session:
        _, ledger = load_account(session, "A1", T0 + dt.timedelta(days=1))
    assert [row.get("template") for row in ledger.history] == [template]
