"""When did EVENT happen? The one reading of the event words packs use after `after`/`before`.

`conversation` is a telephone conversation (either party calling); a channel word (`letter`,
`email`, `message`…) is an outbound contact on it that was not returned undeliverable; an event
type (`dispute`, `validation_notice_sent`…) is that event; `first_statement` is the debt's first
billing statement; any other word is a template name in the ledger (`eca_notice`).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import NamedTuple

from dsl.checks.acts import EVENT_ALIASES, MESSAGE_EVENTS
from engine.guard import case as c
from engine.guard.clock import start_of_day
from engine.guard.history import CHANNEL_WORDS, View

FIRST_COMMUNICATION = ("first_communication", "initial_communication")
WRITTEN = frozenset({"letter", "email", "sms", "chat"})
# The static checker's readings, shared so the two agree: a letter or an electronic message meets
# any written-message word (1006.30(a)(1)(ii) accepts either), and aliases of the dated events.
SENT_WORDS = MESSAGE_EVENTS
DEBT_DATES = {"delinquency": "delinquent_since", "placement": "placed"}
STATEMENT = ("first_statement", "statement", "first_post_discharge_statement")


class Occurrence(NamedTuple):
    """One happening of an event word: when, on which local day, and how to name it.

    A named tuple, not a frozen dataclass: every obligation and waiting rule builds some per
    proposal, and a frozen dataclass's constructor costs several times as much.
    """

    at: dt.datetime
    day: int
    what: str


def occurrences(view: View, word: str, debt: str) -> list[Occurrence]:
    """Every happening of `word` concerning `debt` (`*`: any debt) before the view's instant, oldest first."""
    word = EVENT_ALIASES.get(word, word)
    if word == "conversation":
        return [
            Occurrence(e.at, e.day, "a telephone conversation")
            for e in view.conversations
            if debt == "*" or debt in view.discussed(e)
        ]
    if word in STATEMENT:
        return statements(view, debt, "first_statement", "the first statement")
    if word in DEBT_DATES:
        return statements(view, debt, DEBT_DATES[word], word)
    if word in FIRST_COMMUNICATION:
        return first_communication(view, debt)
    if word in SENT_WORDS:
        return communications(view, SENT_WORDS[word], debt)
    if word in CHANNEL_WORDS:
        return communications(view, CHANNEL_WORDS[word], debt)
    index = view.case.index
    types = event_types(word)
    if word not in index.by_template and not any(t in index.events_by_type for t in types):
        return []  # the commonest answer: the case holds no such event and no such message
    found = [
        Occurrence(e.at, e.day, event_type.replace("_", " "))
        for event_type in types
        for e in view.events_of(event_type, None if debt == "*" else debt)
    ]
    found += [
        Occurrence(e.at, e.day, f"the `{word}`")
        for e in index.by_template.get(word, ())
        if e.at < view.at and about(e, debt)
    ]
    return sorted(found, key=lambda o: o.at)


def occurs_since(view: View, word: str, debt: str, since: dt.datetime) -> bool:
    """Whether `occurrences(view, word, debt)` holds one at or after `since`, without listing them.

    An event or template word (the usual `require ACTION within … after EVENT`) is answered from
    the index; any other reading lists its occurrences as `occurrences` does.
    """
    word = EVENT_ALIASES.get(word, word)
    if not is_event_word(word):
        return any(o.at >= since for o in occurrences(view, word, debt))
    index = view.case.index
    for event_type in event_types(word):
        if any(e.at >= since for e in view.events_of(event_type, None if debt == "*" else debt)):
            return True
    return any(e.at >= since and e.at < view.at and about(e, debt) for e in index.by_template.get(word, ()))


@functools.lru_cache(maxsize=256)
def is_event_word(word: str) -> bool:
    """Whether `occurrences` reads a word (already unaliased) as an event type or a template name."""
    return not (
        word == "conversation"
        or word in STATEMENT
        or word in DEBT_DATES
        or word in FIRST_COMMUNICATION
        or word in SENT_WORDS
        or word in CHANNEL_WORDS
    )


def may_occur(view: View, word: str) -> bool:
    """False only when `occurrences(view, word, debt)` is empty for every debt: a cheap first look.

    A plain event or template word the case holds no event or message of never occurs; the other
    readings (conversations, statements, messages sent) are left to `occurrences`.
    """
    word = EVENT_ALIASES.get(word, word)
    if word == "conversation":
        return bool(view.conversations)
    if word in STATEMENT or word in DEBT_DATES or word in FIRST_COMMUNICATION:
        return True
    if word in SENT_WORDS or word in CHANNEL_WORDS:
        return True
    index = view.case.index
    return any(t in index.events_by_type for t in event_types(word)) or word in index.by_template


@functools.lru_cache(maxsize=256)
def event_types(word: str) -> tuple[str, ...]:
    """The case's event types a word names: itself and its `_sent` form, where they are types."""
    return tuple(t for t in (word, f"{word}_sent") if t in c.EVENT_TYPES)


def about(entry: c.Entry, debt: str) -> bool:
    """Whether a ledger row concerns a debt (a row naming none concerns the whole account)."""
    return debt == "*" or not entry.debts or debt in entry.debts


def communications(view: View, channels: frozenset[str], debt: str) -> list[Occurrence]:
    """Outbound contacts on these channels that reached the patient."""
    found = []
    for entry in view.entries:
        if entry.channel not in channels or not view.connected(entry) or entry.outcome == "undeliverable":
            continue
        if about(entry, debt):
            noun = {"sms": "text message", "call": "call"}.get(entry.channel, entry.channel)
            found.append(Occurrence(entry.at, entry.day, f"a {noun}"))
    return found


def first_communication(view: View, debt: str) -> list[Occurrence]:
    """The first communication about the debt: a conversation, a message that was delivered, or a
    voicemail that says more than a limited-content message (an attempt is not a communication)."""
    index = view.case.index
    candidates = index.first_communications.get(debt)
    if candidates is None:
        # The usual answer is an early row (the first letter): read the ledger only that far. The
        # whole list is kept only when that look finds nothing, for a search that asks again.
        for entry in view.case.history:
            if entry.at >= view.at:
                break
            if communicates(entry, debt) and reaches_patient(view, entry):
                return [Occurrence(entry.at, entry.day, "the first communication")]
        candidates = index.first_communications[debt] = [e for e in view.case.history if communicates(e, debt)]
    for entry in candidates:
        if entry.at >= view.at:
            break
        if reaches_patient(view, entry):
            return [Occurrence(entry.at, entry.day, "the first communication")]
    return []


def reaches_patient(view: View, entry: c.Entry) -> bool:
    """Not a contact to a number since learned to be someone else's (the patient's own call is theirs)."""
    return entry.to is None or entry.to not in view.misdirected or entry.direction == "inbound"


def communicates(entry: c.Entry, debt: str) -> bool:
    """Whether a ledger row, whenever judged, is a communication about the debt (not an attempt)."""
    if not about(entry, debt):
        return False
    if entry.channel == "call" and entry.outcome == "conversation":
        return True
    if entry.direction != "outbound" or entry.outcome in c.NOT_CONNECTED or entry.outcome == "undeliverable":
        return False
    left_voicemail = entry.outcome == "voicemail" or c.is_full_voicemail(entry)
    return entry.channel in WRITTEN or (entry.channel in ("call", "voicemail") and left_voicemail)


def statements(view: View, debt: str, field: str, what: str) -> list[Occurrence]:
    """A dated fact of the debt (first statement, delinquency, placement), or of every debt."""
    found = []
    for d in view.case.debts:
        date = getattr(d, field)
        if debt in ("*", d.id) and date is not None:
            day = date.toordinal()
            found.append(Occurrence(start_of_day(day, view.case.patient.zone), day, what))
    return sorted(found, key=lambda o: o.at)
