"""The screened guard gives exactly the verdict of the unscreened one.

`engine.guard.screens` skips a rule's check when a cheap test shows it cannot find anything. These
tests hold `judge(..., screened=True)` to `judge(..., screened=False)` — the same violations,
warnings, messages and `next_allowed_at` — on the golden guard cases varied at random: other
proposals (every channel, templates, automated or not, other hours and days), other
organizations and jurisdictions, and extra ledger rows and events of every kind, under the real
policy packs.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine.guard import CaseError, compile_rules, judge, parse_case
from engine.guard import case as c
from engine.guard.history import View
from runtime.files import load_policies

ROOT = Path(__file__).resolve().parent.parent
RULES = compile_rules(load_policies(ROOT / "policies")[0])
SEEDS = [json.loads(p.read_text())["case"] for p in sorted((ROOT / "tests" / "guard_cases").glob("*.json"))]
JURISDICTIONS = ["US-MA", "US-WA", "US-CA", "US-CO", "US-NY", "US-NY-NYC", "US-TX"]
TEMPLATES = [None, "validation_notice", "agency_validation_notice", "eca_notice", "agency_call_script", "reminder"]
OUTCOMES = [None, *c.OUTCOMES]


def shifted(text: str, minutes: int) -> str:
    """A case's local time string moved by some minutes (the offset, if any, kept)."""
    at = dt.datetime.fromisoformat(text) + dt.timedelta(minutes=minutes)
    return at.isoformat(timespec="seconds")


@st.composite
def varied_cases(draw: Any) -> dict[str, Any]:
    """A golden case with its proposal, parties, ledger and events varied."""
    case = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    debts = [d["id"] for d in case["debts"]]
    now = case["proposed"]["at"]
    proposed = case["proposed"]
    proposed["at"] = shifted(now, draw(st.integers(-3 * 1440, 10 * 1440)))
    proposed["channel"] = draw(st.sampled_from(c.PROPOSAL_CHANNELS))
    template = draw(st.sampled_from(TEMPLATES))
    proposed.pop("template", None)
    if template is not None:
        proposed["template"] = template
    automated = draw(st.sampled_from([None, True, False]))
    proposed.pop("automated", None)
    if automated is not None:
        proposed["automated"] = automated
    if draw(st.booleans()):
        proposed["debts"] = draw(st.lists(st.sampled_from(debts), max_size=2, unique=True))
    if draw(st.integers(0, 3)) == 0:
        case["organization"] = draw(st.sampled_from(["agency", "provider", "nonprofit_hospital"]))
    if draw(st.integers(0, 3)) == 0:
        case["jurisdiction"] = draw(st.sampled_from(JURISDICTIONS))
    case["now"] = proposed["at"]
    for _ in range(draw(st.integers(0, 12))):
        row: dict[str, Any] = {
            "at": shifted(now, -draw(st.integers(0, 20 * 1440))),
            "channel": draw(st.sampled_from(c.CONTACT_CHANNELS)),
            "direction": draw(st.sampled_from(["outbound"] * 4 + ["inbound"])),
            "debts": draw(st.lists(st.sampled_from(debts), max_size=2, unique=True)),
        }
        outcome = draw(st.sampled_from(OUTCOMES))
        if outcome is not None:
            row["outcome"] = outcome
        case.setdefault("history", []).append(row)
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(c.EVENT_TYPES))
        event: dict[str, Any] = {"at": shifted(now, -draw(st.integers(0, 30 * 1440))), "type": kind}
        if draw(st.booleans()):
            event["debt"] = draw(st.sampled_from(debts))
        if kind in ("consent_given", "consent_revoked", "opt_out") and draw(st.booleans()):
            event["channel"] = draw(st.sampled_from(["call", "sms", "email"]))
        if kind == "consent_given":
            event["days"] = draw(st.integers(1, 9))
        if kind == "reply":
            event["text"] = draw(st.sampled_from(["STOP", "ok thanks", "No más, por favor", "I can't afford this"]))
        case.setdefault("events", []).append(event)
    return case


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(varied_cases(), st.booleans())
def test_screened_verdicts_are_the_unscreened_ones(data: dict[str, Any], bounded: bool) -> None:
    try:
        case = parse_case(data)
    except CaseError:
        assume(False)
        return
    until = case.proposed.at + dt.timedelta(hours=10) if bounded else None
    fast = judge(case, RULES, until=until)
    full = judge(parse_case(data), RULES, until=until, screened=False)
    assert fast == full, (fast.to_dict(), full.to_dict())


def test_every_golden_case_is_judged_the_same_with_and_without_screens() -> None:
    for data in SEEDS:
        assert judge(parse_case(data), RULES) == judge(parse_case(data), RULES, screened=False)


def test_screens_skip_the_rules_a_quiet_account_cannot_break() -> None:
    """A live call to a patient with no history and no events: caps, cool-downs, holds and robocall
    consents have nothing to say, and their checks are not run."""
    data = next(d for d in SEEDS if d["organization"] == "agency")
    data = copy.deepcopy(data) | {"history": [], "events": [], "jurisdiction": "US-TX"}
    data["proposed"] = {"at": data["proposed"]["at"], "channel": "call", "automated": False}
    case = parse_case(data)
    proposed = case.proposed
    view = View(case, proposed.at)
    on = dt.date.fromordinal(view.day)
    every = RULES.applicable(case.organization, case.jurisdiction, on, "call", False)
    shaped = RULES.screened(case.organization, case.jurisdiction, on, "call", None, False)
    checked = {r.rule_id for r in shaped if r.screen is None or r.screen(r, view)}
    assert {"TCPA-AI-VOICE", "TCPA-CONSENT-CELL"} <= {r.rule_id for r in every} - {r.rule_id for r in shaped}
    assert not {"REGF-FREQ-7IN7", "REGF-FREQ-POSTCONV-7D", "REGF-CEASE", "REGF-FREQ-REBUT"} & checked
    assert "REGF-TIME-8TO9" in checked  # a time window is always asked: it is the check itself
