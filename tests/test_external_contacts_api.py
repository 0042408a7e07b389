"""`POST /v1/accounts/{account_id}/contacts` through the API: answers, errors naming the field, the
audit trail, and `/v1/decide` counting what was recorded under the shipped agency strategy.

Runs on SQLite and, with PARLEY_TEST_DATABASE_URL, on PostgreSQL (the `api` fixture).
"""

from __future__ import annotations

from typing import Any

import pytest
from db_fixtures import SEED_PATIENT
from test_api_fixtures import ROOT, Api, api_fixture, database_url, folders_fixture  # noqa: F401

AGENCY = (ROOT / "strategies" / "agency_placement.parley").read_text()
NAME = "Agency placement with validation notice first"
PATIENT = SEED_PATIENT  # a landline, an email and a postal address, consent to autodialed calls
VARIABLES = {
    "patient.first_name": "Pat",
    "provider.facility_name": "Demo Clinic",
    "account.reference": "R-1",
    "links.portal": "https://pay.example.org",
    "org.phone": "555-0100",
    "org.name": "Demo Health",
    "agent.name": "Sam",
}
# Placed on Monday March 2, 2026: the strategy's first call of the week is on day 14, Monday March 16.
ACCOUNT = {
    "patient_id": "P1",
    "strategy_name": NAME,
    "organization": "agency",
    "jurisdiction": "US-PA",
    "placed_on": "2026-03-02",
    "facts": {"balance": "250.00", "days_past_due": 200},
    "debts": [{"id": "D1", "kind": "medical", "balance": "250.00", "initial_balance": "250.00"}],
    "variables": VARIABLES,
}
CALL_DAY = "2026-03-16T10:00:00-04:00"
URL = "/v1/accounts/A1/contacts"
# The agency strategy without its own pause after a conversation: what the law holds back shows alone.
OWN_PAUSE = "  on conversation\n    pause for 7 days\n  end\n"
LAW_ALONE = AGENCY.replace(OWN_PAUSE, "").replace(" version 1\n", " version 2\n", 1)


def call(day: int, key: str, hour: int = 10, **details: Any) -> dict[str, Any]:
    """A call on March `day`, 2026, New York time."""
    return {"at": f"2026-03-{day:02d}T{hour:02d}:00:00-04:00", "channel": "call", **details, "idempotency_key": key}


def loaded(api: Api) -> None:
    """Patient P1 and account A1 under the agency strategy."""
    assert api.call("outreach", "PUT", "/v1/patients/P1", json=PATIENT).status_code == 200
    answer = api.call("outreach", "PUT", "/v1/accounts/A1", json=ACCOUNT)
    assert answer.status_code == 200, answer.text


def deployed(api: Api, text: str = AGENCY) -> None:
    """A strategy (the shipped agency one by default) written, approved by a second person and deployed."""
    made = api.call("strategist", "POST", "/v1/strategies", json={"text": text})
    assert made.status_code == 201, made.text
    stored = made.json()["version"]
    version = f"/v1/strategies/{stored['name']}/versions/{stored['version']}"
    assert api.call("strategist", "POST", f"{version}/submit").status_code == 200
    assert api.call("compliance", "POST", f"{version}/approve").status_code == 200
    assert api.call("compliance2", "POST", f"{version}/deploy").status_code == 200


def post(api: Api, contacts: Any, who: str = "outreach") -> Any:
    return api.call(who, "POST", URL, json={"contacts": contacts})


def decide(api: Api) -> dict[str, Any]:
    answer = api.call("outreach", "POST", "/v1/decide", json={"account_id": "A1", "now": CALL_DAY})
    assert answer.status_code == 200, answer.text
    return answer.json()


def refused_rules(decision: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (v["rule"], v["citation"])
        for step in decision["trace"]["steps"]
        for verdict in step["guard"]
        for v in verdict.get("violations", [])
    }


def calls(decision: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in decision["proposals"] if p["channel"] == "call" and p.get("contact_id")]


# ---------------------------------------------------------------- the endpoint


def test_a_batch_is_recorded_once_and_a_repeat_answers_200(api: Api) -> None:
    loaded(api)
    batch = [call(12, "d-1", outcome="no_answer"), call(13, "d-2", direction="inbound", outcome="conversation")]
    first = post(api, batch)
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["account_id"], body["recorded"], body["repeated"]) == ("A1", 2, 0)
    assert [(c["index"], c["idempotency_key"], c["created"]) for c in body["contacts"]] == [
        (0, "d-1", True),
        (1, "d-2", True),
    ]
    again = post(api, batch, who="compliance")
    assert again.status_code == 200
    assert [c["contact_id"] for c in again.json()["contacts"]] == [c["contact_id"] for c in body["contacts"]]
    assert again.json()["recorded"] == 0 and again.json()["repeated"] == 2
    rows = api.call("auditor", "GET", "/v1/audit?action=contacts.record").json()
    assert [(r["actor"], r["subject"]) for r in rows] == [("Otto Outreach", "account:A1")]
    assert api.call("auditor", "GET", "/v1/audit/verify").json()["ok"] is True


def test_the_same_key_for_another_contact_is_a_409_naming_the_field(api: Api) -> None:
    loaded(api)
    assert post(api, [call(12, "d-1", outcome="no_answer")]).status_code == 201
    clash = post(api, [call(12, "d-1", outcome="voicemail")])
    assert clash.status_code == 409
    assert clash.json()["errors"][0]["field"] == "contacts[0].outcome"


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"channel": "fax"}, "contacts[1].channel"),  # the schema's check
        ({"at": "2026-03-12T10:00:00"}, "contacts[1].at"),  # the store's checks from here on
        ({"at": "2999-01-01T00:00:00Z"}, "contacts[1].at"),
        ({"debts": ["D9"]}, "contacts[1].debts[0]"),
        ({"to": "cell"}, "contacts[1].to"),
        ({"outcome": "answered"}, "contacts[1].outcome"),
        ({"extra": 1}, "contacts[1].extra"),
    ],
)
def test_a_bad_item_is_a_422_naming_its_field_and_nothing_is_stored(api: Api, item: dict, field: str) -> None:
    loaded(api)
    answer = post(api, [call(12, "good"), {**call(13, "bad"), **item}])
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == [field]
    assert answer.json()["message"].startswith(field)
    assert post(api, [call(12, "good")]).status_code == 201  # the good item of the refused batch was not kept


def test_every_bad_item_is_named_in_one_answer(api: Api) -> None:
    loaded(api)
    answer = post(
        api, [{**call(12, "a"), "debts": ["D9"]}, call(13, "b"), {**call(14, "c"), "at": "2999-01-01T00:00Z"}]
    )
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["contacts[0].debts[0]", "contacts[2].at"]


@pytest.mark.parametrize(("body", "field"), [({}, "contacts"), ({"contacts": []}, "contacts"), ([], "body")])
def test_a_body_without_contacts_is_a_422(api: Api, body: Any, field: str) -> None:
    loaded(api)
    answer = api.call("outreach", "POST", URL, json=body)
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == field


def test_an_unknown_account_is_a_404(api: Api) -> None:
    answer = api.call("outreach", "POST", "/v1/accounts/nobody/contacts", json={"contacts": [call(12, "k")]})
    assert answer.status_code == 404 and answer.json()["errors"][0]["field"] == "account_id"


# ---------------------------------------------------------------- counted by /v1/decide


def test_without_recorded_contacts_the_strategy_calls_on_day_14(api: Api) -> None:
    """The baseline the next tests change: the first call of the week is reserved."""
    deployed(api)
    loaded(api)
    assert len(calls(decide(api))) == 1


def test_a_conversation_recorded_by_the_agency_holds_the_strategys_call(api: Api) -> None:
    """The patient phoned the agency's staff on Saturday the 14th: no call about the debt until the 21st."""
    assert OWN_PAUSE in AGENCY and LAW_ALONE != AGENCY
    deployed(api, LAW_ALONE)
    loaded(api)
    assert post(api, [call(14, "desk-7", direction="inbound", outcome="conversation")]).status_code == 201
    decision = decide(api)
    assert calls(decision) == []
    assert ("REGF-FREQ-POSTCONV-7D", "12 CFR 1006.14(b)(2)(i)(B), (b)(2)(ii)") in refused_rules(decision)


def test_the_strategy_hears_a_recorded_conversation_once_and_pauses_its_steps(api: Api) -> None:
    """`on conversation` fires for a conversation the agency recorded, as for one posted as an event."""
    deployed(api)
    loaded(api)
    assert post(api, [call(14, "desk-7", direction="inbound", outcome="conversation")]).status_code == 201
    first = decide(api)
    pauses = [p for p in first["proposals"] if p["action"] == "pause"]
    assert [(p["source"], p["details"]) for p in pauses] == [("on conversation #1", {"minutes": 7 * 24 * 60})]
    heard = [(s["name"], s["event"]) for s in first["trace"]["steps"] if s.get("event") and s["acted"]]
    assert len(heard) == 1 and heard[0][0] == "on conversation #1" and heard[0][1].startswith("ct-")
    assert calls(first) == []
    again = api.call("outreach", "POST", "/v1/decide", json={"account_id": "A1", "now": "2026-03-19T10:00:00-04:00"})
    assert again.status_code == 200, again.text
    assert [p for p in again.json()["proposals"] if p["action"] == "pause"] == []  # heard once
    paused = {s["name"]: s["reason"] for s in again.json()["trace"]["steps"] if not s.get("event")}
    assert paused["Second call of the week"] == "paused by a `pause` action until 2026-03-23T10:00-04:00"


def test_a_conversation_both_recorded_and_posted_is_heard_once(api: Api) -> None:
    deployed(api)
    loaded(api)
    assert post(api, [call(14, "desk-7", direction="inbound", outcome="conversation")]).status_code == 201
    event = {"type": "conversation", "at": "2026-03-14T10:00:00-04:00"}
    posted = api.call("outreach", "POST", "/v1/events", json={"account_id": "A1", "idempotency_key": "e-1", **event})
    assert posted.status_code in (200, 201), posted.text
    pauses = [p for p in decide(api)["proposals"] if p["action"] == "pause"]
    assert len(pauses) == 1


def test_seven_calls_recorded_this_week_refuse_an_eighth(api: Api) -> None:
    deployed(api)
    loaded(api)
    week = [call(day, f"agent-{day}", outcome="no_answer") for day in range(10, 16)] + [call(16, "agent-16", hour=9)]
    assert post(api, week).status_code == 201
    decision = decide(api)
    assert calls(decision) == []
    assert {rule for rule, _ in refused_rules(decision)} == {"REGF-FREQ-7IN7"}


def test_a_conversation_from_before_placement_is_history_the_strategy_does_not_hear(api: Api) -> None:
    """The agency's file from before it placed the account: the guard counts it, the strategy does not react."""
    deployed(api)
    loaded(api)
    before = {**call(1, "old-1", direction="inbound", outcome="conversation"), "at": "2026-02-27T10:00:00-05:00"}
    assert post(api, [before]).status_code == 201
    decision = decide(api)
    assert [p for p in decision["proposals"] if p["action"] == "pause"] == []
    assert len(calls(decision)) == 1  # 17 days later: no longer within Regulation F's seven
