"""A patient's alternative address (HIPAA confidential communications, 45 CFR 164.522(b)) is used, not refused.

The point a contact goes to is chosen (`engine.recipients`) before the runtime guard is asked, and
the guard judges that very point: `ContactRequest.to`, the case's `proposed.to`. The table runs the
dental strategy (strategies/dental_small_balances.parley) through `engine.decide` with the shipped
policy packs, on the day its statement letter goes out and on the day of its friendly text.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dsl import ast, parse
from engine.account import Account
from engine.decide import ContactRequest, Decision, decide
from engine.evaluators import EVALUATORS, build_plan
from engine.guard import compile_rules, judge, parse_case
from engine.guarding import Ledger, account_guard, case_data
from engine.recipients import choose, ledger_route
from runtime.commands.engine_cmds import decide_all
from runtime.files import load_policies
from runtime.portfolio import PortfolioAccount

ROOT = Path(__file__).parent.parent
RULES = compile_rules(load_policies(ROOT / "policies")[0])
TEXT = (ROOT / "strategies" / "dental_small_balances.parley").read_text()
ZONE = ZoneInfo("America/Chicago")
PLACED = dt.date(2026, 3, 2)

HOME = {"id": "a1", "kind": "address", "place": "home", "address": {"line1": "12 Elm St", "city": "El Paso"}}
PO_BOX = {"id": "a2", "kind": "address", "address": {"line1": "PO Box 77", "city": "El Paso"}}
CELL = {"id": "m1", "kind": "mobile", "place": "home", "number": "+19155550101"}
CELL_2 = {"id": "m2", "kind": "mobile", "number": "+19155550102"}
EMAIL = {"id": "e1", "kind": "email", "address": "pat@example.test"}
STATEMENT, TEXT_DAY = 0, 5  # the dental strategy's letter and its friendly text


def program() -> ast.Strategy:
    parsed = parse(TEXT, "dental_small_balances.parley").program
    assert isinstance(parsed, ast.Strategy)
    return parsed


PLANS = {evaluator: build_plan(program(), TEXT, evaluator) for evaluator in EVALUATORS}


def account() -> Account:
    facts = {
        "balance": Decimal("120"),
        "original_balance": Decimal("120"),
        "days_past_due": 60,
        "days_since_first_statement": 60,
        "jurisdiction": "US-TX",
        "consent.sms": True,
        "consent.autodialed_calls": True,
        "paid": False,
    }
    return Account("A1", PLACED, "America/Chicago", facts)


def at(day: int, hour: int = 11) -> dt.datetime:
    date = PLACED + dt.timedelta(days=day)
    return dt.datetime(date.year, date.month, date.day, hour, 0, tzinfo=ZONE)


def decided(patient: dict[str, Any], day: int, evaluator: str = "compiled") -> Decision:
    ledger = Ledger(patient=patient, organization="provider")
    now = at(day)
    guard = account_guard(account(), ledger, RULES, "provider", now)
    return decide(PLANS[evaluator], account(), now, guard, ledger_route(ledger))


def refusals(decision: Decision) -> list[tuple[str, str]]:
    """(rule, message) of every violation, and (`error`, field) of a case that could not be read."""
    found = []
    for step in decision.trace.steps:
        for verdict in step.verdicts:
            found += [(v["rule"], v["message"]) for v in verdict.get("violations", [])]
            if "error" in verdict:
                found.append(("error", verdict["error"]["field"]))
    return found


# (what, patient, day, channel and point that go out, or None, the refusal expected)
CASES: list[tuple[str, dict[str, Any], int, tuple[str, str] | None, tuple[str, str] | None]] = [
    (
        "a letter goes to the P.O. box the patient asked for",
        {"contact_points": [HOME, PO_BOX], "confidential_communication": {"to": ["a2"]}},
        STATEMENT,
        ("letter", "a2"),
        None,
    ),
    (
        "the same with the P.O. box listed first",
        {"contact_points": [PO_BOX, HOME], "confidential_communication": {"to": ["a2"]}},
        STATEMENT,
        ("letter", "a2"),
        None,
    ),
    (
        "a text goes to the second mobile the patient asked for",
        {"contact_points": [CELL, CELL_2], "confidential_communication": {"to": ["m2"]}},
        TEXT_DAY,
        ("sms", "m2"),
        None,
    ),
    (
        "without a request the letter goes to the home address",
        {"contact_points": [HOME, PO_BOX]},
        STATEMENT,
        ("letter", "a1"),
        None,
    ),
    (
        "the only point the patient allowed cannot take a letter: refused, never the home address",
        {"contact_points": [HOME, CELL_2], "confidential_communication": {"to": ["m2"]}},
        STATEMENT,
        None,
        ("HIPAA-CONF-COMM", "the patient asked to be reached only at `m2`"),
    ),
    (
        "the point the patient allowed is not on file: refused, the field named",
        {"contact_points": [HOME], "confidential_communication": {"to": ["a9"]}},
        STATEMENT,
        None,
        ("error", "patient.confidential_communication.to[0]"),
    ),
    (
        "a channel the patient excluded stays refused",
        {"contact_points": [HOME, EMAIL], "confidential_communication": {"channels": ["email"]}},
        STATEMENT,
        None,
        ("HIPAA-CONF-COMM", "the patient asked to be reached only by `email`"),
    ),
    (
        "a channel the patient chose goes to its default point",
        {"contact_points": [CELL, HOME], "confidential_communication": {"channels": ["letter"]}},
        STATEMENT,
        ("letter", "a1"),
        None,
    ),
    (
        "a text to a patient who asked for letters only stays refused",
        {"contact_points": [CELL, HOME], "confidential_communication": {"channels": ["letter"]}},
        TEXT_DAY,
        None,
        ("HIPAA-CONF-COMM", "the patient asked to be reached only by `letter`"),
    ),
]


@pytest.mark.parametrize(("what", "patient", "day", "sent", "refused"), CASES, ids=[c[0] for c in CASES])
def test_the_guard_judges_the_point_the_message_goes_to(
    what: str, patient: dict, day: int, sent: tuple[str, str] | None, refused: tuple[str, str] | None
) -> None:
    decision = decided(patient, day)
    contacts = [(p.channel, p.to) for p in decision.proposals if p.channel in ("letter", "sms")]
    assert contacts == ([sent] if sent else []), (what, refusals(decision))
    if refused is None:
        assert refusals(decision) == [], what
    else:
        assert refused in refusals(decision), (what, refusals(decision))


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_every_evaluator_sends_to_the_same_point(evaluator: str) -> None:
    patient = {"contact_points": [HOME, PO_BOX], "confidential_communication": {"to": ["a2"]}}
    reference = decided(patient, STATEMENT, "reference")
    decision = decided(patient, STATEMENT, evaluator)
    assert decision.proposals == reference.proposals and [p.to for p in decision.proposals] == ["a2"]
    assert decision.trace.to_dict() == reference.trace.to_dict()


def test_the_guard_is_asked_about_the_chosen_point_and_the_case_replays_it() -> None:
    patient = {"contact_points": [HOME, PO_BOX], "confidential_communication": {"to": ["a2"]}}
    ledger = Ledger(patient=patient, organization="provider")
    asked: list[ContactRequest] = []
    inner = account_guard(account(), ledger, RULES, "provider", at(0))

    def guard(request: ContactRequest):
        asked.append(request)
        return inner(request)

    decide(PLANS["compiled"], account(), at(0), guard, ledger_route(ledger))
    assert [(r.channel, r.to) for r in asked] == [("letter", "a2")]
    # `parley guard CASE.json` replays the same question, `proposed.to` included, to the same verdict
    data = case_data(account(), ledger, "provider", at(0), asked[0])
    assert data["proposed"]["to"] == "a2"
    assert judge(parse_case(data), RULES).allowed
    # and judged at the home address instead, the request is refused
    data["proposed"]["to"] = "a1"
    assert [v.rule for v in judge(parse_case(data), RULES).violations] == ["HIPAA-CONF-COMM"]


def test_a_request_naming_a_point_the_patient_does_not_have_is_refused_as_the_case_reader_would() -> None:
    ledger = Ledger(patient={"contact_points": [HOME]}, organization="provider")
    guard = account_guard(account(), ledger, RULES, "provider", at(0))
    assert guard(ContactRequest(at(0), "letter", ("D1",), to="a1")).allowed  # the case is read on this one
    refused = guard(ContactRequest(at(0), "letter", ("D1",), to="a9"))
    assert not refused.allowed
    assert refused.details["error"] == {"field": "proposed.to", "message": "no contact point has the id `a9`"}


def test_the_batch_command_sends_to_the_same_point() -> None:
    patient = {"contact_points": [HOME, PO_BOX], "confidential_communication": {"to": ["a2"]}}
    item = PortfolioAccount(account=account(), ledger=Ledger(patient=patient, organization="provider"), row=1)
    [decision] = decide_all(PLANS["compiled"], [item], at(0), RULES, "provider")
    assert [(p.channel, p.to) for p in decision.proposals] == [("letter", "a2")]


# choose's own table: the rule the runtime used, now the one decide asks
CHOICES: list[tuple[str, str, dict[str, Any], list[dict[str, Any]], str | None]] = [
    (
        "the confidential point",
        "letter",
        {"contact_points": [HOME, PO_BOX], "confidential_communication": {"to": ["a2"]}},
        [],
        "a2",
    ),
    (
        "the first allowed point that takes the channel",
        "sms",
        {"contact_points": [CELL, CELL_2, HOME], "confidential_communication": {"to": ["a1", "m2"]}},
        [],
        "m2",
    ),
    (
        "an opted-out allowed point is skipped",
        "sms",
        {"contact_points": [CELL, CELL_2], "confidential_communication": {"to": ["m2", "m1"]}},
        [{"type": "opt_out", "to": "m2"}],
        "m1",
    ),
    (
        "a wrong number is skipped",
        "sms",
        {"contact_points": [CELL, CELL_2]},
        [{"type": "number_not_patient", "to": "m1"}],
        "m2",
    ),
    (
        "never the default when no allowed point takes the channel",
        "letter",
        {"contact_points": [HOME, CELL_2], "confidential_communication": {"to": ["m2"]}},
        [],
        None,
    ),
    (
        "a malformed preference chooses nothing and raises nothing",
        "letter",
        {"contact_points": "a1", "confidential_communication": {"to": 7}},
        [],
        None,
    ),
]


@pytest.mark.parametrize(("what", "channel", "patient", "events", "point"), CHOICES, ids=[c[0] for c in CHOICES])
def test_choose(what: str, channel: str, patient: dict, events: list, point: str | None) -> None:
    found = choose(channel, patient, events)
    assert found.point_id == point, what
    assert (found.refused is None) == (point is not None), what
