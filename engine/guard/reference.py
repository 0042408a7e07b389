"""A slow, obviously correct reading of Regulation F's call counts, to test the fast guard against.

It re-reads the raw case on every question, shares no index or cache with `engine.guard.history`,
and follows the Official Interpretations sentence by sentence. Only the two call-frequency rules
(7 calls in 7 consecutive days per debt; none for 7 days after a conversation, its day being
day 1) and their exclusions are covered: that is where counting mistakes hide.
"""

from __future__ import annotations

import datetime as dt

from engine.guard.case import Case, Entry, Event

CALLS = ("call", "voicemail")  # comment 14(b)-1: a ringless voicemail is a call


def local_date(case: Case, at: dt.datetime) -> dt.date:
    """The patient-local calendar date of an instant, in the primary zone."""
    return at.astimezone(case.patient.zone).date()


def known_then(case: Case, at: dt.datetime) -> tuple[list[Entry], list[Event]]:
    """Ledger rows strictly before `at`, and events at or before it."""
    return [e for e in case.history if e.at < at], [e for e in case.events if e.at <= at]


def wrong_numbers(case: Case, events: list[Event]) -> set[str]:
    """Numbers learned to be someone else's, or declared so."""
    numbers = {e.to for e in events if e.type == "number_not_patient" and e.to is not None}
    return numbers | {p.id for p in case.patient.contact_points if not p.belongs_to_patient}


def debts_discussed(case: Case, entry: Entry) -> list[str]:
    """A conversation about no debt counts toward one (the account's first)."""
    return list(entry.debts) if entry.debts else [case.debts[0].id]


def debts_counted(case: Case, entry: Entry) -> list[str]:
    """Comment 14(b)(4)-1.i: each debt a conversation or voicemail was about, else just one."""
    if entry.counted_for is not None:
        return list(entry.counted_for) if entry.counted_for else [case.debts[0].id]
    left_a_voicemail = entry.channel == "voicemail" and entry.outcome not in (
        "limited_content_message",
        "busy",
        "not_in_service",
    )
    if entry.debts and (entry.outcome in ("conversation", "voicemail") or left_a_voicemail):
        return list(entry.debts)
    return [entry.debts[0]] if entry.debts else [case.debts[0].id]


def conversations_about(case: Case, entries: list[Entry], debt: str) -> list[Entry]:
    """Telephone conversations about the debt, whoever called."""
    return [
        e for e in entries if e.channel == "call" and e.outcome == "conversation" and debt in debts_discussed(case, e)
    ]


def under_consent(case: Case, entries: list[Entry], events: list[Event], debt: str, at: dt.datetime) -> bool:
    """1006.14(b)(3)(i) and comment 14(b)(3)(i)-2: consent given directly, up to 7 days, receipt day 1."""
    for consent in events:
        if consent.type != "consent_given" or consent.kind is not None:
            continue
        if consent.channel not in (None, "call", "voicemail"):
            continue
        if consent.debt is not None and consent.debt != debt:
            continue
        if at < consent.at:
            continue
        last_day = local_date(case, consent.at) + dt.timedelta(days=min(consent.days or 7, 7) - 1)
        if local_date(case, at) > last_day:
            continue
        revoked = any(
            e.type == "consent_revoked"
            and e.kind is None
            and e.channel in (None, "call", "voicemail")
            and e.debt in (None, debt)
            and consent.at < e.at < at
            for e in events
        )
        talked = any(consent.at < e.at < at for e in conversations_about(case, entries, debt))
        if not revoked and not talked:
            return True
    return False


def calls_counted(case: Case, debt: str, at: dt.datetime, days: int = 7) -> int:
    """Calls about `debt` counted in the `days` consecutive days ending on `at`'s local date."""
    entries, events = known_then(case, at)
    wrong = wrong_numbers(case, events)
    first = local_date(case, at) - dt.timedelta(days=days - 1)
    count = 0
    for entry in entries:
        if entry.channel not in CALLS or entry.direction != "outbound":
            continue
        if entry.outcome in ("busy", "not_in_service"):
            continue  # comment 14(b)(3)(ii)-1: not connected
        if entry.to is not None and entry.to in wrong:
            continue  # comment 14(b)(2)(i)-3: not a call to this person
        if debt not in debts_counted(case, entry):
            continue
        if under_consent(case, entries, events, debt, entry.at):
            continue
        if first <= local_date(case, entry.at):
            count += 1
    return count


def call_allowed(case: Case, at: dt.datetime, limit: int = 7, quiet_days: int = 7) -> bool:
    """Whether a call about every debt of the proposal keeps both presumptions of compliance."""
    entries, events = known_then(case, at)
    if case.proposed.to is not None and case.proposed.to in wrong_numbers(case, events):
        return True  # not a call to the patient at all; other rules judge it
    for debt in case.proposed.debts or [d.id for d in case.debts]:
        if under_consent(case, entries, events, debt, at):
            continue
        if calls_counted(case, debt, at) + 1 > limit:
            return False
        for talk in conversations_about(case, entries, debt):
            if local_date(case, at) <= local_date(case, talk.at) + dt.timedelta(days=quiet_days - 1):
                return False
    return True


def next_call_allowed(case: Case, at: dt.datetime, horizon_days: int = 400) -> dt.datetime | None:
    """The first local midnight after `at` at which the call is allowed (day-counted rules only)."""
    zone = case.patient.zone
    day = local_date(case, at)
    for offset in range(1, horizon_days + 1):
        midnight = dt.datetime.combine(day + dt.timedelta(days=offset), dt.time(0), tzinfo=zone)
        candidate = midnight.astimezone(dt.UTC)
        if call_allowed(case, candidate):
            return candidate
    return None
