"""The guard judges every message again at the moment it is handed to a sender (`runtime.service.sendtime`).

Under the shipped agency strategy, deciding at 08:00 New York time on Monday, March 16 reserves a
call for 09:00. Whenever the worker or an outreach system takes it later — the worker was down, an
outreach system pulled late — the law applies at that moment: after 21:00 the call waits for the
next morning; when it could not go out within a day of its time, or the patient ceased, it is
cancelled. Runs on SQLite and, with PARLEY_TEST_DATABASE_URL, on PostgreSQL (the `api` fixture).
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from sqlmodel import Session, select
from test_api_fixtures import Api, api_fixture, database_url, folders_fixture  # noqa: F401
from test_external_contacts_api import PATIENT
from test_outbox_recheck import CALL_TIME, NEW_YORK, reserved_call

from runtime.channels.registry import ChannelRegistry
from runtime.db.tables import AccountRow, ContactRow, OutboxRow
from runtime.outbox.worker import run_once
from runtime.service.recheck import POINT_CHANGED
from runtime.service.sendtime import MAX_DELAY, SendTimeGuard, lease_judged, leasing

EVENING = dt.datetime(2026, 3, 16, 21, 30, tzinfo=NEW_YORK)
NEXT_MORNING = dt.datetime(2026, 3, 17, 8, 0, tzinfo=NEW_YORK)


def judge(api: Api) -> SendTimeGuard:
    return SendTimeGuard(api.state.rules, api.state.plans, "test-worker")


def leased_at(api: Api, now: dt.datetime, seconds: float = 60.0) -> list[int]:
    return [int(row.id or 0) for row in lease_judged(api.state.engine, "dialer", 50, seconds, None, judge(api), now)]


def stored(api: Api, planned: dict[str, Any]) -> tuple[ContactRow, OutboxRow]:
    with Session(api.state.engine) as session:
        contact = session.get(ContactRow, planned["contact_id"])
        message = session.get(OutboxRow, planned["outbox_id"])
        assert contact is not None and message is not None
        return contact, message


def audited(api: Api, action: str) -> list[dict[str, Any]]:
    rows = api.call("auditor", "GET", f"/v1/audit?action={action}").json()
    return [row["payload"] for row in rows]


def aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)  # SQLite gives UTC back without its offset


def test_a_message_taken_on_time_is_leased(api: Api) -> None:
    planned = reserved_call(api)
    assert leased_at(api, CALL_TIME) == [planned["outbox_id"]]
    assert audited(api, "contacts.postpone") == [] and audited(api, "contacts.cancel") == []


@pytest.mark.parametrize(
    ("taken", "seconds"),
    [
        (EVENING, 60.0),  # the worker came back at 21:30
        (dt.datetime(2026, 3, 16, 20, 59, 30, tzinfo=NEW_YORK), 60.0),  # the lease would run past 21:00
    ],
    ids=["after-nine", "lease-runs-past-nine"],
)
def test_a_call_taken_too_late_in_the_evening_waits_for_the_next_morning(
    api: Api, taken: dt.datetime, seconds: float
) -> None:
    """Regulation F 12 CFR 1006.6(b)(1)(i): 8:00 a.m. to 9:00 p.m. where the patient is, when it goes out."""
    planned = reserved_call(api)
    assert leased_at(api, taken, seconds) == []
    contact, message = stored(api, planned)
    assert aware(contact.at) == NEXT_MORNING and contact.status == "reserved"
    assert message.status == "pending" and message.lease_owner is None
    [postponed] = audited(api, "contacts.postpone")
    assert postponed["contact"] == planned["contact_id"] and "REGF-TIME-8TO9" in postponed["rules"]
    assert dt.datetime.fromisoformat(postponed["until"]) == NEXT_MORNING
    assert leased_at(api, NEXT_MORNING - dt.timedelta(minutes=1)) == []  # not a minute early
    assert leased_at(api, NEXT_MORNING) == [planned["outbox_id"]]
    assert api.call("auditor", "GET", "/v1/audit/verify").json()["ok"] is True


def test_a_call_that_cannot_go_out_within_a_day_of_its_time_is_cancelled(api: Api) -> None:
    planned = reserved_call(api)
    late = CALL_TIME + MAX_DELAY + dt.timedelta(hours=13)  # Tuesday 22:00: the next allowed time is too late
    assert leased_at(api, late) == []
    contact, message = stored(api, planned)
    assert contact.status == "cancelled" and message.status == "dead"
    assert message.last_error == (
        "not sent: the guard refuses it at send time and up to 24 hours after its planned time (REGF-TIME-8TO9)"
    )
    [cancelled] = audited(api, "contacts.cancel")
    assert cancelled["cancelled"][0]["contact"] == planned["contact_id"]


def test_a_late_call_the_guard_still_allows_goes_out(api: Api) -> None:
    """Lateness alone cancels nothing: Tuesday 10:00 is within the hours and the caps."""
    planned = reserved_call(api)
    assert leased_at(api, CALL_TIME + dt.timedelta(days=1, hours=1)) == [planned["outbox_id"]]


def ceased_behind_the_services_back(api: Api) -> None:
    """A cease written straight to the database, so no recheck ran: only the judgement at send time sees it."""
    with Session(api.state.engine) as session:
        account = session.get(AccountRow, "A1")
        assert account is not None
        account.facts = {**account.facts, "cease_requested": True}
        session.add(account)
        session.commit()


def test_the_api_pull_judges_each_message_it_hands_out(api: Api) -> None:
    planned = reserved_call(api)
    ceased_behind_the_services_back(api)
    answer = api.call("outreach", "POST", "/v1/outbox/lease", json={"limit": 10, "seconds": 60})
    assert answer.status_code == 200 and answer.json() == []
    contact, message = stored(api, planned)
    assert contact.status == "cancelled" and message.status == "dead"
    [cancelled] = audited(api, "contacts.cancel")
    assert "REGF-CEASE" in cancelled["cancelled"][0]["rules"]


def test_the_worker_judges_each_message_it_sends(api: Api) -> None:
    planned = reserved_call(api)
    ceased_behind_the_services_back(api)

    sent: list[str] = []

    class Dialer:
        name = "dialer"

        def deliver(self, message: Any, key: str) -> Any:
            sent.append(key)
            raise AssertionError("a ceased patient's call reached the dialer")

    registry = ChannelRegistry({"call": Dialer()})  # type: ignore[dict-item]
    stats = run_once(api.state.engine, registry, "w1", lease_with=leasing(judge(api)))
    assert stats.leased == 0 and sent == []
    assert stored(api, planned)[0].status == "cancelled"


def test_without_judging_the_same_call_would_have_been_leased(api: Api) -> None:
    """The control for the two tests above: the unjudged lease (the mechanics alone) hands it out."""
    from runtime.outbox.store import lease

    planned = reserved_call(api)
    ceased_behind_the_services_back(api)
    assert [row.id for row in lease(api.state.engine, "w", 10)] == [planned["outbox_id"]]
    with Session(api.state.engine) as session:
        assert session.exec(select(OutboxRow.status)).all() == ["leased"]


def test_postponing_again_does_not_stretch_the_day_a_message_may_wait(api: Api) -> None:
    """Each evening's late pull would postpone it to the next morning; the day counts from the first plan."""
    planned = reserved_call(api)
    assert leased_at(api, EVENING) == []  # Monday 21:30: waits for Tuesday 08:00, within a day of 09:00
    assert leased_at(api, EVENING + dt.timedelta(days=1)) == []  # Tuesday 21:30: Wednesday 08:00 is too late
    contact, message = stored(api, planned)
    assert contact.status == "cancelled" and message.status == "dead"
    assert aware(contact.planned_at) == CALL_TIME  # type: ignore[arg-type]
    assert [p["contact"] for p in audited(api, "contacts.postpone")] == [planned["contact_id"]]


def test_a_message_whose_number_changed_is_not_sent_to_the_old_one(api: Api) -> None:
    """The billing system re-sends the patient: same point id, a new number. The queued call carries
    the old one, which may be someone else's now (TCPA reassigned numbers; HIPAA disclosure)."""
    planned = reserved_call(api)
    moved = copy.deepcopy(PATIENT)
    moved["contact_points"][0]["number"] = "+12155559999"
    assert api.call("outreach", "PUT", "/v1/patients/P1", json=moved).status_code == 200
    assert leased_at(api, CALL_TIME) == []
    contact, message = stored(api, planned)
    assert contact.status == "cancelled" and message.status == "dead"
    rules = [c["rules"] for row in audited(api, "contacts.cancel") for c in row["cancelled"]]
    assert rules == [[POINT_CHANGED]]
