"""What a patient told us stays in force through the billing system's re-sync, and is audited.

Bugs found by review and fixed here: a `PUT /v1/accounts/{id}` without `disputed` erased a
recorded dispute (and a cease, an attorney, a revoked consent), so collection resumed; no event or
upsert left an audit row. Every test runs on SQLite and, when PARLEY_TEST_DATABASE_URL is set, on
PostgreSQL (the `api` fixture).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlmodel import Session
from test_api_fixtures import Api, api_fixture, database_url, folders_fixture  # noqa: F401
from test_api_flow import DAY, PATIENT, account, deployed, loaded

from runtime.db.tables import Patient

NOON = "2026-03-16T12:00:00-05:00"


def event(event_type: str, key: str, **fields: Any) -> dict[str, Any]:
    """An event for account A1 at noon on the placement day."""
    return {"account_id": "A1", "type": event_type, "at": NOON, "idempotency_key": key, **fields}


def later(instant: str, days: int) -> str:
    """An ISO instant `days` after another, with its offset."""
    return (dt.datetime.fromisoformat(instant) + dt.timedelta(days=days)).isoformat()


def resync(api: Api, **facts: Any) -> Any:
    """The billing system's usual re-send: the balance moved, no word of disputes or consents."""
    body = account()
    body["facts"] = {**{k: v for k, v in body["facts"].items() if not k.startswith("consent.")}, "balance": "230.00"}
    body["facts"].update(facts)
    return api.call("outreach", "PUT", "/v1/accounts/A1", json=body)


def facts_of(api: Api) -> dict[str, Any]:
    """The account's facts as stored."""
    return api.call("auditor", "GET", "/v1/accounts/A1").json()["facts"]


STATES = [
    ("dispute", {"debt": "D1"}, "disputed", True),
    ("cease", {}, "cease_requested", True),
    ("attorney_representation", {}, "attorney_represented", True),
    ("bankruptcy", {}, "bankrupt", True),
    ("deceased", {}, "deceased", True),
    ("consent_revoked", {"kind": "sms"}, "consent.sms", False),
    ("verification_sent", {"debt": "D1"}, "verified", True),
]


@pytest.mark.parametrize(("kind", "fields", "fact", "value"), STATES, ids=[s[0] for s in STATES])
def test_a_resync_without_the_fact_keeps_the_state_an_event_set(
    api: Api, kind: str, fields: dict, fact: str, value: bool
) -> None:
    loaded(api)
    assert api.call("outreach", "POST", "/v1/events", json=event(kind, "e1", **fields)).status_code == 201
    answer = resync(api)
    assert answer.status_code == 200, answer.text
    facts = answer.json()["facts"]
    assert facts[fact] is value and facts["balance"] == "230.00"
    assert facts_of(api)[fact] is value


LIFTS = [
    ("dispute", {"debt": "D1"}, "disputed", False, "verification_sent"),
    ("cease", {}, "cease_requested", False, "cannot be undone"),
    ("attorney_representation", {}, "attorney_represented", False, "cannot be undone"),
    ("consent_revoked", {"kind": "sms"}, "consent.sms", True, "consent_given"),
]


@pytest.mark.parametrize(("kind", "fields", "fact", "sent", "hint"), LIFTS, ids=[s[0] for s in LIFTS])
def test_a_resync_that_would_lift_a_protective_state_is_a_409_naming_the_fact(
    api: Api, kind: str, fields: dict, fact: str, sent: bool, hint: str
) -> None:
    loaded(api)
    assert api.call("outreach", "POST", "/v1/events", json=event(kind, "e1", **fields)).status_code == 201
    answer = resync(api, **{fact: sent})
    assert answer.status_code == 409, answer.text
    assert answer.json()["errors"][0]["field"] == f"facts.{fact}" and hint in answer.json()["message"]
    assert facts_of(api)[fact] is not sent and facts_of(api)["balance"] == "450.00"  # nothing half-stored


def test_once_verification_is_sent_a_resync_may_lift_the_dispute(api: Api) -> None:
    """12 CFR 1006.38(c), (d): collection of a disputed debt waits until verification is sent."""
    loaded(api)
    assert api.call("outreach", "POST", "/v1/events", json=event("dispute", "d1", debt="D1")).status_code == 201
    assert resync(api, disputed=False).status_code == 409  # not yet verified
    sent = event("verification_sent", "v1", debt="D1", at=later(NOON, days=3))
    assert api.call("outreach", "POST", "/v1/events", json=sent).status_code == 201
    assert resync(api, disputed=False).status_code == 200
    assert facts_of(api)["disputed"] is False


@pytest.mark.parametrize(
    ("verification", "why"),
    [
        ({"debt": "D1", "at": NOON}, "at the dispute's own instant"),
        ({"debt": "D2", "days": 3}, "for another debt"),
    ],
)
def test_a_verification_the_guard_would_not_count_does_not_lift_the_dispute(
    api: Api, verification: dict[str, Any], why: str
) -> None:
    loaded(api)
    assert api.call("outreach", "POST", "/v1/events", json=event("dispute", "d1", debt="D1")).status_code == 201
    at = verification.get("at") or later(NOON, days=verification["days"])
    sent = event("verification_sent", "v1", debt=verification["debt"], at=at)
    answer = api.call("outreach", "POST", "/v1/events", json=sent)
    assert answer.status_code in (201, 422), answer.text  # an unknown debt may be refused outright
    assert resync(api, disputed=False).status_code == 409, why


def test_a_consent_and_a_revocation_at_the_same_instant_leave_consent_revoked(api: Api) -> None:
    """47 CFR 64.1200(a)(10): the revocation is honoured whichever of the two was keyed in last."""
    loaded(api)
    at = later(NOON, days=2)
    revoked = event("consent_revoked", "r1", kind="sms", at=at)
    given = event("consent_given", "g1", kind="sms", at=at)
    assert api.call("outreach", "POST", "/v1/events", json=revoked).status_code == 201
    assert api.call("outreach", "POST", "/v1/events", json=given).status_code == 201
    assert facts_of(api)["consent.sms"] is False


def test_a_resync_may_make_an_event_set_state_stricter_and_that_stays_too(api: Api) -> None:
    loaded(api)
    given = event("consent_given", "e1", kind="email")
    assert api.call("outreach", "POST", "/v1/events", json=given).status_code == 201
    assert resync(api, **{"consent.email": False}).status_code == 200
    assert resync(api).status_code == 200  # leaves it out: the stricter value it sent last stays
    assert facts_of(api)["consent.email"] is False


def test_a_dispute_stops_the_strategy_after_the_billing_system_resends_the_account(api: Api) -> None:
    deployed(api)
    loaded(api)
    dispute = event("dispute", "d1", debt="D1")
    assert api.call("outreach", "POST", "/v1/events", json=dispute).status_code == 201
    assert resync(api).status_code == 200
    day_seven = dt.datetime.combine(DAY + dt.timedelta(days=7), dt.time(12), dt.timezone(dt.timedelta(hours=-5)))
    decision = api.call("outreach", "POST", "/v1/decide", json={"account_id": "A1", "now": day_seven.isoformat()})
    assert decision.status_code == 200, decision.text
    body = decision.json()
    assert not [p for p in body["proposals"] if p.get("contact_id")], body["proposals"]
    assert "stop" in body["outcome"], body["outcome"]


# ---------------------------------------------------------------- the audit trail


PHI = ("+13125550100", "ana@example.test", "Lake St", "Ana", "450.00", "230.00", "lost my job")


def trail(api: Api, subject: str) -> list[dict[str, Any]]:
    """The audit rows of one subject."""
    answer = api.call("auditor", "GET", "/v1/audit", params={"subject": subject})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_every_event_and_upsert_leaves_an_audit_row_with_ids_and_names_only(api: Api) -> None:
    loaded(api)
    reply = event("reply", "r1", text="I lost my job, I can't pay this")
    assert api.call("outreach", "POST", "/v1/events", json=reply).status_code == 201
    assert api.call("outreach", "POST", "/v1/events", json=reply).status_code == 200  # a repeat: no new row
    assert api.call("outreach", "POST", "/v1/events", json=event("dispute", "d1", debt="D1")).status_code == 201
    assert resync(api).status_code == 200
    rows = trail(api, "account:A1")
    actions = [row["action"] for row in rows]
    assert actions.count("event.record") == 2 and actions.count("account.upsert") == 2, actions
    recorded = [row["payload"] for row in rows if row["action"] == "event.record"]
    assert recorded[1]["type"] == "dispute" and recorded[1]["sets"] == {"disputed": True}
    assert recorded[0]["by_key"] and rows[0]["actor"] == "Otto Outreach"
    last = [row["payload"] for row in rows if row["action"] == "account.upsert"][-1]
    assert last["kept"] == ["disputed"] and last["created"] is False and "balance" in last["facts"]
    patient = trail(api, "patient:P1")
    assert [row["action"] for row in patient] == ["patient.upsert"]
    assert patient[0]["payload"]["contact_points"] == ["cell", "mail", "post"]
    text = str(rows + patient)
    assert not [marker for marker in PHI if marker in text]
    assert api.call("auditor", "GET", "/v1/audit/verify").json()["ok"] is True


# ---------------------------------------------------------------- an event's facts


BAD_EVENT_FACTS = [
    ("hardship switched off", {"intent.hardship": False, "sentiment.frustration": 0}, "facts.intent.hardship"),
    ("stop switched off", {"intent.stop": False}, "facts.intent.stop"),
    ("a sentiment that is no number", {"sentiment.frustration": "abc"}, "facts.sentiment.frustration"),
    ("a misspelt fact", {"balanse": "10.00"}, "facts.balanse"),
    ("money that is no amount", {"balance": "lots"}, "facts.balance"),
    ("a list where a value goes", {"balance": ["1"]}, "facts.balance"),
]


@pytest.mark.parametrize(("what", "facts", "field"), BAD_EVENT_FACTS, ids=[c[0] for c in BAD_EVENT_FACTS])
def test_an_event_cannot_set_the_replys_reading_or_a_bad_fact(api: Api, what: str, facts: dict, field: str) -> None:
    loaded(api)
    reply = event("reply", "r1", text="STOP texting me", facts=facts)
    answer = api.call("outreach", "POST", "/v1/events", json=reply)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == field
    assert not [row for row in trail(api, "account:A1") if row["action"] == "event.record"]  # nothing stored


# ---------------------------------------------------------------- patient and account fields


CC = "confidential_communication"
MOBILE = {"id": "cell", "kind": "mobile"}
BAD_PATIENTS = [
    ("channel for channels", {CC: {"channel": ["letter"]}}, f"{CC}.channel", "did you mean `channels`?"),
    ("only", {CC: {"only": "letter"}}, f"{CC}.only", "`channels`"),
    ("channels as text", {CC: {"channels": "letter"}}, f"{CC}.channels", "list"),
    ("unknown channel", {CC: {"channels": ["txt"]}}, f"{CC}.channels[0]", "not a channel"),
    ("intents as numbers", {"designations": {"intents": [1, 2]}}, "designations.intents[0]", "text"),
    ("unknown intent", {"designations": {"intents": ["hardshp"]}}, "designations.intents[0]", "`hardship`?"),
    ("number as a number", {"contact_points": [{**MOBILE, "number": 5551234}]}, "contact_points[0].number", "text"),
    ("misspelt point key", {"contact_points": [{**MOBILE, "numbr": "+1312"}]}, "contact_points[0].numbr", "`number`?"),
]


@pytest.mark.parametrize(("what", "change", "field", "words"), BAD_PATIENTS, ids=[c[0] for c in BAD_PATIENTS])
def test_a_misspelt_or_mistyped_patient_preference_is_a_422_naming_it(
    api: Api, what: str, change: dict, field: str, words: str
) -> None:
    answer = api.call("outreach", "PUT", "/v1/patients/P1", json={**PATIENT, **change})
    assert answer.status_code == 422, answer.text
    problem = answer.json()["errors"][0]
    assert problem["field"] == field and words in problem["message"], problem


def test_letters_only_is_accepted_and_keeps_texts_from_going_out(api: Api) -> None:
    deployed(api)
    prefs = {"confidential_communication": {"channels": ["letter"], "to": ["post"]}}
    assert api.call("outreach", "PUT", "/v1/patients/P1", json={**PATIENT, **prefs}).status_code == 200
    assert api.call("outreach", "PUT", "/v1/accounts/A1", json=account()).status_code == 200
    day_four = "2026-03-20T12:00:00-05:00"
    body = api.call("outreach", "POST", "/v1/decide", json={"account_id": "A1", "now": day_four}).json()
    assert not [p for p in body["proposals"] if p.get("contact_id") and p.get("channel") != "letter"], body


def test_a_patient_re_sent_without_her_hipaa_request_keeps_it(api: Api) -> None:
    """45 CFR 164.522(b): the patient asked for letters at her P.O. box; the billing system's usual body
    knows nothing of it. Only an explicit `{}` withdraws the request, and the audit trail says which."""
    prefs = {CC: {"channels": ["letter"], "to": ["post"]}}
    assert api.call("outreach", "PUT", "/v1/patients/P1", json={**PATIENT, **prefs}).status_code == 200
    assert api.call("outreach", "PUT", "/v1/patients/P1", json=PATIENT).status_code == 200  # re-sent without it
    with Session(api.state.engine) as session:
        assert session.get(Patient, "P1").confidential_prefs == prefs[CC]  # type: ignore[union-attr]
    assert [row["payload"].get("kept") for row in trail(api, "patient:P1")][-1] == [CC]
    assert api.call("outreach", "PUT", "/v1/patients/P1", json={**PATIENT, CC: {}}).status_code == 200
    with Session(api.state.engine) as session:
        assert session.get(Patient, "P1").confidential_prefs == {}  # type: ignore[union-attr]


def test_a_re_send_keeps_the_times_and_zones_the_patient_gave_unless_it_sends_them(api: Api) -> None:
    """12 CFR 1006.6(b)(1): times the patient said are inconvenient; a body without them keeps them."""
    told = {
        "designations": {**PATIENT["designations"], "inconvenient_times": [{"between": "12:00-13:00"}]},
        "extra_timezones": ["Pacific/Honolulu"],
    }
    assert api.call("outreach", "PUT", "/v1/patients/P1", json={**PATIENT, **told}).status_code == 200
    usual = {k: v for k, v in PATIENT.items() if k != "designations"}
    assert api.call("outreach", "PUT", "/v1/patients/P1", json=usual).status_code == 200
    with Session(api.state.engine) as session:
        patient = session.get(Patient, "P1")
        assert patient is not None
        assert patient.designations == told["designations"] and patient.extra_timezones == ["Pacific/Honolulu"]
    assert sorted([row["payload"].get("kept") for row in trail(api, "patient:P1")][-1]) == [
        "designations",
        "extra_timezones",
    ]


def test_a_re_send_that_drops_a_point_the_hipaa_request_names_is_a_409_saying_what_to_send(api: Api) -> None:
    prefs = {CC: {"channels": ["letter"], "to": ["post"]}}
    assert api.call("outreach", "PUT", "/v1/patients/P1", json={**PATIENT, **prefs}).status_code == 200
    moved = [p for p in PATIENT["contact_points"] if p["id"] != "post"]
    moved.append({"id": "post2", "kind": "address", "address": "9 Elm St, Chicago, IL 60601"})
    answer = api.call("outreach", "PUT", "/v1/patients/P1", json={**PATIENT, "contact_points": moved})
    assert answer.status_code == 409, answer.text
    assert answer.json()["errors"][0]["field"] == CC and "`post`" in answer.json()["message"]
    again = {**PATIENT, "contact_points": moved, CC: {"channels": ["letter"], "to": ["post2"]}}
    assert api.call("outreach", "PUT", "/v1/patients/P1", json=again).status_code == 200


BAD_JURISDICTIONS = [
    ("jurisdiction", "US-ZZ", "jurisdiction"),
    ("jurisdiction", "Texas", "jurisdiction"),
    ("facts", {"jurisdiction": "US-ZZ"}, "facts.jurisdiction"),
]


@pytest.mark.parametrize(("key", "value", "field"), BAD_JURISDICTIONS)
def test_an_unknown_jurisdiction_is_a_422_naming_it(api: Api, key: str, value: Any, field: str) -> None:
    assert api.call("outreach", "PUT", "/v1/patients/P1", json=PATIENT).status_code == 200
    body = account()
    body[key] = {**body["facts"], **value} if key == "facts" else value
    answer = api.call("outreach", "PUT", "/v1/accounts/A1", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == field
