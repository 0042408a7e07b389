"""A reserved contact waits in the outbox until its time, and is judged again when the patient acts first.

Under the shipped agency strategy, deciding at 08:00 New York time on Monday, March 16 reserves the
week's first call for 09:00 (its window opens then). Between the two, the patient may send a cease
notice or phone the agency's staff; the call must then not be handed to the dialer. Runs on SQLite
and, with PARLEY_TEST_DATABASE_URL, on PostgreSQL (the `api` fixture).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select
from test_api_fixtures import Api, api_fixture, database_url, folders_fixture  # noqa: F401
from test_external_contacts_api import ACCOUNT, PATIENT, call, deployed, loaded

from runtime.db.tables import ContactRow, OutboxRow
from runtime.outbox.store import lease

NEW_YORK = ZoneInfo("America/New_York")
EARLY = dt.datetime(2026, 3, 16, 8, 0, tzinfo=NEW_YORK)
CALL_TIME = dt.datetime(2026, 3, 16, 9, 0, tzinfo=NEW_YORK)


def reserved_call(api: Api) -> dict[str, Any]:
    """The agency strategy deployed, account A1 loaded and decided at 08:00: its reserved 09:00 call."""
    deployed(api)
    loaded(api)
    answer = api.call("outreach", "POST", "/v1/decide", json={"account_id": "A1", "now": EARLY.isoformat()})
    assert answer.status_code == 200, answer.text
    calls = [p for p in answer.json()["proposals"] if p["channel"] == "call" and p.get("outbox_id")]
    assert len(calls) == 1 and dt.datetime.fromisoformat(calls[0]["at"]) == CALL_TIME, answer.json()["proposals"]
    return calls[0]


def event(api: Api, kind: str, at: dt.datetime, key: str, fields: dict[str, Any] | None = None) -> None:
    body = {"account_id": "A1", "idempotency_key": key, "type": kind, "at": at.isoformat(), **(fields or {})}
    answer = api.call("outreach", "POST", "/v1/events", json=body)
    assert answer.status_code == 201, answer.text


def leased_ids(api: Api, now: dt.datetime) -> set[int]:
    return {int(row.id or 0) for row in lease(api.state.engine, "dialer", limit=50, now=now)}


def cancellations(api: Api) -> list[dict[str, Any]]:
    rows = api.call("auditor", "GET", "/v1/audit?action=contacts.cancel").json()
    return [c for row in rows for c in row["payload"]["cancelled"]]


def test_a_message_is_not_leased_before_its_contacts_time(api: Api) -> None:
    planned = reserved_call(api)
    assert planned["outbox_id"] not in leased_ids(api, CALL_TIME - dt.timedelta(minutes=1))
    assert planned["outbox_id"] in leased_ids(api, CALL_TIME)


@pytest.mark.parametrize(
    ("kind", "fields", "rule"),
    [
        ("cease", {}, "REGF-CEASE"),
        ("attorney_representation", {}, "REGF-ATTORNEY"),
        ("consent_revoked", {"channel": "call", "kind": "autodialed_calls"}, "TCPA-CONSENT-CELL"),
    ],
)
def test_a_waiting_call_is_cancelled_when_the_patient_acts_first(
    api: Api, kind: str, fields: dict[str, Any], rule: str
) -> None:
    planned = reserved_call(api)
    event(api, kind, EARLY + dt.timedelta(minutes=30), "e-1", fields)
    assert planned["outbox_id"] not in leased_ids(api, CALL_TIME)
    [cancelled] = cancellations(api)
    assert cancelled["contact"] == planned["contact_id"] and cancelled["channel"] == "call"
    assert any(r.startswith(rule) for r in cancelled["rules"]), cancelled["rules"]
    with Session(api.state.engine) as session:
        dead = session.exec(select(OutboxRow).where(OutboxRow.status == "dead")).all()
        contact = session.get(ContactRow, planned["contact_id"])
        assert [(d.id, "guard now refuses" in str(d.last_error)) for d in dead] == [(planned["outbox_id"], True)]
        assert contact is not None and contact.status == "cancelled"  # it no longer counts toward a cap
    assert api.call("auditor", "GET", "/v1/audit/verify").json()["ok"] is True


def test_a_conversation_recorded_before_the_call_cancels_it(api: Api) -> None:
    planned = reserved_call(api)
    answer = api.call(
        "outreach",
        "POST",
        "/v1/accounts/A1/contacts",
        json={"contacts": [call(16, "desk-1", hour=8, direction="inbound", outcome="conversation")]},
    )
    assert answer.status_code == 201, answer.text
    assert [c["rules"] for c in cancellations(api)] == [["REGF-FREQ-POSTCONV-7D"]]
    assert planned["outbox_id"] not in leased_ids(api, CALL_TIME)


def test_an_event_that_changes_nothing_the_guard_reads_leaves_the_call_waiting(api: Api) -> None:
    planned = reserved_call(api)
    event(api, "delivery_receipt", EARLY + dt.timedelta(minutes=30), "e-1", {"channel": "email"})
    assert cancellations(api) == []
    assert planned["outbox_id"] in leased_ids(api, CALL_TIME)


def test_a_repeated_event_is_not_judged_again(api: Api) -> None:
    reserved_call(api)
    event(api, "cease", EARLY + dt.timedelta(minutes=30), "e-1")
    again = {
        "account_id": "A1",
        "idempotency_key": "e-1",
        "type": "cease",
        "at": (EARLY + dt.timedelta(minutes=30)).isoformat(),
    }
    assert api.call("outreach", "POST", "/v1/events", json=again).status_code == 200
    assert len(cancellations(api)) == 1


def test_a_message_whose_lease_ran_out_is_judged_again_and_one_in_flight_is_not(api: Api) -> None:
    """A worker that crashed leaves its lease to run out: the message is waiting again, so it is judged."""
    planned = reserved_call(api)
    assert planned["outbox_id"] in leased_ids(api, CALL_TIME)  # leased in March for a minute: long run out
    event(api, "cease", CALL_TIME + dt.timedelta(minutes=1), "e-1")
    assert [c["contact"] for c in cancellations(api)] == [planned["contact_id"]]


def test_a_message_held_under_a_live_lease_is_left_to_its_holder(api: Api) -> None:
    planned = reserved_call(api)
    assert planned["outbox_id"] in leased_ids(api, dt.datetime.now(dt.UTC))  # a lease that runs for a minute yet
    event(api, "cease", CALL_TIME + dt.timedelta(minutes=1), "e-1")
    assert cancellations(api) == []


def test_an_account_update_that_asserts_a_cease_cancels_the_waiting_call(api: Api) -> None:
    planned = reserved_call(api)
    ceased = {**ACCOUNT, "facts": {**ACCOUNT["facts"], "cease_requested": True}}
    assert api.call("outreach", "PUT", "/v1/accounts/A1", json=ceased).status_code == 200
    assert [(c["contact"], "REGF-CEASE" in c["rules"]) for c in cancellations(api)] == [(planned["contact_id"], True)]


def test_a_patient_who_asks_for_letters_only_has_the_waiting_call_cancelled(api: Api) -> None:
    """HIPAA 45 CFR 164.522(b): a confidential-communication request holds from when it is received."""
    planned = reserved_call(api)
    letters_only = {**PATIENT, "confidential_communication": {"channels": ["letter"]}}
    answer = api.call("outreach", "PUT", "/v1/patients/P1", json=letters_only)
    assert answer.status_code == 200, answer.text
    assert [(c["contact"], c["rules"]) for c in cancellations(api)] == [(planned["contact_id"], ["HIPAA-CONF-COMM"])]


def test_an_account_update_that_changes_nothing_the_guard_reads_leaves_the_call(api: Api) -> None:
    reserved_call(api)
    assert api.call("outreach", "PUT", "/v1/accounts/A1", json=ACCOUNT).status_code == 200
    assert cancellations(api) == []
