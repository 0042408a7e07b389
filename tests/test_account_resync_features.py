"""Step definitions for tests/features/account_resync.feature: a re-sent account keeps the states
the patient's own notices set (a dispute, a cease), and cannot clear them; a compliance officer's
correction (`runtime.store.corrections`) can, and leaves its trail.

Each scenario runs on a fresh, migrated SQLite file through the stores the API calls
(`upsert_patient`, `upsert_account`, `record_event`) and the service's decide.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from db_fixtures import guard_rules, migrated_sqlite, plan_of
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import Engine

from runtime.db.database import read_session, transaction
from runtime.db.tables import AccountRow
from runtime.service.decide import DecisionOut, decide_and_reserve
from runtime.store import audit
from runtime.store.accounts import upsert_account, upsert_patient
from runtime.store.corrections import record_correction
from runtime.store.events import record_event
from runtime.store.problems import StoreProblem

CHICAGO = ZoneInfo("America/Chicago")
STRATEGY = Path(__file__).resolve().parent.parent / "strategies" / "hardship_first.parley"
PLAN = plan_of(STRATEGY.read_text())
PATIENT = {
    "timezone": "America/Chicago",
    "language": "en",
    "designations": {"consent": {"sms": True, "email": True}},
    "contact_points": [
        {"id": "cell", "kind": "mobile", "number": "+13125550100"},
        {"id": "mail", "kind": "email", "address": "ana@example.test"},
        {"id": "post", "kind": "address", "address": "1 Lake St, Chicago, IL 60601"},
    ],
}

scenarios("account_resync.feature")


def local(text: str) -> dt.datetime:
    """`2026-03-18 10:00` at the patient's, as an aware instant."""
    return dt.datetime.fromisoformat(text.strip()).replace(tzinfo=CHICAGO)


def account_body(placed_on: str, balance: str, **facts: Any) -> dict[str, Any]:
    """The billing system's usual body: balances and ages, no word of disputes or cease notices."""
    return {
        "patient_id": "P1",
        "strategy_name": PLAN.strategy.name,
        "organization": "provider",
        "jurisdiction": "US-IL",
        "placed_on": placed_on,
        "facts": {"balance": balance, "original_balance": "450.00", "days_past_due": 45, **facts},
        "debts": [{"id": "D1", "kind": "medical", "balance": balance, "initial_balance": "450.00"}],
    }


@pytest.fixture(name="engine")
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A freshly migrated SQLite file (pytest-bdd's steps cannot take a parametrised fixture)."""
    with migrated_sqlite(tmp_path) as engine:
        yield engine


@pytest.fixture(name="seen")
def seen_fixture() -> dict[str, Any]:
    """What a scenario's steps hand on: the placement day, the decision, the refusal."""
    return {}


# ---------------------------------------------------------------- given


@given(parsers.parse('the hardship strategy and a patient in Chicago placed on "{day}"'))
def placed(engine: Engine, seen: dict[str, Any], day: str) -> None:
    seen["day"] = day
    with transaction(engine) as session:
        upsert_patient(session, "P1", PATIENT, local(f"{day} 08:00"))
        upsert_account(session, "A1", account_body(day, "450.00"), local(f"{day} 08:00"))


def post(engine: Engine, kind: str, at: str, **fields: Any) -> None:
    """Record an event as `POST /v1/events` does."""
    with transaction(engine) as session:
        record_event(session, "A1", {"type": kind, "at": local(at).isoformat(), **fields}, f"{kind}-{at}", local(at))


@given(parsers.parse('the patient disputed the debt at "{at}"'))
def disputed(engine: Engine, at: str) -> None:
    post(engine, "dispute", at, debt="D1")


@given(parsers.parse('the patient sent a cease notice at "{at}"'))
def ceased(engine: Engine, at: str) -> None:
    post(engine, "cease", at)


@given(parsers.parse('the billing system re-sent the account with a balance of "{balance}" and no word of the dispute'))
@when(parsers.parse('the billing system re-sent the account with a balance of "{balance}" and no word of the dispute'))
def resent(engine: Engine, seen: dict[str, Any], balance: str) -> None:
    with transaction(engine) as session:
        upsert_account(session, "A1", account_body(seen["day"], balance), local(f"{seen['day']} 09:00"), "billing")


# ---------------------------------------------------------------- when


@when(parsers.parse('the strategy decides at "{at}"'))
def decides(engine: Engine, seen: dict[str, Any], at: str) -> None:
    seen["decision"] = decide_and_reserve(engine, "A1", local(at), {PLAN.strategy.name: PLAN}, guard_rules())


@when(parsers.parse('the billing system re-sends the account with "{fact}" set to false'))
def resends_lifting(engine: Engine, seen: dict[str, Any], fact: str) -> None:
    body = account_body(seen["day"], "230.00", **{fact: False})
    with pytest.raises(StoreProblem) as refused, transaction(engine) as session:
        upsert_account(session, "A1", body, local(f"{seen['day']} 09:00"), "billing")
    seen["refused"] = refused.value


@when(parsers.parse('compliance officer "{officer}" corrects "{fact}" to false at "{at}" because "{reason}"'))
def corrects(engine: Engine, seen: dict[str, Any], officer: str, fact: str, at: str, reason: str) -> None:
    seen["reason"] = reason
    with transaction(engine) as session:
        record_correction(session, "A1", {"fact": fact, "value": False, "reason": reason}, local(at), officer)


# ---------------------------------------------------------------- then


@then("the account is still disputed")
def still_disputed(engine: Engine) -> None:
    with read_session(engine) as session:
        row = session.get(AccountRow, "A1")
    assert row is not None and row.facts.get("disputed") is True, row and row.facts


@then(parsers.parse('nothing is sent and the strategy stops because "{reason}"'))
def stopped(seen: dict[str, Any], reason: str) -> None:
    decision: DecisionOut = seen["decision"]
    assert not [p for p in decision.proposals if p.get("contact_id")], decision.proposals
    assert reason in decision.outcome, decision.outcome


@then(parsers.parse('the account\'s audit trail shows the dispute and the re-send that kept "{fact}"'))
def audited(engine: Engine, fact: str) -> None:
    with read_session(engine) as session:
        rows = audit.rows(session, subject="account:A1")
    events = [r.payload for r in rows if r.action == "event.record"]
    resends = [r.payload for r in rows if r.action == "account.upsert" and r.actor == "billing"]
    assert events and events[0]["type"] == "dispute" and events[0]["sets"] == {fact: True}
    assert resends and resends[-1]["kept"] == [fact]


@then(parsers.parse('the re-send is refused, naming "{field}" and the `{event}` event that answers a dispute'))
def refused(seen: dict[str, Any], field: str, event: str) -> None:
    problem: StoreProblem = seen["refused"]
    assert (problem.status, problem.field) == (409, field) and f"`{event}`" in problem.message, problem


@then(parsers.parse('the account no longer has "{fact}"'))
def lifted(engine: Engine, fact: str) -> None:
    with read_session(engine) as session:
        row = session.get(AccountRow, "A1")
    assert row is not None and row.facts.get(fact) is False, row and row.facts


@then("the strategy sends an email")
def sends_email(seen: dict[str, Any]) -> None:
    decision: DecisionOut = seen["decision"]
    assert [p["channel"] for p in decision.proposals if p.get("contact_id")] == ["email"], decision.proposals


CORRECTED = 'the account\'s audit trail shows "{officer}" corrected "{fact}" from true to false'


@then(parsers.parse(CORRECTED + ", without the reason's words"))
def correction_audited(engine: Engine, seen: dict[str, Any], officer: str, fact: str) -> None:
    with read_session(engine) as session:
        rows = audit.rows(session, subject="account:A1")
        report = audit.verify(session)
    corrections = [r for r in rows if r.action == "account.correct"]
    assert len(corrections) == 1 and corrections[0].actor == officer
    entry = corrections[0].payload
    assert (entry["fact"], entry["from"], entry["to"]) == (fact, True, False)
    assert entry["reason_chars"] == len(seen["reason"])
    trail = str([r.payload for r in rows])
    assert not [word for word in ("Ana", "Lake", "ticket", "mistake") if word in seen["reason"] and word in trail]
    assert report.ok, report
