"""Patients and accounts: upserts refuse bad input naming the field and store nothing; a stored account
loads as the engine and the guard read it (facts typed, designations, time zones, events, contacts).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from db_fixtures import *  # noqa: F403  (pytest finds the fixtures database_url and db_engine here)
from db_fixtures import T0, seed_account
from sqlalchemy import Engine

from engine.account import Progress
from runtime.db.database import read_session, transaction
from runtime.db.tables import AccountRow, ContactRow, Patient
from runtime.store.accounts import advance_progress, load_account, progress_json, upsert_account, upsert_patient
from runtime.store.problems import StoreProblem

PATIENT = {
    "timezone": "America/New_York",
    "language": "es",
    "extra_timezones": ["America/Chicago"],
    "confidential_communication": {"channels": ["email"]},
    "contact_points": [{"id": "m1", "kind": "mobile", "place": "home"}],
    "designations": {"inconvenient_times": [{"between": "12:00-13:00"}], "consent": {"esign": True}},
}
ACCOUNT = {
    "patient_id": "P1",
    "strategy_name": "Eager",
    "placed_on": "2026-03-01",
    "organization": "agency",
    "jurisdiction": "US-PA",
    "facts": {"balance": "$1,250.50", "days_past_due": "200", "consent.sms": "yes", "best_time": "14:30"},
    "debts": [{"id": "D1", "kind": "medical", "balance": "1250.50"}],
    "variables": {"patient.first_name": "Ana"},
}


def test_a_stored_account_loads_as_the_engine_reads_it(db_engine: Engine) -> None:
    with transaction(db_engine) as session:
        upsert_patient(session, "P1", PATIENT, T0)
        upsert_account(session, "A1", ACCOUNT, T0)
        session.add(ContactRow(account_id="A1", source="s", action="call", channel="call", debts=["D1"], at=T0))
        session.add(
            ContactRow(
                account_id="A1", source="s", action="call", channel="call", debts=["D1"], at=T0, status="cancelled"
            )
        )
    with read_session(db_engine) as session:
        account, ledger = load_account(session, "A1", T0 + dt.timedelta(hours=1))
    assert account.facts["balance"] == Decimal("1250.50") and account.facts["days_past_due"] == 200
    assert account.facts["consent.sms"] is True and account.facts["best_time"] == 14 * 60 + 30
    assert account.facts["patient.language"] == "es" and account.facts["jurisdiction"] == "US-PA"
    assert account.timezone == "America/New_York" and account.debts == ("D1",)
    assert account.placed_on == dt.date(2026, 3, 1)
    assert ledger.organization == "agency"
    assert ledger.patient["timezones"] == ["America/New_York", "America/Chicago"]
    assert ledger.patient["confidential_communication"] == {"channels": ["email"]}
    assert ledger.patient["consent"] == {"esign": True}
    assert ledger.patient["contact_points"][0]["id"] == "m1"
    assert [h["channel"] for h in ledger.history] == ["call"]  # the cancelled one does not count


def test_an_upsert_replaces_details_and_keeps_progress(db_engine: Engine) -> None:
    with transaction(db_engine) as session:
        row = seed_account(session)
        row.progress = {"steps_acted": {"Morning call": 2}}
        session.add(row)
    with transaction(db_engine) as session:
        seed_account(session, facts={"balance": "10.00", "attorney_represented": True})
    with read_session(db_engine) as session:
        row = session.get(AccountRow, "A1")
        account, _ = load_account(session, "A1", T0)
    assert row is not None and row.progress == {"steps_acted": {"Morning call": 2}}
    assert account.facts["attorney_represented"] is True and account.facts["balance"] == Decimal("10.00")


BAD_PATIENTS = [
    (
        "inconvenient time",
        {"timezone": "UTC", "designations": {"inconvenient_times": [{"between": "noon"}]}},
        "designations.inconvenient_times[0].between",
    ),
    ("no time zone", {}, "timezone"),
    ("unknown zone", {"timezone": "Mars/Olympus"}, "timezone"),
    ("bad extra zone", {"timezone": "UTC", "extra_timezones": ["UTC", "Nowhere"]}, "extra_timezones[1]"),
    ("typo in a field", {"timezone": "UTC", "langauge": "es"}, "langauge"),
    ("designation typo", {"timezone": "UTC", "designations": {"consnet": {}}}, "designations.consnet"),
    (
        "contact point kind",
        {"timezone": "UTC", "contact_points": [{"id": "x", "kind": "pager"}]},
        "contact_points[0].kind",
    ),
    (
        "confidential channel",
        {"timezone": "UTC", "confidential_communication": {"channels": ["fax"]}},
        "confidential_communication.channels[0]",
    ),
]


@pytest.mark.parametrize(("what", "data", "field"), BAD_PATIENTS, ids=[c[0] for c in BAD_PATIENTS])
def test_a_bad_patient_names_the_field_and_stores_nothing(
    db_engine: Engine,
    what: str,
    data: dict,
    field: str,
) -> None:
    with pytest.raises(StoreProblem) as problem, transaction(db_engine) as session:
        upsert_patient(session, "P9", data, T0)
    assert problem.value.status == 422 and problem.value.field == field, problem.value
    with read_session(db_engine) as session:
        assert session.get(Patient, "P9") is None


BAD_ACCOUNTS = [
    ("unknown patient", {"patient_id": "P404"}, 404, "patient_id"),
    ("no strategy", {"strategy_name": None}, 422, "strategy_name"),
    ("bad date", {"placed_on": "yesterday"}, 422, "placed_on"),
    ("unknown fact", {"facts": {"balanse": 10}}, 422, "facts.balanse"),
    ("bad money", {"facts": {"balance": "lots"}}, 422, "facts.balance"),
    ("negative days", {"facts": {"days_past_due": -3}}, 422, "facts.days_past_due"),
    ("bad state", {"facts": {"disputed": "maybe"}}, 422, "facts.disputed"),
    ("debt without id", {"debts": [{"kind": "medical"}]}, 422, "debts[0].id"),
    ("two debts one id", {"debts": [{"id": "D1"}, {"id": "D1"}]}, 422, "debts[1].id"),
    ("debt balance", {"debts": [{"id": "D1", "balance": "lots"}]}, 422, "debts[0].balance"),
    ("debt date", {"debts": [{"id": "D1", "first_statement": "soon"}]}, 422, "debts[0].first_statement"),
    ("debts not a list", {"debts": {"id": "D1"}}, 422, "debts"),
    ("no jurisdiction", {"jurisdiction": None, "facts": {}}, 422, "jurisdiction"),
    ("typo in a field", {"organisation": "agency"}, 422, "organisation"),
]


@pytest.mark.parametrize(("what", "change", "status", "field"), BAD_ACCOUNTS, ids=[c[0] for c in BAD_ACCOUNTS])
def test_a_bad_account_names_the_field_and_stores_nothing(
    db_engine: Engine,
    what: str,
    change: dict,
    status: int,
    field: str,
) -> None:
    with transaction(db_engine) as session:
        upsert_patient(session, "P1", PATIENT, T0)
    with pytest.raises(StoreProblem) as problem, transaction(db_engine) as session:
        upsert_account(session, "A9", {**ACCOUNT, **change}, T0)
    assert (problem.value.status, problem.value.field) == (status, field), problem.value
    with read_session(db_engine) as session:
        assert session.get(AccountRow, "A9") is None


def test_an_account_cannot_move_to_another_patient(db_engine: Engine) -> None:
    with transaction(db_engine) as session:
        seed_account(session)
        upsert_patient(session, "P2", {"timezone": "UTC"}, T0)
    with pytest.raises(StoreProblem) as problem, transaction(db_engine) as session:
        seed_account(session, patient_id="P2")
    assert problem.value.status == 409


BEFORE = Progress({"S1": 1}, {"S1": 2}, frozenset({"on reply|ev-3"}), {"on reply": 1})
PROGRESS = [
    # (what acted, the progress after it)
    ([], progress_json(BEFORE)),
    (
        [("S1", None), ("S2", None)],
        {
            "steps_acted": {"S1": 2, "S2": 1},
            "last_acted_day": {"S1": 5, "S2": 5},
            "handled": ["on reply|ev-3"],
            "handler_counts": {"on reply": 1},
        },
    ),
    (
        [("on reply", "ev-7")],
        {
            "steps_acted": {"S1": 1},
            "last_acted_day": {"S1": 2},
            "handled": ["on reply|ev-3", "on reply|ev-7"],
            "handler_counts": {"on reply": 2},
        },
    ),
]


@pytest.mark.parametrize(("acted", "expected"), PROGRESS)
def test_progress_advances_by_what_acted(acted: list, expected: dict) -> None:
    assert progress_json(advance_progress(BEFORE, acted, 5)) == expected
