"""Step definitions for tests/features/fa_screening.feature: a `screen financial_assistance` step
under the shipped nonprofit hospital strategy becomes a hand-off to the financial counselors.

Each scenario runs the service's decide (`runtime.service.decide.decide_and_reserve`) on a fresh,
migrated SQLite file; events are recorded as `POST /v1/events` records them
(`runtime.store.events.record_event`), and the hand-offs are read back from the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from db_fixtures import SEED_PATIENT, guard_rules, migrated_sqlite, plan_of, seed_account
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import Engine
from sqlmodel import col, select

from runtime.db.database import read_session, transaction
from runtime.db.tables import AccountRow, EventRow, HandoffRow
from runtime.service.decide import decide_and_reserve
from runtime.store.accounts import upsert_patient
from runtime.store.events import record_event
from runtime.store.handoffs_screening import SCREENING_QUEUE, SCREENING_REASON

HOUSTON = ZoneInfo("America/Chicago")
STRATEGY = Path(__file__).resolve().parent.parent / "strategies" / "nonprofit_hospital_self_pay.parley"
PLAN = plan_of(STRATEGY.read_text())
OUTCOMES = ("fa_screening", "fa_application", "fa_decision")  # what only a person may record

scenarios("fa_screening.feature")


def local(text: str) -> dt.datetime:
    """`2026-03-02 10:00` at the patient's, as an aware instant."""
    return dt.datetime.fromisoformat(text.strip()).replace(tzinfo=HOUSTON)


@pytest.fixture(name="engine")
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A freshly migrated SQLite file (pytest-bdd's steps cannot take a parametrised fixture)."""
    with migrated_sqlite(tmp_path) as engine:
        yield engine


def post(engine: Engine, payload: dict[str, Any], key: str) -> None:
    """Record an event as the API does."""
    with transaction(engine) as session:
        record_event(session, "A1", payload, key, dt.datetime.fromisoformat(payload["at"]))


def screenings(engine: Engine) -> list[HandoffRow]:
    """The counselors' screening hand-offs, oldest first."""
    with read_session(engine) as session:
        query = select(HandoffRow).where(
            HandoffRow.queue == SCREENING_QUEUE, col(HandoffRow.reason).startswith(SCREENING_REASON)
        )
        return list(session.exec(query.order_by(col(HandoffRow.id))).all())


# ---------------------------------------------------------------- given


@given(parsers.parse('the nonprofit hospital\'s strategy and a patient in Houston placed on "{day}"'))
def hospital_account(engine: Engine, day: str) -> None:
    with transaction(engine) as session:
        upsert_patient(session, "P1", {**SEED_PATIENT, "timezone": "America/Chicago"}, local(f"{day} 08:00"))
        seed_account(
            session,
            strategy_name=PLAN.strategy.name,
            placed_on=day,
            jurisdiction="US-TX",
            facts={"balance": "820.00", "original_balance": "820.00", "days_since_first_statement": 3},
            now=local(f"{day} 08:00"),
        )


@given(parsers.parse('the strategy decided at "{at}"'))
def decided_before(engine: Engine, at: str) -> None:
    decides(engine, at)


@given(parsers.parse('the patient replied "{text}" at "{at}"'))
def replied(engine: Engine, text: str, at: str) -> None:
    post(engine, {"type": "reply", "at": local(at).isoformat(), "text": text}, f"reply-{at}")


@given(parsers.parse('a counselor recorded an "{kind}" event at "{at}"'))
def counselor_recorded(engine: Engine, kind: str, at: str) -> None:
    post(engine, {"type": kind, "at": local(at).isoformat()}, f"{kind}-{at}")


# ---------------------------------------------------------------- when


@when(parsers.parse('the strategy decides at "{at}"'))
def decides(engine: Engine, at: str) -> None:
    decide_and_reserve(engine, "A1", local(at), {PLAN.strategy.name: PLAN}, guard_rules())


# ---------------------------------------------------------------- then


@then(
    parsers.re(
        r"the financial counselors' queue holds (?P<count>\d+) screening hand-offs?, "
        r'the newest at "(?P<priority>\w+)" priority'
    )
)
def queue_holds(engine: Engine, count: str, priority: str) -> None:
    rows = screenings(engine)
    assert len(rows) == int(count), [r.reason for r in rows]
    assert rows[-1].priority == priority and rows[-1].status == "open"


@then(parsers.parse('the hand-off says "{words}"'))
def handoff_says(engine: Engine, words: str) -> None:
    assert screenings(engine)[-1].reason.startswith(words)


@then("Parley recorded no screening outcome and no eligibility for the patient")
def no_eligibility(engine: Engine) -> None:
    with read_session(engine) as session:
        outcomes = session.exec(select(EventRow).where(col(EventRow.type).in_(OUTCOMES))).all()
        account = session.get(AccountRow, "A1")
    assert outcomes == [] and account is not None
    assert "fa_application_pending" not in account.facts
