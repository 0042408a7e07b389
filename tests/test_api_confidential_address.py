"""Through the API: a patient who asked for mail at a P.O. box (HIPAA confidential communications,
45 CFR 164.522(b)) gets the dental clinic's statement there, never at home, and never nothing.

Runs on SQLite and, with PARLEY_TEST_DATABASE_URL, on PostgreSQL (the `api` fixture).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select
from test_api_fixtures import ROOT, Api, api_fixture, database_url, folders_fixture  # noqa: F401

from runtime.db.tables import ContactRow, OutboxRow

DENTAL = (ROOT / "strategies" / "dental_small_balances.parley").read_text()
NAME = "Dental clinic small balances"
HOME = {"id": "a1", "kind": "address", "place": "home", "address": "12 Elm St, El Paso, TX 79901"}
PO_BOX = {"id": "a2", "kind": "address", "address": "PO Box 77, El Paso, TX 79902"}
ACCOUNT = {
    "patient_id": "P1",
    "strategy_name": NAME,
    "organization": "provider",
    "jurisdiction": "US-TX",
    "placed_on": "2026-03-02",
    "facts": {"balance": "120.00", "days_past_due": 60},
    "variables": {
        "patient.first_name": "Rosa",
        "provider.facility_name": "Sunrise Dental",
        "invoice.service_date": "2026-01-12",
        "account.reference": "R-7",
        "links.portal": "https://pay.example.org",
        "org.phone": "555-0100",
        "org.name": "Sunrise Dental",
    },
}
DAY_ZERO = "2026-03-02T11:00:00-06:00"  # the statement's day, Chicago time


def deployed(api: Api) -> None:
    """The dental strategy written, approved by a second person and deployed."""
    made = api.call("strategist", "POST", "/v1/strategies", json={"text": DENTAL})
    assert made.status_code == 201, made.text
    version = f"/v1/strategies/{NAME}/versions/{made.json()['version']['version']}"
    assert api.call("strategist", "POST", f"{version}/submit").status_code == 200
    assert api.call("compliance", "POST", f"{version}/approve").status_code == 200
    assert api.call("compliance2", "POST", f"{version}/deploy").status_code == 200


def decided(api: Api, points: list[dict[str, Any]], preferences: dict[str, Any]) -> dict[str, Any]:
    """Patient P1 with these points and preferences, account A1, decided on the statement's day."""
    patient = {"timezone": "America/Chicago", "contact_points": points, "confidential_communication": preferences}
    answer = api.call("outreach", "PUT", "/v1/patients/P1", json=patient)
    assert answer.status_code == 200, answer.text
    answer = api.call("outreach", "PUT", "/v1/accounts/A1", json=ACCOUNT)
    assert answer.status_code == 200, answer.text
    decision = api.call("outreach", "POST", "/v1/decide", json={"account_id": "A1", "now": DAY_ZERO})
    assert decision.status_code == 200, decision.text
    return decision.json()


@pytest.mark.parametrize(
    ("what", "points", "preferences", "to"),
    [
        ("the P.O. box the patient asked for", [HOME, PO_BOX], {"to": ["a2"]}, PO_BOX["address"]),
        ("the P.O. box listed first", [PO_BOX, HOME], {"to": ["a2"]}, PO_BOX["address"]),
        ("no request: the home address", [HOME, PO_BOX], {}, HOME["address"]),
    ],
)
def test_the_statement_is_queued_to_the_address_the_guard_judged(
    api: Api, what: str, points: list, preferences: dict, to: str
) -> None:
    deployed(api)
    body = decided(api, points, preferences)
    letters = [p for p in body["proposals"] if p["channel"] == "letter" and p.get("contact_id")]
    assert len(letters) == 1, (what, body["refused"], body["trace"])
    assert queued(api) == [("letter", to, "pending")], what
    with Session(api.state.engine) as session:  # the ledger keeps the point the guard judged
        assert [c.to_point for c in session.exec(select(ContactRow)).all()] == [point_id(points, to)]
    replayed = api.call("auditor", "GET", f"/v1/decisions/{body['decision_id']}/replay").json()
    assert replayed["matches"] is True, replayed["differences"]


def queued(api: Api) -> list[tuple[str, str, str]]:
    """Each queued message's channel, recipient address and status."""
    with Session(api.state.engine) as session:
        rows = session.exec(select(OutboxRow).order_by(OutboxRow.id)).all()
        return [(r.message["channel"], r.message["to"], r.status) for r in rows]


def point_id(points: list[dict[str, Any]], address: str) -> str:
    """The id of the point holding an address."""
    return next(p["id"] for p in points if p["address"] == address)


def test_the_letter_to_the_po_box_is_handed_to_the_sender(api: Api) -> None:
    deployed(api)
    decided(api, [HOME, PO_BOX], {"to": ["a2"]})
    leased = api.call("outreach", "POST", "/v1/outbox/lease", json={"limit": 10}).json()
    assert [(m["message"]["channel"], m["message"]["to"]) for m in leased] == [("letter", PO_BOX["address"])]


def test_an_allowed_point_that_cannot_take_a_letter_means_no_letter_and_says_why(api: Api) -> None:
    deployed(api)
    cell = {"id": "m2", "kind": "mobile", "number": "+19155550102"}
    body = decided(api, [HOME, cell], {"to": ["m2"]})
    assert [p for p in body["proposals"] if p.get("contact_id")] == []
    rules = {v["rule"] for s in body["trace"]["steps"] for r in s.get("guard", []) for v in r.get("violations", [])}
    assert "HIPAA-CONF-COMM" in rules
    assert queued(api) == []
