"""The bandit's reward read from ledger rows: an answer within 72 hours, credited to the last contact."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.scores.bandit import BanditState, update
from engine.scores.bandit_ledger import outcomes_from_ledger

NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)
ZONE = "America/New_York"


def out(at: str, channel: str = "sms", outcome: str = "delivered") -> dict[str, Any]:
    """An outbound ledger row."""
    return {"at": at, "channel": channel, "direction": "outbound", "debts": ["D1"], "outcome": outcome}


def inbound(at: str, channel: str = "sms") -> dict[str, Any]:
    """An inbound ledger row: the patient wrote or called in."""
    return {"at": at, "channel": channel, "direction": "inbound", "debts": ["D1"]}


def event(at: str, kind: str) -> dict[str, Any]:
    """A ledger event."""
    return {"at": at, "type": kind, "debt": "D1"}


CASES = [
    # (name, history, events, expected (channel, hour, reward) tuples, pending)
    ("a text with no answer", [out("2026-03-01T10:05:00")], [], [("sms", 10, False)], 0),
    (
        "a reply two hours later",
        [out("2026-03-01T10:05:00")],
        [event("2026-03-01T12:00:00", "reply")],
        [("sms", 10, True)],
        0,
    ),
    (
        "a payment two days later",
        [out("2026-03-01T10:05:00")],
        [event("2026-03-03T09:00:00", "payment")],
        [("sms", 10, True)],
        0,
    ),
    (
        "a plan accepted",
        [out("2026-03-01T10:05:00")],
        [event("2026-03-02T09:00:00", "plan_accepted")],
        [("sms", 10, True)],
        0,
    ),
    (
        "an answer after 72 hours is no reward",
        [out("2026-03-01T10:05:00")],
        [event("2026-03-04T10:06:00", "reply")],
        [("sms", 10, False)],
        0,
    ),
    (
        "an answer before the contact is not its reward",
        [out("2026-03-01T10:05:00")],
        [event("2026-03-01T09:00:00", "reply")],
        [("sms", 10, False)],
        0,
    ),
    (
        "the patient calls back",
        [out("2026-03-01T18:30:00", "email"), inbound("2026-03-02T09:00:00", "call")],
        [],
        [("email", 18, True)],
        0,
    ),
    (
        "a call that reached the patient",
        [out("2026-03-01T14:00:00", "call", "conversation")],
        [],
        [("call", 14, True)],
        0,
    ),
    ("a call nobody answered", [out("2026-03-01T14:00:00", "call", "no_answer")], [], [("call", 14, False)], 0),
    ("a dead number says nothing about the hour", [out("2026-03-01T14:00:00", "call", "not_in_service")], [], [], 0),
    ("an undeliverable email neither", [out("2026-03-01T14:00:00", "email", "undeliverable")], [], [], 0),
    (
        "the last touch gets the credit",
        [out("2026-03-01T10:00:00"), out("2026-03-02T19:00:00", "call", "no_answer")],
        [event("2026-03-02T20:00:00", "reply")],
        [("sms", 10, False), ("call", 19, True)],
        0,
    ),
    (
        "a letter is not the bandit's",
        [out("2026-03-01T10:00:00", "letter")],
        [event("2026-03-01T12:00:00", "payment")],
        [],
        0,
    ),
    (
        "a dispute is not an answer it wants",
        [out("2026-03-01T10:00:00")],
        [event("2026-03-01T12:00:00", "dispute")],
        [("sms", 10, False)],
        0,
    ),
    ("still inside its 72 hours", [out("2026-03-19T10:00:00")], [], [], 1),
    (
        "already answered inside its 72 hours",
        [out("2026-03-19T10:00:00")],
        [event("2026-03-19T11:00:00", "reply")],
        [("sms", 10, True)],
        0,
    ),
    ("an offset is converted to the patient's hour", [out("2026-03-01T15:05:00+00:00")], [], [("sms", 10, False)], 0),
]


@pytest.mark.parametrize(("name", "history", "events", "expected", "pending"), CASES, ids=[c[0] for c in CASES])
def test_outcomes_from_ledger(
    name: str, history: list[dict], events: list[dict], expected: list[tuple[str, int, bool]], pending: int
) -> None:
    read = outcomes_from_ledger(history, events, ZONE, "working", NOW)
    assert [(o.channel, o.hour, o.reward) for o in read.outcomes] == expected
    assert read.pending == pending and read.skipped == ()
    assert all(o.segment == "working" for o in read.outcomes)


def test_unreadable_rows_are_skipped_and_named() -> None:
    history = [
        out("yesterday"),
        {"at": 5, "direction": "outbound", "channel": "sms"},
        "row",
        out("2026-03-01T10:00:00"),
    ]
    read = outcomes_from_ledger(history, [event("soon", "reply")], ZONE, "young", NOW)  # type: ignore[list-item]
    assert [(o.channel, o.hour) for o in read.outcomes] == [("sms", 10)]
    assert len(read.skipped) == 4 and "`yesterday`" in read.skipped[0]


def test_an_unknown_time_zone_reads_nothing_and_says_why() -> None:
    read = outcomes_from_ledger([out("2026-03-01T10:00:00")], [], "Mars/Olympus", "young", NOW)
    assert read.outcomes == () and "Mars/Olympus" in read.skipped[0]


def test_the_ledger_feeds_the_posterior() -> None:
    read = outcomes_from_ledger(
        [out("2026-03-01T10:00:00"), out("2026-03-05T12:00:00")],
        [event("2026-03-05T13:00:00", "reply")],
        ZONE,
        "young",
        NOW,
    )
    state = update(BanditState(), read.outcomes)
    assert state.tallies[("young", "sms", 10)].failures == 1 and state.tallies[("young", "sms", 12)].successes == 1


stamps = st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2026, 3, 25)).map(lambda d: d.isoformat())
rows = st.one_of(
    st.builds(
        out,
        stamps,
        st.sampled_from(["sms", "email", "call", "letter"]),
        st.sampled_from(["delivered", "conversation", "no_answer", "undeliverable"]),
    ),
    st.builds(inbound, stamps),
)
answers = st.builds(event, stamps, st.sampled_from(["reply", "payment", "dispute", "paid"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(rows, max_size=20), st.lists(answers, max_size=10))
def test_every_answer_pays_at_most_one_contact_and_every_contact_is_counted_once(
    history: list[dict], events: list[dict]
) -> None:
    read = outcomes_from_ledger(history, events, ZONE, "young", NOW)
    learnable = [r for r in history if r["direction"] == "outbound" and r["channel"] != "letter"]
    reached = [r for r in learnable if r["outcome"] != "undeliverable"]
    assert len(read.outcomes) + read.pending == len(reached) and read.unreached == len(learnable) - len(reached)
    conversations = sum(r["outcome"] == "conversation" for r in reached)
    answer_count = sum(r["direction"] == "inbound" for r in history) + sum(e["type"] != "dispute" for e in events)
    assert sum(o.reward for o in read.outcomes) <= conversations + answer_count
    assert all(0 <= o.hour < 24 for o in read.outcomes)
