"""A strategy's life through the API (four eyes, deploy, roll back) and an account's day (events, decide, outbox)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_api_fixtures import ROOT, Api, api_fixture, database_url, folders_fixture  # noqa: F401

from runtime.api.app import create_app
from runtime.api.auth import KeyCache
from runtime.service.plans import PlanService

HARDSHIP = (ROOT / "strategies" / "hardship_first.parley").read_text()
NAME = "Hardship first with income-driven plans"
BASE = f"/v1/strategies/{NAME}"
DAY = dt.date(2026, 3, 16)
NOON_CHICAGO = "2026-03-16T12:00:00-05:00"


def version_two(text: str) -> str:
    """The same strategy as version 2 (a different text, so a different hash)."""
    return text.replace(f'"{NAME}" version 1', f'"{NAME}" version 2', 1) + "\n# v2: a comment\n"


def store_and_approve(api: Api, text: str, version: int) -> None:
    """Strategist writes and submits; the first compliance officer approves."""
    assert api.call("strategist", "POST", "/v1/strategies", json={"text": text}).status_code == 201
    assert api.call("strategist", "POST", f"{BASE}/versions/{version}/submit").status_code == 200
    assert api.call("compliance", "POST", f"{BASE}/versions/{version}/approve").status_code == 200


def deployed(api: Api) -> None:
    """Version 1 stored, approved by a second person and deployed."""
    store_and_approve(api, HARDSHIP, 1)
    assert api.call("compliance", "POST", f"{BASE}/versions/1/deploy").status_code == 200


PATIENT = {
    "timezone": "America/Chicago",
    "language": "en",
    "designations": {"consent": {"sms": True, "email": True, "autodialed_calls": False}},
    "contact_points": [  # decide refuses a contact it has no address for
        {"id": "cell", "kind": "mobile", "number": "+13125550100"},
        {"id": "mail", "kind": "email", "address": "ana@example.test"},
        {"id": "post", "kind": "address", "address": "1 Lake St, Chicago, IL 60601"},
    ],
}
VARIABLES = {
    "patient.first_name": "Ana",
    "provider.facility_name": "Lakeside Clinic",
    "invoice.service_date": "2026-01-05",
    "account.reference": "R-1001",
    "links.portal": "https://pay.example.org",
    "org.phone": "555-0100",
    "org.name": "Lakeside Health",
}


def account(placed_on: dt.date = DAY) -> dict[str, Any]:
    """An Illinois account that the hardship strategy's audience takes in."""
    return {
        "patient_id": "P1",
        "strategy_name": NAME,
        "organization": "provider",
        "jurisdiction": "US-IL",
        "placed_on": placed_on.isoformat(),
        "facts": {
            "balance": "450.00",
            "original_balance": "450.00",
            "days_past_due": 45,
            "days_since_first_statement": 75,
            "consent.sms": True,
            "consent.email": True,
        },
        "debts": [
            {
                "id": "D1",
                "kind": "medical",
                "balance": "450.00",
                "initial_balance": "450.00",
                "first_statement": "2026-01-01",
            }
        ],
        "variables": VARIABLES,
    }


def loaded(api: Api) -> None:
    """Patient P1 with account A1, placed today."""
    assert api.call("outreach", "PUT", "/v1/patients/P1", json=PATIENT).status_code == 200, "patient"
    answer = api.call("outreach", "PUT", "/v1/accounts/A1", json=account())
    assert answer.status_code == 200, answer.text


# ---------------------------------------------------------------- strategies


def test_four_eyes_the_author_cannot_approve_and_a_second_officer_can(api: Api) -> None:
    created = api.call("compliance", "POST", "/v1/strategies", json={"text": HARDSHIP})
    assert created.status_code == 201, created.text
    version = created.json()["version"]
    assert version["author"] == "Cora Compliance" and version["status"] == "draft"
    assert len(version["content_hash"]) == 64
    assert api.call("compliance", "POST", f"{BASE}/versions/1/deploy").status_code == 409  # not approved
    assert api.call("compliance", "POST", f"{BASE}/versions/1/submit").status_code == 200
    own = api.call("compliance", "POST", f"{BASE}/versions/1/approve")
    assert own.status_code == 403 and "four eyes" in own.json()["message"]
    second = api.call("compliance2", "POST", f"{BASE}/versions/1/approve")
    assert second.status_code == 200 and second.json()["approved_by"] == "Carl Second"
    assert api.call("compliance2", "POST", f"{BASE}/versions/1/deploy").status_code == 200
    trail = api.call("auditor", "GET", "/v1/audit", params={"subject": f"strategy:{NAME}@1"}).json()
    actions = {row["action"]: row for row in trail}
    assert {"strategy.create", "strategy.submit", "strategy.approve", "strategy.deploy"} <= set(actions)
    approval = actions["strategy.approve"]
    assert approval["actor"] == "Carl Second" and approval["payload"]["author"] == "Cora Compliance"


def test_a_text_with_errors_is_stored_as_a_draft_but_cannot_be_submitted(api: Api) -> None:
    broken = HARDSHIP.replace('send letter "hardship_welcome"', 'send letter "no_such_template"', 1)
    created = api.call("strategist", "POST", "/v1/strategies", json={"text": broken})
    assert created.status_code == 201 and created.json()["check"]["ok"] is False
    refused = api.call("strategist", "POST", f"{BASE}/versions/1/submit")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "text"


def test_storing_the_same_text_twice_is_one_version_and_other_text_under_its_version_a_409(api: Api) -> None:
    first = api.call("strategist", "POST", "/v1/strategies", json={"text": HARDSHIP})
    again = api.call("strategist", "POST", "/v1/strategies", json={"text": HARDSHIP})
    assert first.status_code == again.status_code == 201 and again.json()["created"] is False
    clash = api.call("strategist", "POST", "/v1/strategies", json={"text": HARDSHIP + "\n# edited\n"})
    assert clash.status_code == 409 and "raise its version" in clash.json()["message"]


def test_text_that_is_no_strategy_is_a_422_on_text(api: Api) -> None:
    answer = api.call("strategist", "POST", "/v1/strategies", json={"text": "this is not parley"})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "text"


def test_deploy_swaps_the_live_plan_and_rollback_brings_the_old_one_back(api: Api) -> None:
    deployed(api)
    first_hash = api.call("auditor", "GET", f"{BASE}/versions/1").json()["content_hash"]
    assert api.client.get("/v1/health").json()["deployed"] == {NAME: 1}
    store_and_approve(api, version_two(HARDSHIP), 2)
    diff = api.call("auditor", "GET", f"{BASE}/diff", params={"from": 1, "to": 2}).json()["diff"]
    assert "+# v2: a comment" in diff
    assert api.call("compliance", "POST", f"{BASE}/versions/2/deploy").json()["version"] == 2
    assert api.state.plans.live.plan(NAME).version == 2  # swapped in the running worker, no restart
    assert api.call("compliance", "POST", f"{BASE}/versions/2/deploy").status_code == 409  # already live
    back = api.call("compliance", "POST", f"{BASE}/rollback")
    assert back.status_code == 200 and back.json()["version"] == 1 and back.json()["content_hash"] == first_hash
    assert api.state.plans.live.plan(NAME).content_hash == first_hash
    listed = {v["version"]: v for v in api.call("strategist", "GET", f"{BASE}/versions").json()}
    assert listed[1]["live"] and listed[2]["status"] == "retired"
    assert api.call("compliance", "POST", f"{BASE}/rollback").status_code == 409  # nothing earlier
    assert api.call("auditor", "GET", "/v1/strategies").json() == [
        {"name": NAME, "versions": 2, "latest": 2, "live": 1}
    ]


def test_unknown_strategy_and_version_are_404s_naming_the_field(api: Api) -> None:
    assert api.call("auditor", "GET", "/v1/strategies/nope/versions").json()["errors"][0]["field"] == "name"
    deployed(api)
    missing = api.call("auditor", "GET", f"{BASE}/versions/9")
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "version"


# ---------------------------------------------------------------- an account's day


def test_decide_reserves_contacts_and_queues_their_messages(api: Api) -> None:
    deployed(api)
    loaded(api)
    decision = api.call("outreach", "POST", "/v1/decide", json={"account_id": "A1", "now": NOON_CHICAGO})
    assert decision.status_code == 200, decision.text
    body = decision.json()
    assert body["strategy"]["version"] == 1 and body["day"] == 0
    contacts = [p for p in body["proposals"] if p.get("contact_id")]
    assert contacts, body["proposals"]
    leased = api.call("outreach", "POST", "/v1/outbox/lease", json={"limit": 50}).json()
    assert {m["outbox_id"] for m in leased} == {p["outbox_id"] for p in contacts}
    letter = leased[0]
    assert letter["idempotency_key"] == f"contact-{letter['contact_id']}"
    assert "Ana" in letter["message"]["body"]
    assert api.call("compliance", "POST", f"/v1/outbox/{letter['outbox_id']}/ack").status_code == 403
    acked = api.call("outreach", "POST", f"/v1/outbox/{letter['outbox_id']}/ack")
    assert acked.status_code == 200 and acked.json()["status"] == "delivered"
    replayed = api.call("auditor", "GET", f"/v1/decisions/{body['decision_id']}/replay").json()
    assert replayed["matches"] is True, replayed["differences"]
    assert api.call("auditor", "GET", "/v1/audit/verify").json()["ok"] is True


def test_decide_for_an_unknown_account_is_a_404_and_without_a_deployed_strategy_a_409(api: Api) -> None:
    missing = api.call("outreach", "POST", "/v1/decide", json={"account_id": "nobody"})
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "account_id"
    loaded(api)
    undeployed = api.call("outreach", "POST", "/v1/decide", json={"account_id": "A1", "now": NOON_CHICAGO})
    assert undeployed.status_code == 409 and undeployed.json()["errors"][0]["field"] == "strategy_name"


def test_a_repeated_event_is_a_no_op_and_a_reused_key_for_another_event_a_409(api: Api) -> None:
    loaded(api)
    event = {"account_id": "A1", "type": "reply", "at": NOON_CHICAGO, "text": "I can pay next week"}
    first = api.call("outreach", "POST", "/v1/events", json=event, headers={"Idempotency-Key": "ev-1"})
    second = api.call("outreach", "POST", "/v1/events", json={**event, "idempotency_key": "ev-1"})
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"] and second.json()["created"] is False
    other = api.call("outreach", "POST", "/v1/events", json={**event, "text": "stop", "idempotency_key": "ev-1"})
    assert other.status_code == 409 and other.json()["errors"][0]["field"] == "idempotency_key"


def test_a_dispute_event_sets_the_fact_the_strategy_stops_on(api: Api) -> None:
    loaded(api)
    dispute = {"account_id": "A1", "type": "dispute", "at": NOON_CHICAGO, "debt": "D1", "idempotency_key": "d-1"}
    assert api.call("outreach", "POST", "/v1/events", json=dispute).status_code == 201
    assert api.call("auditor", "GET", "/v1/accounts/A1").json()["facts"]["disputed"] is True


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/v1/events", {"account_id": "A1", "type": "reply", "at": NOON_CHICAGO}, "idempotency_key"),
        ("/v1/events", {"account_id": "A1", "type": "reply", "at": "2026-03-16T12:00", "idempotency_key": "k"}, "at"),
        ("/v1/events", {"account_id": "A1", "type": "wave", "at": NOON_CHICAGO, "idempotency_key": "k"}, "type"),
        ("/v1/decide", {"account_id": ""}, "account_id"),
        ("/v1/decide", {"account_id": "A1", "now": "noon"}, "now"),
    ],
)
def test_bad_events_and_decisions_name_the_field(api: Api, path: str, payload: dict, field: str) -> None:
    loaded(api)
    answer = api.call("outreach", "POST", path, json=payload)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == field


def test_bad_account_fields_are_named(api: Api) -> None:
    assert api.call("outreach", "PUT", "/v1/patients/P1", json=PATIENT).status_code == 200
    bad_zone = api.call("outreach", "PUT", "/v1/patients/P2", json={**PATIENT, "timezone": "Mars/Base"})
    assert bad_zone.status_code == 422 and bad_zone.json()["errors"][0]["field"] == "timezone"
    no_patient = api.call("outreach", "PUT", "/v1/accounts/A9", json={**account(), "patient_id": "P404"})
    assert no_patient.status_code == 404 and no_patient.json()["errors"][0]["field"] == "patient_id"
    bad_fact = api.call("outreach", "PUT", "/v1/accounts/A1", json={**account(), "facts": {"balanse": "1"}})
    assert bad_fact.status_code == 422 and "balanse" in bad_fact.json()["errors"][0]["field"]


def test_handoffs_are_claimed_then_resolved_by_the_same_person(api: Api) -> None:
    deployed(api)
    loaded(api)
    with api.state.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO handoffs (account_id, reason, status, created_at, updated_at) "
            "VALUES ('A1', 'counselor', 'open', '2026-03-16 17:00:00', '2026-03-16 17:00:00')"
        )
    listed = api.call("outreach", "GET", "/v1/handoffs").json()
    assert [h["account_id"] for h in listed] == ["A1"]
    number = listed[0]["id"]
    assert api.call("outreach", "POST", f"/v1/handoffs/{number}/resolve", json={"resolution": "x"}).status_code == 409
    assert api.call("outreach", "POST", f"/v1/handoffs/{number}/claim").json()["claimed_by"] == "Otto Outreach"
    taken = api.call("compliance", "POST", f"/v1/handoffs/{number}/claim")
    assert taken.status_code == 409
    done = api.call("outreach", "POST", f"/v1/handoffs/{number}/resolve", json={"resolution": "plan agreed"})
    assert done.json()["status"] == "resolved"
    assert api.call("outreach", "GET", "/v1/handoffs", params={"status": "resolved"}).json()[0]["id"] == number


def test_webhook_target_is_set_by_compliance_and_never_shows_its_secret(api: Api) -> None:
    assert api.call("compliance", "GET", "/v1/outbox/webhook").status_code == 404
    target = {"url": "https://hooks.example.org/parley", "secret": "s" * 32, "channels": ["sms"]}
    assert api.call("outreach", "PUT", "/v1/outbox/webhook", json=target).status_code == 403
    saved = api.call("compliance", "PUT", "/v1/outbox/webhook", json=target)
    assert saved.status_code == 200 and "secret" not in saved.json()
    assert api.call("outreach", "GET", "/v1/outbox/webhook").json()["url"] == target["url"]
    bad = api.call("compliance", "PUT", "/v1/outbox/webhook", json={**target, "url": "ftp://x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "url"
    assert api.call("compliance", "DELETE", "/v1/outbox/webhook").status_code == 204


def test_another_worker_catches_up_with_a_deploy_and_a_rollback(api: Api) -> None:
    other = dataclasses.replace(api.state, plans=PlanService(), keys=KeyCache())  # a second worker process
    with TestClient(create_app(state=other), raise_server_exceptions=False) as second:
        assert second.get("/v1/health").json()["deployed"] == {}
        deployed(api)
        store_and_approve(api, version_two(HARDSHIP), 2)
        api.call("compliance", "POST", f"{BASE}/versions/2/deploy")
        loaded(api)
        decision = second.post(
            "/v1/decide", json={"account_id": "A1", "now": NOON_CHICAGO}, headers=api.headers("outreach")
        )
        assert decision.status_code == 200 and decision.json()["strategy"]["version"] == 2
        api.call("compliance", "POST", f"{BASE}/rollback")
        assert second.get("/v1/health").json()["deployed"] == {NAME: 1}


def test_audit_verify_names_the_first_edited_row(api: Api) -> None:
    deployed(api)
    assert api.call("auditor", "GET", "/v1/audit/verify").json()["ok"] is True
    with api.state.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE audit SET actor = 'Mallory' WHERE seq = 3")
    report = api.call("auditor", "GET", "/v1/audit/verify").json()
    assert report["ok"] is False and report["first_bad_seq"] == 3
