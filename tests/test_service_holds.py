"""A strategy's own pause reaches the messages already waiting: a hardship reply at 08:30 stops the
check-in text decide reserved at 08:00 for 10:00 (hardship_first: "the automated steps wait two weeks")."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from test_api_fixtures import ROOT, Api, api_fixture, database_url, folders_fixture  # noqa: F401
from test_external_contacts_api import ACCOUNT, PATIENT, deployed

from runtime.db.tables import ContactRow, OutboxRow

TEXT = (ROOT / "strategies" / "hardship_first.parley").read_text()
NAME = "Hardship first with income-driven plans"


def decide(api: Api, now: str) -> dict[str, Any]:
    answer = api.call("outreach", "POST", "/v1/decide", json={"account_id": "A1", "now": now})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_pause_in_reply_to_hardship_cancels_the_text_already_waiting(api: Api) -> None:
    deployed(api, TEXT)
    cell = {"id": "cell", "kind": "mobile", "number": "+13125550100"}
    patient = {**PATIENT, "contact_points": [*PATIENT["contact_points"], cell]}
    assert api.call("outreach", "PUT", "/v1/patients/P1", json=patient).status_code == 200
    facts = {"balance": "400.00", "days_past_due": 60, "consent.sms": True}
    account = {**ACCOUNT, "strategy_name": NAME, "organization": "provider", "jurisdiction": "US-IL", "facts": facts}
    assert api.call("outreach", "PUT", "/v1/accounts/A1", json=account).status_code == 200
    first = decide(api, "2026-03-06T08:00:00-05:00")
    texts = [p for p in first["proposals"] if p["channel"] == "sms"]
    assert len(texts) == 1, first["refused"] if "refused" in first else first["proposals"]
    [text] = texts
    reply = {"account_id": "A1", "idempotency_key": "r-1", "type": "reply", "text": "I lost my job and I cannot pay"}
    reply["at"] = "2026-03-06T08:30:00-05:00"
    assert api.call("outreach", "POST", "/v1/events", json=reply).status_code == 201
    after = decide(api, "2026-03-06T08:45:00-05:00")
    assert {p["action"] for p in after["proposals"]} == {"handoff", "pause"}
    with Session(api.state.engine) as session:
        contact, message = session.get(ContactRow, text["contact_id"]), session.get(OutboxRow, text["outbox_id"])
        assert contact is not None and message is not None
        assert (contact.status, message.status) == ("cancelled", "dead")
    [row] = api.call("auditor", "GET", "/v1/audit?subject=account:A1&action=decide&after=0").json()[-1:]
    assert row["payload"]["cancelled"] == [{"contact": text["contact_id"], "channel": "sms", "held_by": "pause"}]
