"""The guard's case built from typed objects is the case `parse_case(case_data(...))` reads, always.

`engine.guard_case` skips writing and re-reading DESIGN.md's JSON for every decision. These tests
hold it to the JSON way: the same `Case` for the demo portfolio's accounts (their ledgers, events
and asserted states), and the same answer, error field included, for whatever a ledger holds.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.account import Account, AccountEvent
from engine.decide import ContactRequest
from engine.guard import CaseError, compile_rules, judge, parse_case
from engine.guard_case import build_case, parse_ledger
from engine.guarding import STATE_EVENTS, Ledger, account_guard, assumed_states, case_data, prepare_ledger
from engine.guarding import proposal_of as to_proposal
from runtime.demo_portfolio import demo_rows
from runtime.files import load_policies
from runtime.portfolio import accounts_from_rows

ROOT = Path(__file__).parent.parent
RULES = compile_rules(load_policies(ROOT / "policies")[0])
NOW = dt.datetime(2026, 3, 16, 13, 0, tzinfo=dt.UTC)
CHANNELS = ("call", "sms", "email", "letter", "voicemail", "credit_report")


def slow(account: Account, ledger: Ledger, organization: str, request: ContactRequest) -> Any:
    """The JSON way: the case written as DESIGN.md's JSON and read back, or its error."""
    try:
        return parse_case(case_data(account, ledger, organization, NOW, request))
    except CaseError as problem:
        return problem.to_dict()


def fast(account: Account, ledger: Ledger, organization: str, request: ContactRequest) -> Any:
    parsed = parse_ledger(account, ledger)
    if parsed is None:
        return None
    who = ledger.organization or organization
    return build_case(account, parsed, who, NOW, to_proposal(request), assumed_states(account, ledger), STATE_EVENTS)


BOOK = accounts_from_rows(demo_rows(400, seed=5, today=NOW.date())).accounts


@pytest.mark.parametrize("item", BOOK[:400:3], ids=lambda item: item.account.account_id)
def test_the_demo_portfolio_builds_the_cases_the_json_way_reads(item: Any) -> None:
    for channel in CHANNELS[: 2 + item.row % 5]:
        request = ContactRequest(NOW, channel, item.account.debts, channel != "call", f"{channel}_template")
        built = fast(item.account, item.ledger, "agency", request)
        assert built is not None
        assert built == slow(item.account, item.ledger, "agency", request)


STATES = st.dictionaries(st.sampled_from(sorted(STATE_EVENTS)), st.booleans(), max_size=3)
EVENT_TYPES = st.sampled_from(["conversation", "reply", "dispute", "payment", "plan_accepted", "statement"])
FACT_VALUES = st.none() | st.booleans() | st.decimals(-2, 2, places=2) | st.integers(-3, 400) | st.text(max_size=3)


@settings(max_examples=300, deadline=None)
@given(
    states=STATES,
    facts=st.dictionaries(
        st.sampled_from(
            [
                *("score.distress", "score.propensity", "patient.age", "patient.language", "consent.sms"),
                *("intent.stop", "days_past_due", "days_since_first_statement", "balance", "original_balance"),
                "jurisdiction",
            ]
        ),
        FACT_VALUES,
        max_size=5,
    ),
    kinds=st.lists(EVENT_TYPES, max_size=3),
    texts=st.lists(st.sampled_from(["STOP", "", " ", "ok", None]), min_size=3, max_size=3),
    debts=st.sampled_from([("D1",), ("D1", "D2"), ("D1", "D1")]),
    ledger_debts=st.booleans(),
    channel=st.sampled_from(CHANNELS),
    prepared=st.booleans(),
    points=st.booleans(),
    to=st.sampled_from([None, "a1", "a2", "zz"]),  # decide's chosen point; `zz` is on no patient's file
)
def test_whatever_the_account_says_both_ways_answer_alike(
    states: dict,
    facts: dict,
    kinds: list[str],
    texts: list,
    debts: tuple[str, ...],
    ledger_debts: bool,
    channel: str,
    prepared: bool,
    points: bool,
    to: str | None,
) -> None:
    base: dict[str, object] = {"jurisdiction": "US-PA", "balance": Decimal("300")}
    events = tuple(
        AccountEvent(f"E{i}", kind, NOW - dt.timedelta(days=i + 1), {"text": texts[i], "debt": "D2"} if i else {})
        for i, kind in enumerate(kinds)
    )
    account = Account(
        "A1", dt.date(2026, 3, 1), "America/Chicago", {**base, **states, **facts}, events=events, debts=debts
    )
    history = ({"at": "2026-03-10T10:00:00", "channel": "call", "debts": ["D1"], "outcome": "no_answer"},)
    ledger = Ledger(
        history=history,
        events=({"at": "2026-03-02T09:00:00", "type": "dispute", "debt": "D1"},) if states.get("disputed") else (),
        debts=({"id": "D1", "kind": "medical", "balance": "90"},) if ledger_debts else (),
        patient=POINTS if points else {},
    )
    if prepared:
        ledger = prepare_ledger(account, ledger)
    request = ContactRequest(NOW, channel, debts, True, "a_template", to=to)
    answer = account_guard(account, ledger, RULES, "agency", NOW)(request)
    reference = slow(account, ledger, "agency", request)
    if isinstance(reference, dict):
        assert answer.details["error"] == reference
    else:
        assert answer.details == {**judge(reference, RULES).to_dict(), **pick(answer.details, "assumed")}


POINTS = {
    "contact_points": [{"id": "a1", "kind": "address", "place": "home"}, {"id": "a2", "kind": "address"}],
    "confidential_communication": {"to": ["a2"]},
}


def test_a_later_request_is_judged_on_its_own_point_as_the_json_way_reads_it() -> None:
    account = Account("A1", dt.date(2026, 3, 1), "America/Chicago", {"jurisdiction": "US-PA"})
    ledger = Ledger(patient=POINTS)
    named = ContactRequest(NOW, "letter", ("D1",), to="a2")
    built = fast(account, ledger, "provider", named)
    assert built is not None and built.proposed.to == "a2"  # the typed way takes a named point too
    assert built == slow(account, ledger, "provider", named)
    guard = account_guard(account, ledger, RULES, "provider", NOW)
    for to in ("a2", "a1", None, "zz", "a2"):  # the first builds the case; the others swap the proposal in
        request = ContactRequest(NOW, "letter", ("D1",), to=to)
        reference = slow(account, ledger, "provider", request)
        expected = (
            {"allowed": False, "error": reference} if isinstance(reference, dict) else judge(reference, RULES).to_dict()
        )
        assert guard(request).details == expected, to


def pick(details: Any, key: str) -> dict:
    return {key: details[key]} if key in details else {}


def test_a_ledger_prepared_for_another_zone_is_read_again() -> None:
    account = Account("A1", dt.date(2026, 3, 1), "America/Chicago", {"jurisdiction": "US-PA"})
    ledger = prepare_ledger(account, Ledger(history=({"at": "2026-03-10T23:30:00", "channel": "sms"},)))
    moved = Account("A1", dt.date(2026, 3, 1), "America/New_York", {"jurisdiction": "US-PA"})
    request = ContactRequest(NOW.astimezone(ZoneInfo("America/New_York")), "sms", ("D1",))
    assert fast(moved, ledger, "agency", request) == slow(moved, ledger, "agency", request)
    guard = account_guard(moved, ledger, RULES, "agency", NOW)
    assert guard(request).details == judge(slow(moved, ledger, "agency", request), RULES).to_dict()
