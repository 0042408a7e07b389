"""Step definitions for tests/features/outbox_send_time.feature: the guard judges a message again
when the dialer takes it from the outbox (`runtime.service.sendtime`).

Each scenario runs the real service on a fresh SQLite file (tests/test_outbox_sendtime.py runs the
same on PostgreSQL too): the agency strategy is deployed through four eyes, the account is loaded,
`POST /v1/decide` plans the call, and the dialer's lease is `lease_judged` at a chosen instant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from db_fixtures import sqlite_url
from pytest_bdd import given, parsers, scenarios, then, when
from test_api_fixtures import Api, folders_fixture, running  # noqa: F401
from test_outbox_recheck import NEW_YORK, reserved_call
from test_outbox_sendtime import audited, aware, judge, stored

from runtime.api.app import ServiceState
from runtime.service.sendtime import lease_judged

scenarios("outbox_send_time.feature")


def local(text: str) -> dt.datetime:
    """`2026-03-16 21:30` at the patient's, as an aware instant."""
    return dt.datetime.fromisoformat(text.strip()).replace(tzinfo=NEW_YORK)


@pytest.fixture(name="api")
def sqlite_api(tmp_path: Path, folders_state: ServiceState) -> Iterator[Api]:
    """The service on a fresh SQLite file (pytest-bdd's steps cannot take a parametrised fixture)."""
    with running(sqlite_url(tmp_path), folders_state) as api:
        yield api


@given(parsers.parse('the agency strategy planned a call for "{at}"'), target_fixture="world")
def planned_call(api: Api, at: str) -> dict[str, Any]:
    planned = reserved_call(api)
    assert dt.datetime.fromisoformat(planned["at"]) == local(at)
    return {"api": api, "planned": planned, "leased": []}


@when(parsers.parse('the dialer takes messages at "{at}" for {seconds:d} seconds'))
def dialer_takes(world: dict[str, Any], at: str, seconds: int) -> None:
    api = world["api"]
    rows = lease_judged(api.state.engine, "dialer", 50, float(seconds), ["call"], judge(api), local(at))
    world["leased"] = [int(row.id or 0) for row in rows]


@then("the call is handed to the dialer")
def handed_over(world: dict[str, Any]) -> None:
    assert world["leased"] == [world["planned"]["outbox_id"]]


@then("the call is not handed to the dialer")
def not_handed_over(world: dict[str, Any]) -> None:
    assert world["leased"] == []


@then(parsers.parse('the call waits until "{at}" under "{rule}"'))
def waits(world: dict[str, Any], at: str, rule: str) -> None:
    contact, message = stored(world["api"], world["planned"])
    assert aware(contact.at) == local(at) and contact.status == "reserved" and message.status == "pending"
    [postponed] = audited(world["api"], "contacts.postpone")
    assert rule in postponed["rules"] and dt.datetime.fromisoformat(postponed["until"]) == local(at)


@then(parsers.parse('the call is cancelled under "{rule}"'))
def cancelled(world: dict[str, Any], rule: str) -> None:
    contact, message = stored(world["api"], world["planned"])
    assert contact.status == "cancelled" and message.status == "dead" and rule in str(message.last_error)
    [entry] = audited(world["api"], "contacts.cancel")
    assert rule in entry["cancelled"][0]["rules"]
