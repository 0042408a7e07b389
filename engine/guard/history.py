"""The account as the guard sees it at one instant: the ledger before it, the events up to it.

A `View` answers the questions every constraint kind asks — which contacts count toward which
debt, which conversations happened, which consents and opt-outs are in effect — with the
Regulation F counting rules built in, and caches each answer, so judging one proposal walks the
50-odd ledger rows a handful of times at most.
"""

from __future__ import annotations

import datetime as dt
import functools
from bisect import bisect_left, bisect_right
from typing import Any
from zoneinfo import ZoneInfo

from engine.guard import case as c
from engine.guard.clock import local_day, local_minute
from engine.guard.lazy import lazy
from engine.scores.replies_revocation import revocation

# Channel words a pack may use, and what they reach. `call` includes ringless voicemail
# (comment 14(b)-1); `contact` is every medium a patient hears from (MA, WA, NYC caps).
CHANNEL_WORDS: dict[str, frozenset[str]] = {
    "call": frozenset({"call", "voicemail"}),
    "calls": frozenset({"call", "voicemail"}),
    "telephone": frozenset({"call", "voicemail"}),
    "voicemail": frozenset({"voicemail"}),
    "sms": frozenset({"sms"}),
    "text": frozenset({"sms"}),
    "email": frozenset({"email"}),
    "letter": frozenset({"letter"}),
    "mail": frozenset({"letter"}),
    "chat": frozenset({"chat"}),
    "message": frozenset({"letter", "email", "sms", "chat"}),
    "electronic": frozenset({"email", "sms", "chat"}),
    "contact": frozenset(c.CONTACT_CHANNELS),
    "communication": frozenset(c.CONTACT_CHANNELS),
    "communications": frozenset(c.CONTACT_CHANNELS),
    "outreach": frozenset(c.CONTACT_CHANNELS),
    "any": frozenset(c.CONTACT_CHANNELS),
    "credit_report": frozenset({"credit_report"}),
    # An extraordinary collection action (26 CFR 1.501(r)-6(b)): reporting to a bureau, selling the
    # debt, and legal process are each one.
    "eca": frozenset({"eca", "credit_report", "debt_sale", "lawsuit", "lien", "garnishment"}),
    # A proposal that only says `eca` may be any of them, as the static checker reads `escalate eca`.
    "debt_sale": frozenset({"debt_sale", "eca"}),
    "lawsuit": frozenset({"lawsuit", "eca"}),
    "civil_action": frozenset({"lawsuit", "eca"}),
    "lien": frozenset({"lien", "eca"}),
    "garnishment": frozenset({"garnishment", "eca"}),
    "agency": frozenset({"agency"}),
    "collection": frozenset(c.PROPOSAL_CHANNELS),
    "all": frozenset(c.PROPOSAL_CHANNELS),
}


def channels_of(words: tuple[str, ...]) -> frozenset[str]:
    """The channels a list of pack words reaches (unknown words reach nothing)."""
    reached: set[str] = set()
    for word in words:
        reached |= CHANNEL_WORDS.get(word, frozenset())
    return frozenset(reached)


@functools.lru_cache(maxsize=4096)
def is_revocation(text: str | None) -> bool:
    """Whether a reply asks us to stop contacting the patient, read by the same revocation rules
    that score replies (`engine.scores.replies_revocation`): the FCC's per-se words, their Spanish
    equivalents and any other wording a reasonable person reads as "stop" (47 CFR 64.1200(a)(10)).

    Replies repeat across judgements of one account, so the answers are remembered by text.
    """
    return bool(text) and revocation(text).revoked


class View:
    """The account at instant `at`: ledger rows strictly before it, events at or before it."""

    def __init__(self, case: c.Case, at: dt.datetime) -> None:
        self.case = case
        self.at = at
        self.day = local_day(at, case.patient.zone)
        self.entries = case.history[: bisect_left(case.history_times, at)]
        self.events = case.events[: bisect_right(case.event_times, at)]
        self._counted: dict[tuple[frozenset[str], str, str | None, int | None], list[c.Entry]] = {}
        self._consent_ends: dict[tuple[int, str], dt.datetime | None] = {}
        # Answers several rules share at this instant (the same hours held by several packs).
        self.memo: dict[tuple, Any] = {}

    @lazy
    def local_minutes(self) -> dict[ZoneInfo, tuple[int, float]]:
        """The weekday and minute of day of the instant in each of the patient's zones (asked by every clock rule)."""
        return {zone: local_minute(self.at, zone) for zone in self.case.patient.zones}

    # ------------------------------------------------------------ contact points

    def resolve(self, channel: str, to: str | None) -> c.ContactPoint | None:
        """The contact point a contact used: the named one, or the patient's only one of its kind."""
        return self.case.index.resolve(channel, to)

    def place_words(self, channel: str, to: str | None) -> frozenset[str]:
        """The `at PLACE` words a contact satisfies: `personal` (`home`, `mobile`), or `work`/`other`."""
        return self.case.index.place_words(channel, to)

    @lazy
    def misdirected(self) -> frozenset[str]:
        """Numbers learned to be someone else's: calls to them are not calls to the patient."""
        learned = {e.to for e in self.events if e.type == "number_not_patient" and e.to}
        learned |= {p.id for p in self.case.patient.contact_points if not p.belongs_to_patient}
        return frozenset(learned)

    # ------------------------------------------------------------ what counts

    def connected(self, entry: c.Entry) -> bool:
        """An outbound contact that reached the patient's number (comments 14(b)(3)(ii)-1, 14(b)(2)(i)-3)."""
        if entry.direction != "outbound" or entry.outcome in c.NOT_CONNECTED:
            return False
        return entry.to is None or entry.to not in self.misdirected

    def counted_debts(self, entry: c.Entry) -> tuple[str, ...]:
        """The debts an outbound contact counts toward (comment 14(b)(4)-1.i; see `CaseIndex`)."""
        return self.case.index.counted_debts[entry.index]

    def discussed(self, entry: c.Entry) -> tuple[str, ...]:
        """The debts a conversation was about; a conversation about none counts for one (14(b)(4)-1.ii)."""
        return entry.debts or (self.case.first_debt,)

    def counted(
        self, channels: frozenset[str], debt: str, place: str | None, since_day: int | None = None
    ) -> list[c.Entry]:
        """Ledger rows counted toward a cap on `channels` for `debt` (`*`: the whole account).

        `since_day`: only rows from that local day on, all a window needs (and far fewer to check).
        """
        key = (channels, debt, place, since_day)
        cached = self._counted.get(key)
        if cached is not None:
            return cached
        rows = self.case.index.before(channels, debt, place, self.at, since_day)
        if self.case.index.dynamic:
            rows = [e for e in rows if self.still_counts(e, debt)]
        self._counted[key] = rows
        return rows

    def still_counts(self, entry: c.Entry, debt: str) -> bool:
        """Not to a number since learned to be someone else's, and not under a direct consent."""
        if entry.to is not None and entry.to in self.misdirected:
            return False
        first_at, last_day = self.consent_span
        if entry.at < first_at or entry.day > last_day:
            return True  # outside every consent's days: nothing to look up
        if debt == "*":
            return not self.consented_any(entry)
        return self.consented(entry.channel, debt, entry.at, entry.day) is None

    def consented_any(self, entry: c.Entry) -> bool:
        """Whether prior consent covers a contact for every debt it counts toward."""
        debts = self.counted_debts(entry)
        return all(self.consented(entry.channel, d, entry.at, entry.day) is not None for d in debts)

    @lazy
    def conversations(self) -> list[c.Entry]:
        """Telephone conversations, whoever placed the call (comment 14(b)(2)(i)-1.ii)."""
        index = self.case.index
        return index.conversations[: bisect_left(index.conversation_times, self.at)]

    # ------------------------------------------------------------ prior consent to more calls

    @lazy
    def direct_consents(self) -> tuple[c.Event, ...]:
        """Consents to more contacts given directly to the collector (no TCPA `kind`)."""
        return tuple(e for e in self.case.index.events_until("consent_given", self.at) if e.kind is None)

    @lazy
    def consent_span(self) -> tuple[dt.datetime, int]:
        """The first instant and last day any direct consent can cover (an empty span when none)."""
        if not self.direct_consents:
            return self.at, -1
        first = min(e.at for e in self.direct_consents)
        return first, max(e.day + min(e.days or 7, 7) - 1 for e in self.direct_consents)

    def consented(self, channel: str, debt: str, at: dt.datetime, day: int) -> c.Event | None:
        """The consent that takes a contact out of the counts (1006.14(b)(3)(i)), if any.

        It covers up to 7 consecutive days, the day of receipt being day 1, and ends early when
        revoked or when a telephone conversation about that debt happens (comment 14(b)(3)(i)-2).
        """
        medium = c.MEDIUM[channel]
        for consent in self.direct_consents:
            if consent.channel is not None and c.MEDIUM[consent.channel] != medium:
                continue
            if consent.debt not in (None, debt) or at < consent.at:
                continue
            if day > consent.day + min(consent.days or 7, 7) - 1:
                continue
            ends = self.consent_end(consent, debt)
            if ends is None or at <= ends:
                return consent
        return None

    def consent_end(self, consent: c.Event, debt: str) -> dt.datetime | None:
        """When a consent stopped covering a debt: its revocation or the next conversation about it.

        A contact strictly after that instant is no longer covered; None: not ended before the view's instant.
        """
        key = (consent.index, debt)
        if key in self._consent_ends:
            return self._consent_ends[key]
        ends = []
        for event in self.case.index.events_until("consent_revoked", self.at):
            if (
                event.kind is None
                and event.at > consent.at
                and event.debt in (None, debt)
                and (
                    event.channel is None
                    or consent.channel is None
                    or (c.MEDIUM[event.channel] == c.MEDIUM[consent.channel])
                )
            ):
                ends.append(event.at)
        ends += [e.at for e in self.conversations if e.at > consent.at and debt in self.discussed(e)]
        found = min(ends) if ends else None
        self._consent_ends[key] = found
        return found

    # ------------------------------------------------------------ events

    def events_of(self, kind: str, debt: str | None = None) -> list[c.Event]:
        """Events of a type that concern a debt (events naming no debt concern them all)."""
        found = self.case.index.events_until(kind, self.at)
        return found if debt is None else [e for e in found if e.debt in (None, debt)]

    def latest(self, kind: str, debt: str | None = None) -> c.Event | None:
        """The latest event of a type concerning a debt."""
        found = self.events_of(kind, debt)
        return found[-1] if found else None

    def opt_outs(self) -> list[c.Event]:
        """Opt-outs, including a revocation word replied by text (it stops that number at once)."""
        found = []
        for event in self.events:
            if event.type == "opt_out" or (event.type == "reply" and is_revocation(event.text)):
                found.append(event)
        return found

    def answered_once(self, medium: str, since: dt.datetime, point: str | None = None) -> bool:
        """Whether the patient wrote or called in through `medium` after `since` with no reply yet.

        Regulation F lets the collector respond once through the same medium (comments
        6(b)(1)-2 and 14(h)(1)); this says whether that one response is still available.
        """
        inbound = [
            e
            for e in self.entries
            if e.direction == "inbound" and e.medium == medium and e.at >= since and (point is None or e.to == point)
        ]
        if not inbound:
            return False
        last_in = inbound[-1].at
        return not any(e.direction == "outbound" and e.medium == medium and e.at > last_in for e in self.entries)
