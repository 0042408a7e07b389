"""Step definitions for tests/features/guard_external_contacts.feature: calls made outside Parley,
recorded through the API, counted by `/v1/decide` under the shipped agency strategy.

Each scenario runs the real service on a fresh SQLite file (the same endpoints run on PostgreSQL
in tests/test_external_contacts_api.py): the strategy is written, approved by a second person and
deployed; calls are recorded with `POST /v1/accounts/A1/contacts`; the strategy decides with
`POST /v1/decide`, and the guard's verdicts are read from the decision's trace.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from db_fixtures import sqlite_url
from pytest_bdd import given, parsers, scenarios, then, when
from test_api_fixtures import Api, folders_fixture, running  # noqa: F401
from test_external_contacts_api import ACCOUNT, LAW_ALONE, calls, deployed, loaded

from runtime.api.app import ServiceState

NEW_YORK = ZoneInfo("America/New_York")
URL = "/v1/accounts/A1/contacts"

scenarios("guard_external_contacts.feature")


def local(text: str) -> dt.datetime:
    """`2026-03-16 10:00` at the patient's, as an aware instant."""
    return dt.datetime.fromisoformat(text.strip()).replace(tzinfo=NEW_YORK)


def rows(datatable: list[list[str]]) -> list[dict[str, str]]:
    """A Gherkin table as dicts keyed by its header."""
    header, *body = datatable
    return [{k.strip(): v.strip() for k, v in zip(header, row, strict=True)} for row in body]


@pytest.fixture(name="api")
def sqlite_api(tmp_path: Path, folders_state: ServiceState) -> Iterator[Api]:
    """The service on a fresh SQLite file (pytest-bdd's steps cannot take a parametrised fixture)."""
    with running(sqlite_url(tmp_path), folders_state) as api:
        yield api


# ---------------------------------------------------------------- given


@given("the agency placement strategy is deployed", target_fixture="world")
def strategy_deployed(api: Api) -> dict[str, Any]:
    deployed(api)
    return {"api": api, "sent": []}


@given(parsers.parse('a patient in New York owes the medical debt "{debt}" placed with the agency on "{day}"'))
def patient_and_account(world: dict[str, Any], debt: str, day: str) -> None:
    assert ACCOUNT["placed_on"] == day and ACCOUNT["debts"][0]["id"] == debt  # what loaded() stores
    loaded(world["api"])


@given("the strategy's own pause after a conversation is taken out, so the law's hold shows alone")
def law_alone(world: dict[str, Any]) -> None:
    deployed(world["api"], LAW_ALONE)  # version 2, approved and deployed like the first


@given(parsers.parse('the agency\'s staff recorded these calls about "{debt}":'))
def recorded(world: dict[str, Any], debt: str, datatable: list[list[str]]) -> None:
    contacts = [
        {
            "at": local(row["at"]).isoformat(),
            "channel": "call",
            "direction": row["direction"],
            "outcome": row["outcome"],
            "debts": [debt],
            "idempotency_key": f"staff-{index}",
        }
        for index, row in enumerate(rows(datatable))
    ]
    answer = world["api"].call("outreach", "POST", URL, json={"contacts": contacts})
    assert answer.status_code == 201, answer.text
    world["sent"] = contacts


@given("the dialer sends the same calls again")
def sent_again(world: dict[str, Any]) -> None:
    answer = world["api"].call("outreach", "POST", URL, json={"contacts": world["sent"]})
    assert answer.status_code == 200 and answer.json()["repeated"] == len(world["sent"]), answer.text


# ---------------------------------------------------------------- when


@when(parsers.parse('the strategy wants to call at "{at}"'))
def strategy_decides(world: dict[str, Any], at: str) -> None:
    now = local(at).isoformat()
    answer = world["api"].call("outreach", "POST", "/v1/decide", json={"account_id": "A1", "now": now})
    assert answer.status_code == 200, answer.text
    decision = answer.json()
    steps = [s for s in decision["trace"]["steps"] if any(v["channel"] == "call" for v in s["guard"])]
    assert steps, "the strategy asked the guard about no call at this time"
    world["decision"] = decision
    world["verdicts"] = [v for s in steps for v in s["guard"] if v["channel"] == "call"]


# ---------------------------------------------------------------- then


@then("the call is reserved")
def reserved(world: dict[str, Any]) -> None:
    assert len(calls(world["decision"])) == 1, world["verdicts"]


@then(parsers.parse('the call is refused under "{rule}" citing "{citation}"'))
def refused(world: dict[str, Any], rule: str, citation: str) -> None:
    assert calls(world["decision"]) == []
    found = [v for verdict in world["verdicts"] for v in verdict["violations"]]
    assert any(v["rule"] == rule and citation in v["citation"] for v in found), found


@then(parsers.parse('the refusal says "{words}"'))
def refusal_says(world: dict[str, Any], words: str) -> None:
    messages = [v["message"] for verdict in world["verdicts"] for v in verdict["violations"]]
    assert any(words in m for m in messages), messages
