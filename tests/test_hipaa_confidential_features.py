"""Step definitions for tests/features/hipaa_confidential_address.feature: a patient's alternative
address (45 CFR 164.522(b)) is where the dental clinic's statement goes.

Each scenario stores the patient as `PUT /v1/patients` does (`runtime.store.accounts.upsert_patient`)
and runs the service's decide (`runtime.service.decide.decide_and_reserve`) on a fresh, migrated
SQLite file; the queued messages are read back from the outbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from db_fixtures import guard_rules, migrated_sqlite, plan_of, seed_account
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import Engine
from sqlmodel import col, select

from runtime.db.database import read_session, transaction
from runtime.db.tables import OutboxRow
from runtime.service.decide import DecisionOut, decide_and_reserve
from runtime.store.accounts import upsert_patient

EL_PASO = ZoneInfo("America/Denver")  # El Paso keeps Mountain time
STRATEGY = Path(__file__).resolve().parent.parent / "strategies" / "dental_small_balances.parley"
PLAN = plan_of(STRATEGY.read_text())
PLACED = "2026-03-02"

scenarios("hipaa_confidential_address.feature")


def local(text: str) -> dt.datetime:
    """`2026-03-02 11:00` at the patient's, as an aware instant."""
    return dt.datetime.fromisoformat(text.strip()).replace(tzinfo=EL_PASO)


@pytest.fixture(name="engine")
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A freshly migrated SQLite file (pytest-bdd's steps cannot take a parametrised fixture)."""
    with migrated_sqlite(tmp_path) as engine:
        yield engine


@pytest.fixture(name="patient")
def patient_fixture() -> dict[str, Any]:
    """The patient as the scenario builds her."""
    return {"timezone": "America/Denver", "contact_points": [], "confidential_communication": {}}


@pytest.fixture(name="outcome")
def outcome_fixture() -> dict[str, DecisionOut]:
    """The decision the scenario made."""
    return {}


def queued(engine: Engine) -> list[tuple[str, str]]:
    """Each queued message's channel and recipient."""
    with read_session(engine) as session:
        rows = session.exec(select(OutboxRow).order_by(col(OutboxRow.id))).all()
        return [(r.message["channel"], r.message["to"]) for r in rows]


# ---------------------------------------------------------------- given


@given(parsers.re(r"(the patient's|her) home address \"(?P<text>[^\"]+)\" is on file as \"(?P<point>\w+)\""))
@given(parsers.re(r"(the patient's|her) P\.O\. box \"(?P<text>[^\"]+)\" is on file as \"(?P<point>\w+)\""))
def address_on_file(patient: dict[str, Any], text: str, point: str) -> None:
    patient["contact_points"].append({"id": point, "kind": "address", "address": text})


@given(parsers.re(r"(the patient's|her) mobile number \"(?P<text>[^\"]+)\" is on file as \"(?P<point>\w+)\""))
def mobile_on_file(patient: dict[str, Any], text: str, point: str) -> None:
    patient["contact_points"].append({"id": point, "kind": "mobile", "number": text})


@given(parsers.parse('she asked to be reached only at "{point}"'))
def asked_for(patient: dict[str, Any], point: str) -> None:
    patient["confidential_communication"] = {"to": [point]}


# ---------------------------------------------------------------- when


@when(parsers.parse('the strategy decides at "{at}"'))
def decides(engine: Engine, patient: dict[str, Any], outcome: dict[str, DecisionOut], at: str) -> None:
    with transaction(engine) as session:
        upsert_patient(session, "P1", patient, local(f"{PLACED} 08:00"))
        seed_account(
            session,
            strategy_name=PLAN.strategy.name,
            placed_on=PLACED,
            jurisdiction="US-TX",
            organization="provider",
            facts={"balance": "120.00", "original_balance": "120.00", "days_past_due": 60},
            now=local(f"{PLACED} 08:00"),
        )
    outcome["decision"] = decide_and_reserve(engine, "A1", local(at), {PLAN.strategy.name: PLAN}, guard_rules())


# ---------------------------------------------------------------- then


@then(parsers.parse('the statement letter is queued to "{address}"'))
def letter_queued_to(engine: Engine, address: str) -> None:
    assert ("letter", address) in queued(engine), queued(engine)


@then(parsers.parse('nothing is queued to "{address}"'))
def nothing_queued_to(engine: Engine, address: str) -> None:
    assert address not in {to for _, to in queued(engine)}


@then("no letter is queued")
def no_letter(engine: Engine) -> None:
    assert [m for m in queued(engine) if m[0] == "letter"] == []


@then(parsers.parse('the guard refused the statement under "{rule}"'))
def refused_under(outcome: dict[str, DecisionOut], rule: str) -> None:
    steps = [s for s in outcome["decision"].trace["steps"] if s["name"] == "Statement"]
    rules = {v["rule"] for s in steps for r in s.get("guard", []) for v in r.get("violations", [])}
    assert rule in rules, steps
