"""A reply posted to `/v1/events` is read with the service's reply classifier when it is recorded, and
the strategy acts on what it says: a "wrong number" reply hands the account to skip review and ends
the agency strategy before its call goes to someone who is not the patient (FDCPA 805(b))."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session, select
from test_api_fixtures import Api, api_fixture, database_url, folders_fixture  # noqa: F401
from test_external_contacts_api import ACCOUNT, CALL_DAY, PATIENT, ROOT, deployed, loaded

from runtime.db.tables import EventRow, OutboxRow
from runtime.reply_models import default_reply_model
from runtime.store.events import READING

WRONG_NUMBER = {
    "account_id": "A1",
    "idempotency_key": "sms-reply-1",
    "type": "reply",
    "at": "2026-03-16T08:00:00-04:00",
    "text": "Wrong number, I do not know this person",
}


@pytest.fixture(name="reading_api")
def reading_api_fixture(api: Api) -> Iterator[Api]:
    """The service as `parley serve` runs it by default: with the reply classifier."""
    api.state.replies = default_reply_model()
    yield api


def decide(api: Api, now: str = CALL_DAY) -> dict:
    answer = api.call("outreach", "POST", "/v1/decide", json={"account_id": "A1", "now": now})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_wrong_number_reply_hands_off_and_ends_the_strategy_before_its_call(reading_api: Api) -> None:
    deployed(reading_api)
    loaded(reading_api)
    assert reading_api.call("outreach", "POST", "/v1/events", json=WRONG_NUMBER).status_code == 201
    decision = decide(reading_api)
    assert [(p["action"], p["channel"]) for p in decision["proposals"]] == [("handoff", None), ("stop", None)]
    later = decide(reading_api, "2026-03-19T10:00:00-04:00")
    assert later["proposals"] == [] and "`stop` action ended the strategy" in later["trace"]["outcome"]


def test_the_reading_is_kept_with_the_event_and_a_repeat_is_still_the_same_event(reading_api: Api) -> None:
    loaded(reading_api)
    assert reading_api.call("outreach", "POST", "/v1/events", json=WRONG_NUMBER).status_code == 201
    assert reading_api.call("outreach", "POST", "/v1/events", json=WRONG_NUMBER).status_code == 200
    with Session(reading_api.state.engine) as session:
        [row] = session.exec(select(EventRow)).all()
    reading = row.payload[READING]
    assert reading["values"]["intent.wrong_person"] is True
    assert reading["sources"]["intent.wrong_person"][0] != "reply-unmeasured"  # the classifier, not a stand-in


def test_a_caller_cannot_send_a_reading_of_its_own(reading_api: Api) -> None:
    loaded(reading_api)
    forged = {**WRONG_NUMBER, READING: {"values": {"intent.wrong_person": False}, "sources": {}}}
    answer = reading_api.call("outreach", "POST", "/v1/events", json=forged)
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == READING


def test_without_the_classifier_the_rules_alone_do_not_hear_a_wrong_number(api: Api) -> None:
    """Why the service reads replies with the classifier: the revocation rules know STOP, not this."""
    deployed(api)
    loaded(api)
    assert api.call("outreach", "POST", "/v1/events", json=WRONG_NUMBER).status_code == 201
    assert [p["channel"] for p in decide(api)["proposals"]] == ["call"]


DENTAL = (ROOT / "strategies" / "dental_small_balances.parley").read_text()
DENTAL_NAME = "Dental clinic small balances"


def test_a_hardship_reply_turns_the_dental_clinics_pay_link_into_its_plan(api: Api) -> None:
    """Steps read what the patient said last: the day-14 step offers the small plan, not the pay link."""
    deployed(api, DENTAL)
    assert api.call("outreach", "PUT", "/v1/patients/P1", json=PATIENT).status_code == 200
    account = {
        **ACCOUNT,
        "strategy_name": DENTAL_NAME,
        "organization": "provider",
        "jurisdiction": "US-TX",
        "facts": {"balance": "180.00", "days_past_due": 60},
    }
    assert api.call("outreach", "PUT", "/v1/accounts/A1", json=account).status_code == 200
    said = {**WRONG_NUMBER, "at": "2026-03-12T09:00:00-04:00", "text": "I lost my job and I cannot pay this right now"}
    assert api.call("outreach", "POST", "/v1/events", json=said).status_code == 201
    decision = decide(api, "2026-03-16T11:00:00-04:00")
    offer = [p for p in decision["proposals"] if p["source"] == "Plan offer"]
    assert [p["template"] for p in offer] == [None, "dental_plan_offer"], decision["proposals"]
    with Session(api.state.engine) as session:
        body = session.exec(select(OutboxRow).where(OutboxRow.id == offer[1]["outbox_id"])).one().message["body"]
    assert "$15.00" in body and "12" in body  # $180.00 over the offer's 12 months, never under its $10 minimum


def conversation(note: str, key: str) -> dict:
    """A conversation the agency's staff had with the patient, with its note."""
    return {
        "account_id": "A1",
        "idempotency_key": key,
        "type": "conversation",
        "at": "2026-03-16T08:00:00-04:00",
        "text": note,
    }


@pytest.mark.parametrize(
    ("note", "summary_sent"),
    [
        ("The patient said she will pay the balance next Friday", True),
        ("Discussed the balance; no agreement reached", False),
    ],
)
def test_a_conversations_note_is_read_so_a_promise_to_pay_gets_its_written_summary(
    reading_api: Api, note: str, summary_sent: bool
) -> None:
    """The agency strategy: `on conversation when intent.payment_promise` sends a written summary."""
    deployed(reading_api)
    loaded(reading_api)
    assert reading_api.call("outreach", "POST", "/v1/events", json=conversation(note, "conv-1")).status_code == 201
    templates = [p.get("template") for p in decide(reading_api)["proposals"]]
    assert ("agency_conversation_summary" in templates) is summary_sent, templates
    with Session(reading_api.state.engine) as session:
        [row] = session.exec(select(EventRow)).all()
    assert row.payload[READING]["values"]["intent.payment_promise"] is summary_sent
