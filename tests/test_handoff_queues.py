"""A hand-off goes to the desk the strategy names, at its priority, and each desk pulls its own queue.

The agency strategy hands a reply that shows hardship to `hardship-desk` at high priority and a wrong
number to `skip-review` at normal priority (`handoff "queue" priority P`)."""

from __future__ import annotations

import pytest
from test_api_fixtures import Api, api_fixture, database_url, folders_fixture  # noqa: F401
from test_external_contacts_api import CALL_DAY, deployed, loaded

from runtime.reply_models import default_reply_model


def replied(api: Api, key: str, text: str) -> None:
    body = {
        "account_id": "A1",
        "idempotency_key": key,
        "type": "reply",
        "at": "2026-03-16T08:00:00-04:00",
        "text": text,
    }
    assert api.call("outreach", "POST", "/v1/events", json=body).status_code == 201


@pytest.fixture(name="desks")
def desks_fixture(api: Api) -> Api:
    """Account A1 under the agency strategy after a reply saying hardship, decided: one hand-off."""
    api.state.replies = default_reply_model()
    deployed(api)
    loaded(api)
    replied(api, "r-1", "I lost my job and I cannot pay this right now")
    answer = api.call("outreach", "POST", "/v1/decide", json={"account_id": "A1", "now": CALL_DAY})
    assert answer.status_code == 200, answer.text
    return api


def listed(api: Api, query: str) -> list[tuple[str, str]]:
    answer = api.call("outreach", "GET", f"/v1/handoffs{query}")
    assert answer.status_code == 200, answer.text
    return [(h["queue"], h["priority"]) for h in answer.json()]


def test_a_hardship_reply_reaches_the_hardship_desk_at_high_priority(desks: Api) -> None:
    assert listed(desks, "") == [("hardship-desk", "high")]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?queue=hardship-desk", [("hardship-desk", "high")]),
        ("?queue=hardship-desk&priority=high", [("hardship-desk", "high")]),
        ("?queue=disputes", []),
        ("?priority=normal", []),
    ],
)
def test_a_desk_pulls_its_own_queue_and_its_urgent_work_first(desks: Api, query: str, expected: list) -> None:
    assert listed(desks, query) == expected


def test_an_unknown_priority_is_a_422_naming_the_field(desks: Api) -> None:
    answer = desks.call("outreach", "GET", "/v1/handoffs?priority=soon")
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "priority"
