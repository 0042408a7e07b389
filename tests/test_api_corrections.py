"""A compliance officer corrects a protective state recorded by mistake: `POST /v1/accounts/{id}/corrections`.

A cease (an attorney, a death, a revoked consent…) posted to the wrong account could not be lifted
at all: a re-sync is refused with a 409 and no event lifts it. The correction lifts exactly that
fact, keeps it lifted through later re-syncs, yields to a genuine notice that comes after it, and
leaves an audit row without the reason's text. Every test runs on SQLite and, when
PARLEY_TEST_DATABASE_URL is set, on PostgreSQL (the `api` fixture).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from sqlalchemy import text
from test_api_event_states import event, facts_of, resync, trail
from test_api_fixtures import Api, api_fixture, database_url, folders_fixture  # noqa: F401
from test_api_flow import DAY, account, deployed, loaded

from runtime.db.database import read_session
from runtime.store.accounts import load_account

CORRECTIONS = "/v1/accounts/A1/corrections"
REASON = "posted to Ana Lake's account by mistake; see ticket 123"
DAY_SEVEN = dt.datetime.combine(DAY + dt.timedelta(days=7), dt.time(12), dt.timezone(dt.timedelta(hours=-5)))


def correct(api: Api, fact: str, value: Any, reason: Any = REASON, who: str = "compliance") -> Any:
    """One correction as `who`."""
    return api.call(who, "POST", CORRECTIONS, json={"fact": fact, "value": value, "reason": reason})


def sent(api: Api) -> list[dict[str, Any]]:
    """The contacts a decision on day seven reserved (the hardship strategy's email)."""
    answer = api.call("outreach", "POST", "/v1/decide", json={"account_id": "A1", "now": DAY_SEVEN.isoformat()})
    assert answer.status_code == 200, answer.text
    return [p for p in answer.json()["proposals"] if p.get("contact_id")]


def post(api: Api, body: dict[str, Any]) -> None:
    """Record an event as outreach does."""
    answer = api.call("outreach", "POST", "/v1/events", json=body)
    assert answer.status_code == 201, answer.text


# ---------------------------------------------------------------- lifting a mistake


# (event, its fields, the fact it sets, the corrected value, whether it kept the day-seven email from going out)
MISTAKES = [
    ("cease", {}, "cease_requested", False, True),
    ("attorney_representation", {}, "attorney_represented", False, True),
    ("deceased", {}, "deceased", False, True),
    ("bankruptcy", {}, "bankrupt", False, True),
    ("dispute", {"debt": "D1"}, "disputed", False, True),
    # Email consent is a safe-harbor warning (REGF-EMAIL-PROCEDURES): the email went out anyway.
    ("consent_revoked", {"kind": "email"}, "consent.email", True, False),
]


@pytest.mark.parametrize(("kind", "fields", "fact", "value", "stops"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_state_posted_by_mistake_is_corrected_and_decide_contacts_again(
    api: Api, kind: str, fields: dict, fact: str, value: bool, stops: bool
) -> None:
    deployed(api)
    loaded(api)
    post(api, event(kind, "e1", **fields))
    assert bool(sent(api)) is not stops
    answer = correct(api, fact, value)
    assert answer.status_code == 201, answer.text
    assert answer.json()["previous"] is (not value) and answer.json()["value"] is value
    assert facts_of(api)[fact] is value
    with read_session(api.state.engine) as session:  # neither the guard nor the strategy reads the mistake
        account, ledger = load_account(session, "A1", DAY_SEVEN)
    assert kind not in [e["type"] for e in ledger.events] + [e.type for e in account.events]
    assert account.facts[fact] is value
    if stops:  # the email the mistake held back goes out now (else it went out before: a step acts once)
        assert [p["channel"] for p in sent(api)] == ["email"]


def test_a_correction_lifts_that_fact_only(api: Api) -> None:
    deployed(api)
    loaded(api)
    post(api, event("cease", "c1"))
    post(api, event("attorney_representation", "a1"))
    assert correct(api, "cease_requested", False).status_code == 201
    assert facts_of(api)["attorney_represented"] is True
    assert not sent(api), "the attorney, not corrected, still stops collection"


def test_a_later_resync_keeps_the_corrected_value_and_may_still_make_it_stricter(api: Api) -> None:
    loaded(api)
    post(api, event("cease", "c1"))
    assert correct(api, "cease_requested", False).status_code == 201
    for facts in ({}, {"cease_requested": False}):
        answer = resync(api, **facts)
        assert answer.status_code == 200, answer.text
        assert answer.json()["facts"]["cease_requested"] is False
    assert resync(api, cease_requested=True).status_code == 200  # stricter: always allowed
    assert resync(api).status_code == 200
    assert facts_of(api)["cease_requested"] is True


# ---------------------------------------------------------------- what comes after a correction


def test_a_genuine_cease_dated_after_the_correction_applies_again(api: Api) -> None:
    deployed(api)
    loaded(api)
    post(api, event("cease", "c1"))
    assert correct(api, "cease_requested", False).status_code == 201
    later = dt.datetime.now(dt.UTC).isoformat()  # after the correction, which is dated when it was made
    post(api, {**event("cease", "c2"), "at": later})
    assert facts_of(api)["cease_requested"] is True
    assert not sent(api)


LATE = [
    # A cease letter keyed in after the correction but dated before it: news the officer never saw.
    ("cease", {}, "cease_requested", False, "2026-03-17T09:00:00-05:00", True),
    # The mistake itself sent again under its own key: a repeat, nothing changes.
    ("cease", {}, "cease_requested", False, None, False),
    # A consent dated before a correction that withdrew a consent given by mistake: the correction stands.
    ("consent_given", {"kind": "sms"}, "consent.sms", False, "2026-03-17T09:00:00-05:00", False),
]


@pytest.mark.parametrize(
    ("kind", "fields", "fact", "value", "at", "after"), LATE, ids=["late cease", "repeat", "late consent"]
)
def test_an_event_keyed_in_after_the_correction_but_dated_before_it_applies_only_when_it_protects(
    api: Api, kind: str, fields: dict, fact: str, value: bool, at: str | None, after: bool
) -> None:
    loaded(api)
    first = event(kind, "e1", **fields)
    post(api, first)
    assert correct(api, fact, value).status_code == 201
    if at is None:
        assert api.call("outreach", "POST", "/v1/events", json=first).status_code == 200
    else:
        post(api, {**event(kind, "e2", **fields), "at": at})
    assert facts_of(api)[fact] is after


def test_a_correction_that_makes_a_state_stricter_is_kept_too(api: Api) -> None:
    loaded(api)
    post(api, event("consent_given", "g1", kind="email"))
    answer = correct(api, "consent.email", False)
    assert answer.status_code == 201 and answer.json()["previous"] is True, answer.text
    assert resync(api).status_code == 200
    assert facts_of(api)["consent.email"] is False


# ---------------------------------------------------------------- who may, and what is refused


@pytest.mark.parametrize("who", ["strategist", "outreach", "auditor"])
def test_only_a_compliance_officer_may_correct(api: Api, who: str) -> None:
    loaded(api)
    post(api, event("cease", "c1"))
    answer = correct(api, "cease_requested", False, who=who)
    assert answer.status_code == 403 and "`compliance`" in answer.json()["message"], answer.text
    assert facts_of(api)["cease_requested"] is True


BAD = [
    ("misspelt fact", {"fact": "cease_requestd"}, "fact", "did you mean `cease_requested`?"),
    ("a fact that is no protective state", {"fact": "balance"}, "fact", "not a state a correction can set"),
    ("a fact no correction sets", {"fact": "verified"}, "fact", "`verified`"),
    ("an unknown consent", {"fact": "consent.fax"}, "fact", "not a state a correction can set"),
    ("value as text", {"value": "false"}, "value", "true or false"),
    ("value as a number", {"value": 0}, "value", "true or false"),
    ("value missing", {"value": None}, "value", "required"),
    ("reason too short", {"reason": "mistake"}, "reason", "10"),
    ("reason too long", {"reason": "x" * 501}, "reason", "500"),
    ("reason of blanks", {"reason": "  wrong      "}, "reason", "10 to 500"),
    ("reason missing", {"reason": None}, "reason", "required"),
    ("misspelt field", {"reasn": REASON}, "reasn", "spelling"),
]


@pytest.mark.parametrize(("what", "change", "field", "words"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_correction_is_a_422_naming_the_field_and_changes_nothing(
    api: Api, what: str, change: dict, field: str, words: str
) -> None:
    loaded(api)
    post(api, event("cease", "c1"))
    body = {
        k: v
        for k, v in {"fact": "cease_requested", "value": False, "reason": REASON, **change}.items()
        if v is not None
    }
    answer = api.call("compliance", "POST", CORRECTIONS, json=body)
    assert answer.status_code == 422, answer.text
    problem = answer.json()["errors"][0]
    assert problem["field"] == field and words in problem["message"], problem
    assert facts_of(api)["cease_requested"] is True
    assert not [row for row in trail(api, "account:A1") if row["action"] == "account.correct"]


def test_an_unknown_account_is_a_404(api: Api) -> None:
    answer = api.call(
        "compliance", "POST", "/v1/accounts/A9/corrections", json={"fact": "deceased", "value": False, "reason": REASON}
    )
    assert answer.status_code == 404 and answer.json()["errors"][0]["field"] == "account_id", answer.text


# ---------------------------------------------------------------- the trail


def test_the_correction_is_in_the_audit_trail_without_the_reasons_text(api: Api) -> None:
    loaded(api)
    post(api, event("cease", "c1"))
    answer = correct(api, "cease_requested", False)
    assert answer.status_code == 201, answer.text
    rows = [row for row in trail(api, "account:A1") if row["action"] == "account.correct"]
    assert len(rows) == 1 and rows[0]["actor"] == "Cora Compliance"
    entry = rows[0]["payload"]
    assert {k: entry[k] for k in ("fact", "from", "to", "event")} == {
        "fact": "cease_requested",
        "from": True,
        "to": False,
        "event": answer.json()["event_id"],
    }
    assert entry["by_key"] and entry["reason_chars"] == len(REASON)
    assert entry["reason_sha256"] == hashlib.sha256(REASON.encode()).hexdigest()
    everything = json.dumps(trail(api, "account:A1"))
    assert not [word for word in ("Ana", "Lake", "ticket", "mistake") if word in everything]
    with api.state.engine.connect() as connection:  # the reason itself is kept with the correction
        stored = connection.execute(text("SELECT payload FROM events WHERE type = 'correction'")).scalar_one()
    assert (json.loads(stored) if isinstance(stored, str) else stored)["reason"] == REASON
    verified = api.call("auditor", "GET", "/v1/audit/verify")
    assert verified.status_code == 200 and verified.json()["ok"] is True


def test_a_dispute_correction_is_refused_while_another_debt_has_an_open_dispute(api: Api) -> None:
    """12 CFR 1006.38(c), (d): each debt's collection waits on its own dispute; a correction names no debt,
    so it would lift D2's genuine dispute with D1's mistaken one."""
    loaded(api)
    body = account()
    second = {**body["debts"][0], "id": "D2"}
    assert (
        api.call("outreach", "PUT", "/v1/accounts/A1", json={**body, "debts": [*body["debts"], second]}).status_code
        == 200
    )
    at = DAY_SEVEN - dt.timedelta(days=3)
    for key, debt in (("d1", "D1"), ("d2", "D2")):
        post(api, {"account_id": "A1", "idempotency_key": key, "type": "dispute", "at": at.isoformat(), "debt": debt})
    answer = correct(api, "disputed", False)
    assert answer.status_code == 409 and answer.json()["errors"][0]["field"] == "fact", answer.text
    assert "`D1`, `D2`" in answer.json()["message"]
    verified = (at + dt.timedelta(days=1)).isoformat()
    post(api, {"account_id": "A1", "idempotency_key": "v2", "type": "verification_sent", "at": verified, "debt": "D2"})
    assert correct(api, "disputed", False).status_code == 201  # only D1's, the mistake, is open now
