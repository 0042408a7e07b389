"""The guard adapter: an account and its ledger become DESIGN.md's guard case, and the verdict comes back.

The golden example must get the same verdict through the adapter as through `parley guard`; a
later request on the same account (the case read once, the proposal swapped in) must get the
same verdict as a case built afresh; a malformed ledger and an undated state fail closed.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.account import Account, AccountEvent
from engine.decide import ContactRequest
from engine.guard import compile_rules, judge, parse_case
from engine.guarding import Ledger, account_guard, case_data, prepare_ledger
from runtime.files import load_policies

ROOT = Path(__file__).parent.parent
RULES = compile_rules(load_policies(ROOT / "policies")[0])
GOLDEN = json.loads((ROOT / "tests" / "guard_cases" / "design_example.json").read_text())
NEW_YORK = ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 3, 10, 14, 5, tzinfo=NEW_YORK)
BASE_FACTS: dict[str, object] = {
    "jurisdiction": "US-MA",
    "balance": Decimal("180.00"),
    "original_balance": Decimal("180.00"),
    "consent.sms": True,
    "consent.email": True,
    "consent.autodialed_calls": False,
    "consent.esign": False,
    "patient.language": "en",
}


def design_account(**facts: object) -> tuple[Account, Ledger]:
    """DESIGN.md's example case as an account and a ledger."""
    golden = GOLDEN["case"]
    account = Account("A1", dt.date(2026, 3, 1), "America/New_York", {**BASE_FACTS, **facts})
    ledger = Ledger(
        history=tuple(golden["history"]),
        events=tuple(golden["events"]),
        debts=tuple(golden["debts"]),
        patient={"inconvenient_times": golden["patient"]["inconvenient_times"]},
        organization="agency",
    )
    return account, ledger


def plain_account(events: tuple[AccountEvent, ...] = (), **facts: object) -> Account:
    """An agency's account in Pennsylvania with every consent, no ledger."""
    base = {
        "jurisdiction": "US-PA",
        "balance": Decimal("300"),
        "consent.sms": True,
        "consent.autodialed_calls": True,
        "consent.prerecorded_voice": True,
    }
    return Account("A2", dt.date(2026, 3, 1), "America/New_York", {**base, **facts}, events=events)


def ask(account: Account, ledger: Ledger, channel: str = "call", at: dt.datetime = NOW):
    guard = account_guard(account, ledger, RULES, "agency", at)
    return guard(ContactRequest(at, channel, account.debts))


def test_the_design_example_gets_its_golden_verdict_through_the_adapter() -> None:
    account, ledger = design_account()
    answer = ask(account, ledger)
    expected = GOLDEN["verdict"]
    assert answer.allowed is expected["allowed"]
    assert answer.details["violations"] == expected["violations"]
    assert answer.details["warnings"] == expected["warnings"]


@pytest.mark.parametrize(
    ("facts", "path", "expected"),
    [
        ({"consent.sms": False}, ("patient", "consent", "sms"), False),
        ({"patient.language": "es"}, ("patient", "language"), "es"),
        ({"patient.age": 71}, ("patient", "age"), 71),
        ({"score.distress": Decimal("0.8")}, ("patient", "scores", "distress"), 0.8),
        ({"intent.hardship": True, "intent.stop": False}, ("patient", "intents"), ["hardship"]),
        ({}, ("patient", "intents"), []),  # known: no intent, not unknown (which would fail closed)
        ({"jurisdiction": "US-WA"}, ("jurisdiction",), "US-WA"),
        ({}, ("patient", "timezones"), ["America/New_York"]),
    ],
)
def test_facts_become_the_case(facts: dict[str, object], path: tuple[str, ...], expected: Any) -> None:
    account = plain_account(**facts)
    data: Any = case_data(account, Ledger(), "agency", NOW, ContactRequest(NOW, "call", ("D1",)))
    for key in path:
        data = data[key]
    assert data == expected


def test_day_counts_become_the_debts_dates() -> None:
    account = plain_account(days_past_due=130, days_since_first_statement=121, original_balance=Decimal("400"))
    debt = case_data(account, Ledger(), "agency", NOW, ContactRequest(NOW, "call", ("D1",)))["debts"][0]
    assert debt == {
        "id": "D1",
        "kind": "medical",
        "balance": "300",
        "initial_balance": "400",
        "first_statement": "2025-11-09",
        "delinquent_since": "2025-10-31",
        "placed": "2026-03-01",
    }


def test_a_plain_account_may_be_called_in_the_afternoon() -> None:
    assert ask(plain_account(), Ledger()).allowed


@pytest.mark.parametrize("state", ["cease_requested", "attorney_represented", "deceased", "disputed"])
def test_a_state_without_a_dated_event_is_assumed_and_blocks(state: str) -> None:
    answer = ask(plain_account(**{state: True}), Ledger())
    assert not answer.allowed
    assert answer.details["assumed"] == [state]


def test_a_dated_event_is_not_assumed_again() -> None:
    ledger = Ledger(events=({"at": "2026-03-05T09:00:00", "type": "cease"},))
    answer = ask(plain_account(cease_requested=True), ledger)
    assert not answer.allowed and "assumed" not in answer.details
    assert "2026-03-05" in json.dumps(answer.details)


def test_a_verified_dispute_is_not_assumed_open() -> None:
    assert ask(plain_account(disputed=True, verified=True), Ledger()).allowed


def test_a_stop_reply_the_strategy_heard_reaches_the_guard() -> None:
    reply = AccountEvent("R1", "reply", NOW - dt.timedelta(hours=2), {"text": "STOP"})
    assert not ask(plain_account(events=(reply,)), Ledger(), "sms").allowed
    assert ask(plain_account(), Ledger(), "sms").allowed


def test_a_conversation_the_strategy_heard_starts_the_cool_down() -> None:
    talk = AccountEvent("C1", "conversation", NOW - dt.timedelta(days=1))
    answer = ask(plain_account(events=(talk,)), Ledger())
    assert not answer.allowed
    assert [v["rule"] for v in answer.details["violations"]] == ["REGF-FREQ-POSTCONV-7D"]
    assert answer.next_allowed_at is not None and answer.next_allowed_at.tzinfo is not None


def ledger_conversation(in_ledger: bool) -> tuple[Account, Ledger]:
    """A recorded call about D1 yesterday that reached the patient, which the strategy also heard of."""
    yesterday = NOW - dt.timedelta(days=1)
    row = {"at": yesterday.isoformat(), "channel": "call", "direction": "outbound", "debts": ["D1"]}
    heard = AccountEvent("ct-1", "conversation", yesterday, {"debt": "D1"}, in_ledger=in_ledger)
    account = Account(
        "A2", dt.date(2026, 3, 1), "America/New_York", plain_account().facts, (heard,), debts=("D1", "D2")
    )
    return account, Ledger(history=({**row, "outcome": "conversation"},))


def refusals(account: Account, ledger: Ledger, debt: str, as_json: bool) -> list[str]:
    """The rules refusing a call about `debt` now: through decide's typed case, or the replayable JSON case."""
    request = ContactRequest(NOW, "call", (debt,))
    if as_json:
        verdict = judge(parse_case(case_data(account, ledger, "agency", NOW, request)), RULES)
        return [v.rule for v in verdict.violations]
    answer = account_guard(account, prepare_ledger(account, ledger), RULES, "agency", NOW)(request)
    return [v["rule"] for v in answer.details.get("violations", [])]


@pytest.mark.parametrize("as_json", [False, True])
def test_a_conversation_the_ledger_holds_is_read_from_the_ledger_alone(as_json: bool) -> None:
    """Held for D1, the debt the call was about, not for D2, though the strategy heard it as an event too."""
    account, ledger = ledger_conversation(in_ledger=True)
    assert refusals(account, ledger, "D1", as_json) == ["REGF-FREQ-POSTCONV-7D"]
    assert refusals(account, ledger, "D2", as_json) == []
    posted, _ = ledger_conversation(in_ledger=False)  # an event alone is read as about every debt
    assert refusals(posted, ledger, "D2", as_json) == ["REGF-FREQ-POSTCONV-7D"]


@pytest.mark.parametrize(
    ("account", "ledger", "field"),
    [
        (plain_account(jurisdiction=None), Ledger(), "jurisdiction"),
        (plain_account(), Ledger(history=({"at": "yesterday", "channel": "call"},)), "history[0].at"),
        (plain_account(), Ledger(events=({"at": "2026-03-01T09:00:00", "type": "disput"},)), "events[0].type"),
        (plain_account(), Ledger(debts=({"id": "X9"},)), "proposed.debts"),
    ],
)
def test_a_malformed_ledger_refuses_and_names_the_field(account: Account, ledger: Ledger, field: str) -> None:
    guard = account_guard(account, ledger, RULES, "agency", NOW)
    for _ in range(2):  # the second request reads the kept error, not a half-built case
        answer = guard(ContactRequest(NOW, "call", account.debts))
        assert not answer.allowed
        assert answer.details["error"]["field"].startswith(field)


@settings(max_examples=60, deadline=None)
@given(
    first=st.sampled_from(["call", "sms", "email", "letter", "voicemail"]),
    second=st.sampled_from(["call", "sms", "email", "letter", "voicemail", "credit_report"]),
    minute=st.integers(0, 24 * 60 - 1),
)
def test_a_later_request_gets_the_verdict_of_a_fresh_case(first: str, second: str, minute: int) -> None:
    account, ledger = design_account()
    day = dt.datetime(2026, 3, 12, tzinfo=NEW_YORK)
    at = day + dt.timedelta(minutes=minute)
    guard = account_guard(account, ledger, RULES, "agency", day)
    guard(ContactRequest(day, first, ("D1",)))
    kept = guard(ContactRequest(at, second, ("D1",)))
    fresh = judge(parse_case(case_data(account, ledger, "agency", day, ContactRequest(at, second, ("D1",)))), RULES)
    assert kept.details == fresh.to_dict()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
ROW_KEYS = st.sampled_from(["at", "channel", "type", "debt", "debts", "outcome", "to", "days", "kind", "text", "id"])
ROWS = st.lists(st.dictionaries(ROW_KEYS, JSON, max_size=5) | JSON, max_size=3).map(tuple)
PATIENT_KEYS = st.sampled_from(["timezones", "consent", "intents", "inconvenient_times", "contact_points", "scores"])
FACT_NAMES = st.sampled_from(
    ["jurisdiction", "balance", "patient.age", "patient.language", "score.distress", "consent.sms", "cease_requested"]
)


@settings(max_examples=150, deadline=None)
@given(
    history=ROWS,
    events=ROWS,
    debts=ROWS,
    patient=st.dictionaries(PATIENT_KEYS, JSON, max_size=3),
    facts=st.dictionaries(FACT_NAMES, JSON | st.decimals(allow_nan=True), max_size=4),
)
def test_whatever_the_ledger_holds_the_guard_answers_and_never_raises(
    history: tuple, events: tuple, debts: tuple, patient: dict, facts: dict
) -> None:
    account = plain_account(**facts)
    ledger = Ledger(history=history, events=events, debts=debts, patient=patient)
    answer = ask(account, ledger)
    if "error" in answer.details:
        assert not answer.allowed and answer.details["error"]["field"]


@pytest.mark.parametrize(
    ("channel", "automated", "allowed"),
    [
        ("call", False, True),  # a live agent's call: TCPA consent does not reach it
        ("call", True, False),  # an autodialed or prerecorded call needs `autodialed_calls` consent
        ("call", None, False),  # not known: treated as automated, the packs' conservative reading
        ("sms", True, False),  # an automated text without `consent.sms`… and without autodialed consent
        ("voicemail", True, False),  # a dropped recorded message is a prerecorded call
    ],
)
def test_tcpa_consent_reaches_only_automated_calls_and_texts(
    channel: str, automated: bool | None, allowed: bool
) -> None:
    account = plain_account(
        **{"consent.autodialed_calls": False, "consent.prerecorded_voice": False, "consent.sms": False}
    )
    at = dt.datetime(2026, 3, 10, 14, 5, tzinfo=NEW_YORK)
    guard = account_guard(account, Ledger(), RULES, "agency", at)
    answer = guard(ContactRequest(at, channel, account.debts, automated, f"{channel}_template"))
    rules = {v["rule"] for v in answer.details.get("violations", [])}  # type: ignore[union-attr]
    assert answer.allowed is allowed, answer.details
    assert ("TCPA-CONSENT-CELL" in rules) is (not allowed)


def test_the_proposal_carries_automated_and_template_into_the_replayable_case() -> None:
    account = plain_account()
    request = ContactRequest(NOW, "call", account.debts, False, "agency_call_script")
    proposed = case_data(account, Ledger(), "agency", NOW, request)["proposed"]
    assert proposed["automated"] is False and proposed["template"] == "agency_call_script"
    assert parse_case(case_data(account, Ledger(), "agency", NOW, request)).proposed.automated is False


def test_a_validation_notice_by_email_needs_esign_consent_as_the_checker_reads_its_template() -> None:
    # `forbid electronic_validation_notice when not consent.esign`: the template's name says what it is.
    account = plain_account(**{"consent.email": True, "consent.esign": False})
    guard = account_guard(account, Ledger(), RULES, "agency", NOW)
    refused = guard(ContactRequest(NOW, "email", account.debts, None, "agency_validation_notice"))
    other = guard(ContactRequest(NOW, "email", account.debts, None, "agency_options"))
    assert not refused.allowed and other.allowed, (refused.details, other.details)
