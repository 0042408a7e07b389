"""No PHI in logs: seed recognisable fake PHI, run a whole flow through the API, scan every log record.

The names, phone numbers, addresses and reply texts below are made up and distinctive, so any
appearance in a log line is a leak, not a coincidence. Bad requests that quote PHI and a request
that fails inside the service are part of the flow: error paths are where PHI tends to leak.
"""

from __future__ import annotations

import json
import logging

import pytest
from test_api_fixtures import ROOT, Api, api_fixture, database_url, folders_fixture  # noqa: F401
from test_api_flow import BASE, NOON_CHICAGO, VARIABLES, account, deployed

NAME = "Zebulon Quixotefield"
PHONE = "+1-312-555-0199"
EMAIL = "zebulon.quixotefield@example.org"
STREET = "4417 Wisteria Lantern Way"
REPLY = "Quixotefield here - I lost my job at the cannery, call me at 312-555-0199"
PHI = (NAME, "Zebulon", "Quixotefield", PHONE, "312-555-0199", EMAIL, STREET, "cannery", "1234.56")

PATIENT = {
    "timezone": "America/Chicago",
    "language": "en",
    "contact_points": [
        {"id": "cell", "kind": "mobile", "number": PHONE},
        {"id": "home", "kind": "email", "address": EMAIL},
    ],
    "designations": {"consent": {"sms": True, "email": True}},
}


def flow(api: Api) -> None:
    """Deploy, load the patient, report events, decide, pull and acknowledge; and some bad requests."""
    deployed(api)
    assert api.call("outreach", "PUT", "/v1/patients/P1", json=PATIENT).status_code == 200
    variables = {**VARIABLES, "patient.first_name": NAME, "patient.address": STREET}
    data = {**account(), "variables": variables}
    data["facts"] = {**data["facts"], "balance": "1234.56"}
    data["debts"] = [{**data["debts"][0], "balance": "1234.56", "initial_balance": "1234.56"}]
    assert api.call("outreach", "PUT", "/v1/accounts/A1", json=data).status_code == 200, "account"
    reply = {"account_id": "A1", "type": "reply", "at": NOON_CHICAGO, "text": REPLY, "idempotency_key": "r1"}
    assert api.call("outreach", "POST", "/v1/events", json=reply).status_code == 201
    assert api.call("outreach", "POST", "/v1/events", json=reply).status_code == 200
    assert api.call("outreach", "POST", "/v1/events", json={**reply, "text": NAME}).status_code == 409
    decision = api.call("outreach", "POST", "/v1/decide", json={"account_id": "A1", "now": NOON_CHICAGO})
    assert decision.status_code == 200, decision.text
    for message in api.call("outreach", "POST", "/v1/outbox/lease", json={"limit": 50}).json():
        api.call("outreach", "POST", f"/v1/outbox/{message['outbox_id']}/ack")
    # Bad requests that carry PHI in the wrong places.
    api.call("outreach", "PUT", "/v1/patients/P1", json={**PATIENT, "timezone": NAME})
    api.call("outreach", "PUT", "/v1/accounts/A1", json={**data, "facts": {NAME: PHONE}})
    api.call("outreach", "POST", "/v1/events", json={**reply, "at": REPLY, "idempotency_key": "r2"})
    api.call("outreach", "POST", "/v1/guard", json={"patient": {"timezones": [STREET]}, "now": REPLY})
    api.call("strategist", "POST", "/v1/check", json={"text": f'strategy "{NAME}" version 1\n  {REPLY}\n'})
    api.call("outreach", "POST", "/v1/handoffs/1/resolve", json={"resolution": REPLY})
    api.call("auditor", "GET", "/v1/audit", params={"subject": EMAIL})
    api.call("auditor", "GET", f"{BASE}/versions/1")


def test_no_phi_reaches_any_log_record(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("parley").setLevel(logging.DEBUG)
    flow(api)
    # The test's own client logs the URLs it calls (query strings included): that is the caller's log.
    server = [r for r in caplog.records if not (r.name == "httpx" and "http://testserver/" in r.getMessage())]
    lines = [record.getMessage() + " " + (record.exc_text or "") for record in server]
    assert any("/v1/decide" in line for line in lines), "the request log did not run: the scan proves nothing"
    leaks = [(marker, line) for line in lines for marker in PHI if marker.lower() in line.lower()]
    assert not leaks, leaks[:5]


def test_a_failure_inside_the_service_logs_its_type_not_its_text(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    from runtime.api.routes import check

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"patient {NAME} at {PHONE}")

    monkeypatch.setattr(check, "judge", broken)
    case = json.loads((ROOT / "tests" / "guard_cases" / "design_example.json").read_text())["case"]
    answer = api.call("outreach", "POST", "/v1/guard", json=case)
    assert answer.status_code == 500 and "request id" in answer.json()["message"]
    assert NAME not in answer.text
    text = " ".join(r.getMessage() for r in caplog.records)
    assert "RuntimeError" in text and NAME not in text and PHONE not in text
