"""Instants at the edge of what a datetime holds, or in the future, are a 422 naming the field, never a 500.

`0001-01-01T00:00:00+14:00` and `9999-12-31T23:59:59-12:00` are valid ISO 8601 and overflowed
when converted to UTC (decide's `now`, an event's `at`). Every instant a caller gives now passes
the guard case's 1900-2200 check, and an event, like a recorded contact, cannot be in the future.
"""

from __future__ import annotations

import datetime as dt

import pytest
from test_api_fixtures import Api, api_fixture, database_url, folders_fixture  # noqa: F401

PATIENT = {"timezone": "America/Chicago", "language": "en"}
ACCOUNT = {
    "patient_id": "P1",
    "strategy_name": "Anything",
    "organization": "provider",
    "jurisdiction": "US-IL",
    "placed_on": "2026-03-16",
    "facts": {"balance": "180.00", "days_past_due": 120},
}
EARLIEST = "0001-01-01T00:00:00+14:00"
LATEST = "9999-12-31T23:59:59-12:00"
NEXT_YEAR = (dt.datetime.now(dt.UTC) + dt.timedelta(days=400)).isoformat()


def event(at: str) -> dict[str, object]:
    """A reply at `at`."""
    return {"account_id": "A1", "type": "reply", "at": at, "idempotency_key": f"k-{at}", "text": "ok"}


def contact(at: str) -> dict[str, object]:
    """A call recorded at `at`."""
    return {"contacts": [{"at": at, "channel": "call", "outcome": "no_answer", "idempotency_key": f"c-{at}"}]}


# (case, path, body, field, words the message must hold)
CASES = [
    ("decide at year 1", "/v1/decide", {"account_id": "A1", "now": EARLIEST}, "now", "outside the years 1900-2200"),
    ("decide at year 9999", "/v1/decide", {"account_id": "A1", "now": LATEST}, "now", "outside the years 1900-2200"),
    ("decide at year 1800", "/v1/decide", {"account_id": "A1", "now": "1800-01-01T00:00:00Z"}, "now", "1900-2200"),
    ("decide without an offset", "/v1/decide", {"account_id": "A1", "now": "2026-03-16T12:00"}, "now", "offset"),
    ("event at year 1", "/v1/events", event(EARLIEST), "at", "outside the years 1900-2200"),
    ("event at year 9999", "/v1/events", event(LATEST), "at", "outside the years 1900-2200"),
    ("event in the future", "/v1/events", event(NEXT_YEAR), "at", "in the future"),
    ("event in 2030", "/v1/events", event("2030-01-01T09:00:00-05:00"), "at", "in the future"),
    ("contact in the future", "/v1/accounts/A1/contacts", contact(NEXT_YEAR), "contacts[0].at", "in the future"),
]


@pytest.mark.parametrize(("path", "body", "field", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_an_instant_out_of_range_is_a_422_naming_the_field(
    api: Api, path: str, body: dict[str, object], field: str, words: str
) -> None:
    assert api.call("outreach", "PUT", "/v1/patients/P1", json=PATIENT).status_code == 200
    assert api.call("outreach", "PUT", "/v1/accounts/A1", json=ACCOUNT).status_code == 200
    answer = api.call("outreach", "POST", path, json=body)
    assert answer.status_code == 422, answer.text
    first = answer.json()["errors"][0]
    assert first["field"] == field and words in answer.json()["message"]


@pytest.mark.parametrize("at", ["2026-01-01T00:00:00+14:00", "2026-03-16T12:00:00-05:00"])
def test_an_event_in_range_and_in_the_past_is_recorded(api: Api, at: str) -> None:
    assert api.call("outreach", "PUT", "/v1/patients/P1", json=PATIENT).status_code == 200
    assert api.call("outreach", "PUT", "/v1/accounts/A1", json=ACCOUNT).status_code == 200
    answer = api.call("outreach", "POST", "/v1/events", json=event(at))
    assert answer.status_code == 201, answer.text
