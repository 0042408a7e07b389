"""Holds, forbidden actions and consents: rules that read the account's state, not the calendar.

`hold collection when disputed until verified` (1006.38(c)), `hold contact when cease_requested`
(1006.6(c), effective on receipt), `forbid credit_report when original_balance < $500`,
`require consent autodialed_calls for call, sms` (TCPA, revocation honoured at once). A
condition the case cannot decide counts as holding: the guard fails closed and says so.
"""

from __future__ import annotations

import datetime as dt

from dsl import ast
from engine.guard.case import MEDIUM
from engine.guard.clock import iso_date, start_of_day
from engine.guard.facts import INTENT_EVENTS, TIME_DEPENDENT, evaluate, fact, names_in, tcpa_consent
from engine.guard.history import View
from engine.guard.kinds.common import proposal_debts, proposal_does, rule_reaches, words
from engine.guard.rules import CompiledRule
from engine.guard.verdict import Finding

# How a message names a state that holds, and since when.
STATE_WORDS = {
    "disputed": "{debt} was disputed in writing on {date} and no verification has been sent since",
    "cease_requested": "a refusal to pay or cease-communication notice about {debt} was received on {date}",
    "ceased": "a refusal to pay or cease-communication notice about {debt} was received on {date}",
    "attorney_represented": "the patient told us on {date} that an attorney represents them about {debt}",
    "bankrupt": "the patient's bankruptcy was recorded on {date}",
    "deceased": "the patient's death was recorded on {date}",
    "paid": "{debt} was paid{on}",
    "fa_application_pending": "a financial-assistance application about {debt} received on {date} is undecided",
    "intent.stop": "the patient asked on {date} that we stop",
    "intent.wrong_person": "we learned on {date} that a message reached someone else",
    "intent.hardship": "the patient told us on {date} that they cannot afford to pay",
}


def check_hold(rule: CompiledRule, view: View) -> list[Finding]:
    """While the condition holds (and the `until` state does not), the listed actions wait."""
    hold = rule.constraint
    assert isinstance(hold, ast.Hold)
    if not holds_back(rule, hold, view) or cannot_hold(rule, hold.condition, view):
        return []
    findings = []
    for debt in proposal_debts(view):
        held = evaluate(hold.condition, view, debt)
        if held is False:
            continue
        if hold.until is not None and fact(view, debt, hold.until.name)[0] is True:
            continue
        if held and answers_represented_patient(hold.condition, view, debt):
            continue
        reason = describe(hold.condition, view, debt, held)
        until = f" until `{hold.until.name}`" if hold.until else ""
        actions = ", ".join(f"`{a}`" for a in words(hold.actions))
        message = f"{reason}: {actions} about {debt} must wait{until}"
        findings.append(rule.finding(message, clears_at(hold.condition, view)))
    return findings


def holds_back(rule: CompiledRule, hold: ast.Hold, view: View) -> bool:
    """Whether the hold's actions cover the proposal, remembered per channel and template on the rule."""
    proposed = view.case.proposed
    key = ("reach", proposed.channel, proposed.template)
    found = rule.memo.get(key)
    if found is None:
        if len(rule.memo) > 512:  # bounded: templates are few, but a long run must not grow without end
            rule.memo.clear()
        found = rule.memo[key] = any(proposal_does(view, a) for a in words(hold.actions))
    return found


# States only an event of these types can make true (`engine.guard.facts.EVENT_FACTS`), and the
# intents only these events (or the patient's own `intents`) show (`engine.guard.facts.intent`).
RAISED_BY: dict[str, tuple[str, ...]] = {
    "disputed": ("dispute",),
    "cease_requested": ("cease",),
    "ceased": ("cease",),
    "attorney_represented": ("attorney_representation",),
    "bankrupt": ("bankruptcy",),
    "deceased": ("deceased",),
    **{f"intent.{name}": kinds for name, kinds in INTENT_EVENTS.items()},
    "intent.stop": (*INTENT_EVENTS["stop"], "reply"),
}


def cannot_hold(rule: CompiledRule, condition: ast.Expr, view: View) -> bool:
    """Whether a hold's condition is a state (or an `or` of states) that nothing in the case can raise.

    A quick answer for the commonest case, a quiet account: `hold contact when deceased` cannot
    hold when the case has no `deceased` event. Anything else is left to `evaluate`.
    """
    if "raised_by" not in rule.memo:
        rule.memo["raised_by"] = raised_by(condition)
    raisers = rule.memo["raised_by"]
    if raisers is None:
        return False
    kinds, intents = raisers
    present = view.case.index.events_by_type
    if any(kind in present for kind in kinds):
        return False
    said = view.case.patient.intents
    return not (said and any(intent in said for intent in intents))


def raised_by(condition: ast.Expr) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The event types and patient intents that can make a condition of states true; None: not such a condition."""
    names = [condition] if isinstance(condition, ast.Name) else getattr(condition, "operands", None)
    if not isinstance(condition, ast.Name | ast.Or) or names is None:
        return None
    kinds: list[str] = []
    intents: list[str] = []
    for name in names:
        if not isinstance(name, ast.Name) or name.path not in RAISED_BY:
            return None
        kinds.extend(RAISED_BY[name.path])
        if name.path.startswith("intent."):
            intents.append(name.path.removeprefix("intent."))
    return tuple(kinds), tuple(intents)


def check_forbid(rule: CompiledRule, view: View) -> list[Finding]:
    """The action is never taken while the condition holds (`forbid credit_report when paid`)."""
    forbid = rule.constraint
    assert isinstance(forbid, ast.ForbidAction)
    if not proposal_does(view, forbid.action.name):
        return []
    findings = []
    for debt in proposal_debts(view):
        holds = evaluate(forbid.condition, view, debt)
        if holds is False:
            continue
        reason = describe(forbid.condition, view, debt, holds)
        message = f"`{forbid.action.name}` is forbidden for {debt}: {reason}"
        findings.append(rule.finding(message, clears_at(forbid.condition, view)))
    return findings


def check_consent(rule: CompiledRule, view: View) -> list[Finding]:
    """Consent of a kind must be on record, and not revoked, for these channels."""
    need = rule.constraint
    assert isinstance(need, ast.RequireConsent)
    proposed = view.case.proposed
    if not rule_reaches(rule, need.channels, proposed.channel):
        return []
    kind = need.kind.name
    robotic = kind.startswith(("autodialed", "prerecorded"))
    if robotic and proposed.automated is False:
        return []  # a person dialling by hand, in a live voice: the TCPA consent rule does not reach it
    if tcpa_consent(view, kind, proposed.channel):
        return []
    revoked = [
        e for e in view.events if e.type in ("consent_revoked", "reply") and e.channel in (None, proposed.channel)
    ]
    if revoked:
        why = f"the patient revoked it on {iso_date(revoked[-1].day)} (revocation takes effect at once)"
    else:
        why = "the patient has not given it"
    what = f"an automated {proposed.channel} (unless the case says `automated: false`)" if robotic else "this"
    message = f"{what} needs the patient's `{kind}` consent; {why}"
    return [rule.finding(message, None)]


def answers_represented_patient(condition: ast.Expr, view: View, debt: str) -> bool:
    """A represented patient who reaches out may be answered once (comment 6(b)(2)-1).

    Only for a hold on `attorney_represented` alone: the patient's own call or message after we
    learned of the attorney is prior consent to that one response, through the same medium.
    """
    if not (isinstance(condition, ast.Name) and condition.path == "attorney_represented"):
        return False
    learned = view.latest("attorney_representation", debt)
    channel = view.case.proposed.channel
    if learned is None or channel not in MEDIUM:
        return False
    return view.answered_once(MEDIUM[channel], learned.at)


def describe(condition: ast.Expr, view: View, debt: str, value: bool | None) -> str:
    """Why a condition holds, in words, naming the dates of the states it reads."""
    if value is None:
        unknown = [n for n in names_in(condition) if fact(view, debt, n)[0] is None]
        listed = ", ".join(f"`{n}`" for n in dict.fromkeys(unknown)) or "a fact"
        return f"the case does not tell {listed}, so the guard cannot rule it out"
    reasons = []
    for name in dict.fromkeys(names_in(condition)):
        held, day = fact(view, debt, name)
        template = STATE_WORDS.get(name)
        if template is not None and held is True:
            date = iso_date(day) if day is not None else "an earlier date"
            on = f" on {iso_date(day)}" if day is not None else " (zero balance)"
            reasons.append(template.format(debt=debt, date=date, on=on))
        elif template is None and held is not None and not isinstance(held, bool):
            reasons.append(f"`{name}` is {held}")
        elif template is None and held is True:
            reasons.append(f"`{name}` holds")
    return "; ".join(reasons) or "its condition holds"


def clears_at(condition: ast.Expr, view: View) -> dt.datetime | None:
    """Conditions on the calendar (`days_since_first_statement`) may clear tomorrow; states never do."""
    if any(n in TIME_DEPENDENT for n in names_in(condition)):
        return start_of_day(view.day + 1, view.case.patient.zone)
    return None
