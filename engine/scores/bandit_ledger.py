"""The bandit's reward, read from the contact ledger: did this contact get an answer within 72 hours?

The reward of an outbound `call`, `sms` or `email` is 1 when, after it and before both 72 hours
have passed and the next outbound contact went out, the patient

- talked to us (the call's own outcome is `conversation`: a right-party contact), or
- called or wrote in (an inbound ledger row on any channel), or
- replied, paid or accepted a plan (a `reply`, `payment`, `paid` or `plan_accepted` event);

and 0 otherwise. Why this reward: a delivery alone says the address works, not that the hour
suited the patient (nearly every text is delivered), so it would teach nothing about timing; a
payment alone is rare and slow, so an arm would need thousands of contacts to show a difference;
an answer of any kind is what a well-timed contact buys, and it comes soon enough to credit. The
72 hours cover a reply read the next evening or a payment made after payday's weekend; the credit
goes to the last contact before the answer (last touch), so one answer never pays two arms.

Contacts whose 72 hours are still running are left out (`pending`) instead of counted as
failures, which would make every recent hour look bad. Contacts that never reached the patient
(`not_in_service`, `undeliverable`) are left out too: they say the number is wrong, not the hour.
Rows that cannot be read are skipped and named, never raised. Pure: `now` comes in as an argument.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.scores.bandit import CHANNELS, Outcome

REWARD_WINDOW = dt.timedelta(hours=72)
RESPONSE_EVENTS = frozenset({"reply", "payment", "paid", "plan_accepted"})
ANSWERED_OUTCOMES = frozenset({"conversation"})
UNREACHED_OUTCOMES = frozenset({"not_in_service", "undeliverable"})


@dataclass(frozen=True)
class LedgerOutcomes:
    """The outcomes read, the contacts still waiting for their answer, and the rows skipped (with why)."""

    outcomes: tuple[Outcome, ...]
    pending: int = 0
    unreached: int = 0
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True)
class Contact:
    """An outbound contact the bandit may learn from, in the patient's local time."""

    at: dt.datetime
    channel: str
    answered: bool


def outcomes_from_ledger(
    history: Iterable[Mapping[str, object]],
    events: Iterable[Mapping[str, object]],
    timezone: str,
    segment: str,
    now: dt.datetime,
) -> LedgerOutcomes:
    """One account's rewarded and unrewarded contacts, in DESIGN.md's guard-case shapes.

    `history` rows are `{"at", "channel", "direction", "outcome"}`, `events` `{"at", "type"}`;
    times without an offset are the patient's local time (`timezone`), as in a guard case.
    """
    try:
        zone = ZoneInfo(timezone)
    except (ValueError, ZoneInfoNotFoundError):
        return LedgerOutcomes((), skipped=(f"the time zone `{timezone}` is unknown, so no hour can be read",))
    skipped: list[str] = []
    contacts: list[Contact] = []
    answers: list[dt.datetime] = []
    unreached = 0
    for number, row in enumerate(history):
        if not isinstance(row, Mapping):
            skipped.append(f"history row {number} is not a record")
            continue
        at = instant(row.get("at"), zone)
        if at is None:
            skipped.append(f"history row {number}: `at` is not a date and time: `{row.get('at')}`")
            continue
        if row.get("direction") == "inbound":
            answers.append(at)
        elif row.get("direction") == "outbound" and row.get("channel") in CHANNELS:
            if row.get("outcome") in UNREACHED_OUTCOMES:
                unreached += 1
                continue
            contacts.append(Contact(at, str(row["channel"]), row.get("outcome") in ANSWERED_OUTCOMES))
    for number, event in enumerate(events):
        if isinstance(event, Mapping) and event.get("type") in RESPONSE_EVENTS:
            at = instant(event.get("at"), zone)
            if at is None:
                skipped.append(f"event {number}: `at` is not a date and time: `{event.get('at')}`")
            else:
                answers.append(at)
    now = now if now.tzinfo is not None else now.replace(tzinfo=zone)
    outcomes, pending = credited(sorted(contacts, key=lambda c: c.at), sorted(answers), segment, zone, now)
    return LedgerOutcomes(outcomes, pending, unreached, tuple(skipped))


def credited(
    contacts: list[Contact], answers: list[dt.datetime], segment: str, zone: ZoneInfo, now: dt.datetime
) -> tuple[tuple[Outcome, ...], int]:
    """Each closed contact's outcome (last touch gets the credit) and how many are still open."""
    outcomes: list[Outcome] = []
    pending = 0
    for index, contact in enumerate(contacts):
        closes = contact.at + REWARD_WINDOW
        if index + 1 < len(contacts):
            closes = min(closes, contacts[index + 1].at)
        rewarded = contact.answered or any(contact.at < answer <= closes for answer in answers)
        if not rewarded and closes > now:
            pending += 1
            continue
        outcomes.append(Outcome(segment, contact.channel, contact.at.astimezone(zone).hour, rewarded))
    return tuple(outcomes), pending


def instant(value: object, zone: ZoneInfo) -> dt.datetime | None:
    """An aware instant from ISO text or a datetime; a naive one is read in the patient's zone."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    return value.replace(tzinfo=zone) if value.tzinfo is None else value
