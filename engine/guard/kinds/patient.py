"""Rules that read what the patient told us rather than a constraint's numbers.

These rule ids name facts the case format carries — opt-outs of a medium or an address
(1006.14(h)), numbers that are someone else's, HIPAA confidential-communication preferences, and
the rebuttal factors of comment 14(b)(2)(i)-2 — so the guard judges them the same way whatever
constraint line the pack gives the rule.
"""

from __future__ import annotations

import datetime as dt

from engine.guard.case import CONTACT_CHANNELS, MEDIUM
from engine.guard.clock import iso_date, render_local
from engine.guard.history import View, channels_of
from engine.guard.rules import CompiledRule
from engine.guard.verdict import Finding

TELEPHONE = frozenset({"call", "voicemail"})
BURST = dt.timedelta(minutes=5)  # comment 14(b)(2)(i)-2.i and .ii: two within five minutes
# Comment 14(b)(2)(i)-2.i gives "seven ... within one day" as an example and works one through
# with six calls on Friday, April 3; the guard warns from the sixth so both are caught.
CONCENTRATED = 6
MEDIUM_NAMES = {"telephone": "telephone calls", "sms": "text messages", "email": "email", "letter": "mail"}


def check_medium(rule: CompiledRule, view: View) -> list[Finding]:
    """A medium or an address the patient asked us not to use (1006.14(h); comment 14(h)(1)-3)."""
    proposed = view.case.proposed
    if proposed.channel not in CONTACT_CHANNELS:
        return []
    medium = MEDIUM[proposed.channel]
    point = view.resolve(proposed.channel, proposed.to)
    for event in view.opt_outs():
        channel = event.channel or ("sms" if event.type == "reply" else None)
        if channel is not None and MEDIUM[channel] != medium:
            continue
        if event.to is not None and point is not None and point.id != event.to:
            continue  # an opt-out of one number or address leaves the others usable
        if view.answered_once(medium, event.at):
            continue  # the patient reached out through it: one response (1006.14(h)(2)(ii))
        what = MEDIUM_NAMES.get(medium, medium) if channel else "any medium"
        where = f" at `{event.to}`" if event.to else ""
        message = f"the patient asked on {iso_date(event.day)} not to be contacted by {what}{where}"
        return [rule.finding(message, None)]
    return []


def check_third_party(rule: CompiledRule, view: View) -> list[Finding]:
    """A number or address known to be someone else's is not the patient's (comment 14(b)(2)(i)-3)."""
    proposed = view.case.proposed
    if proposed.to is None or proposed.to not in view.misdirected:
        return []
    learned = [e for e in view.events if e.type == "number_not_patient" and e.to == proposed.to]
    when = f" on {iso_date(learned[-1].day)}" if learned else ""
    message = f"`{proposed.to}` was learned{when} to belong to someone other than the patient"
    return [rule.finding(message, None)]


def check_confidential(rule: CompiledRule, view: View) -> list[Finding]:
    """The patient's confidential-communication request (45 CFR 164.522(b))."""
    proposed = view.case.proposed
    patient = view.case.patient
    if proposed.channel not in CONTACT_CHANNELS:
        return []
    findings = []
    if patient.confidential_channels and proposed.channel not in channels_of(patient.confidential_channels):
        allowed = ", ".join(f"`{c}`" for c in patient.confidential_channels)
        findings.append(rule.finding(f"the patient asked to be reached only by {allowed}", None))
    point = view.resolve(proposed.channel, proposed.to)
    if patient.confidential_to and (point is None or point.id not in patient.confidential_to):
        allowed = ", ".join(f"`{p}`" for p in patient.confidential_to)
        findings.append(rule.finding(f"the patient asked to be reached only at {allowed}", None))
    return findings


def check_rebuttal(rule: CompiledRule, view: View) -> list[Finding]:
    """Calls or voicemails in rapid succession or concentrated in one day: warnings, not bans."""
    proposed = view.case.proposed
    if proposed.channel not in TELEPHONE:
        return []
    point = view.resolve(proposed.channel, proposed.to)
    same_number = view.case.index.telephone_to(point.id if point else None, view.at)
    findings = []
    voicemail = proposed.channel == "voicemail"
    noun = "voicemails" if voicemail else "calls"
    recent = [
        e
        for e in same_number
        if e.at > view.at - BURST
        and e.outcome != "conversation"
        and (not voicemail or e.channel == "voicemail" or e.outcome in ("voicemail", "limited_content_message"))
    ]
    if recent:
        zone = view.case.patient.zone
        message = (
            f"two {noun} to the same number within five minutes ({render_local(recent[-1].at, zone)} and "
            f"{render_local(view.at, zone)}) may rebut the presumption of compliance"
        )
        findings.append(rule.finding(message, warning=True))
    today = [e for e in same_number if e.day == view.day]
    if len(today) + 1 >= CONCENTRATED:
        message = (
            f"this would be {noun[:-1]} number {len(today) + 1} to the same number on {iso_date(view.day)}; "
            "calls this concentrated may rebut the presumption of compliance"
        )
        findings.append(rule.finding(message, warning=True))
    return findings


def check_workplace(rule: CompiledRule, view: View) -> list[Finding]:
    """No email to an address known to be employer-provided (1006.22(f)(3); comment 6(b)(3)-2).

    Unless the patient used that address to write to us. Calls at work the patient said they
    cannot take are an inconvenient place (`inconvenient_places: ["work"]`).
    """
    proposed = view.case.proposed
    if proposed.channel != "email":
        return []
    point = view.resolve(proposed.channel, proposed.to)
    if point is None or not point.employer_provided:
        return []
    if any(e.direction == "inbound" and e.channel == "email" and e.to == point.id for e in view.entries):
        return []
    message = f"`{point.id}` is an employer-provided email address the patient has not used with us"
    return [rule.finding(message, None)]
