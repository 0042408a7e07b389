"""A reply posted to `/v1/events` is read with the service's reply classifier when it is recorded, and
the strategy acts on what it says: a "wrong number" reply hands the account to skip review and ends
the agency strategy before its call goes to someone who is not the patient (FDCPA 805(b))."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session, select
from test_api_fixtures import Api, api_fixture, database_url, folders_fixture  # noqa: F401
from test_external_contacts_api import CALL_DAY, deployed, loaded

from runtime.db.tables import EventRow
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
