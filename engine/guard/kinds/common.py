"""Helpers every constraint kind shares: which debts a proposal is about, words, dates."""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING

from dsl import ast
from dsl.checks.acts import TEMPLATE_WORDS
from engine.guard import case as c
from engine.guard.clock import start_of_day
from engine.guard.history import CHANNEL_WORDS, View, channels_of

if TYPE_CHECKING:
    from engine.guard.rules import CompiledRule

# Channels a time-of-day rule reaches when it names none: the media a patient hears from at
# that moment. A letter's hour of posting is not when it is read; reports and ECAs are not
# communications with the patient.
TIMED_CHANNELS = frozenset({"call", "voicemail", "sms", "email", "chat"})


def proposal_debts(view: View) -> tuple[str, ...]:
    """The debts the proposal is about; naming none, it may touch every debt of the account."""
    return view.case.proposed.debts or tuple(d.id for d in view.case.debts)


@functools.lru_cache(maxsize=4096)
def words(idents: tuple[ast.Ident, ...]) -> tuple[str, ...]:
    """The plain words of a list of identifiers (memoised: packs are compiled once, judged often)."""
    return tuple(i.name for i in idents)


@functools.lru_cache(maxsize=4096)
def channel_set(idents: tuple[ast.Ident, ...]) -> frozenset[str]:
    """The channels a constraint's channel words reach."""
    return channels_of(words(idents))


def action_matches(word: str, channel: str, template: str | None = None) -> bool:
    """Whether a pack's action word (`collection`, `call`, `eca`…) covers a proposal.

    A message kind (`validation_notice`, `eca_notice`) matches a proposal carrying that template,
    or a template the static checker reads as one (`agency_validation_notice` is a validation
    notice: `dsl.checks.acts.TEMPLATE_WORDS`), so the guard and the checker agree;
    `electronic_validation_notice` is the validation notice sent by email, text or chat.
    """
    if channel in CHANNEL_WORDS.get(word, frozenset({word})):
        return True
    if template is None:
        return False
    if word == "electronic_validation_notice":
        return is_kind(template, "validation_notice") and channel in ("email", "sms", "chat")
    return is_kind(template, word)


def is_kind(template: str, word: str) -> bool:
    """Whether a template is the message a kind word names: itself, or by the checker's template words."""
    if word == template:
        return True
    part = TEMPLATE_WORDS.get(word)
    return part is not None and part in template


def proposal_does(view: View, word: str) -> bool:
    """Whether the proposal is the action a pack word names."""
    proposed = view.case.proposed
    return action_matches(word, proposed.channel, proposed.template)


def rule_channels(rule: CompiledRule, idents: tuple[ast.Ident, ...]) -> frozenset[str]:
    """The channel set of a rule's channel words, derived once per compiled rule."""
    found = rule.memo.get("channels")
    if found is None:
        found = rule.memo["channels"] = channel_set(idents)
    return found


def proposal_in(view: View, idents: tuple[ast.Ident, ...]) -> bool:
    """Whether the proposal's channel is one of the words."""
    channel = view.case.proposed.channel
    return channel in channel_set(idents) or channel in words(idents)


def rule_reaches(rule: CompiledRule, idents: tuple[ast.Ident, ...], channel: str) -> bool:
    """`proposal_in` for a rule's own channel words, remembered per channel on the rule.

    Hashing a tuple of AST identifiers (for the memoised `words`) cost more than the test itself;
    the channels are few (`PROPOSAL_CHANNELS`), so the memo stays small.
    """
    key = ("in", channel)
    found = rule.memo.get(key)
    if found is None:
        found = rule.memo[key] = channel in channel_set(idents) or channel in words(idents)
    return found


def day_start(view: View, day: int) -> dt.datetime:
    """The instant a patient-local day begins (the first moment a day-counted rule can clear)."""
    return start_of_day(day, view.case.patient.zone)


def days_of(duration: ast.Duration) -> int | None:
    """Whole calendar days of a day- or week-long duration; None for hours and minutes."""
    unit = duration.unit  # read directly: `minutes` builds a table on every call
    if unit == "day":
        return duration.amount
    if unit == "week":
        return duration.amount * 7
    return None


def label(view: View, debt: str) -> str:
    """How a message names a debt: its id, or `the account` for the whole-account unit."""
    return "the account" if debt == "*" else debt


def plural(count: int, noun: str) -> str:
    """`1 call`, `7 calls`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


CHANNEL_NOUNS = {
    "call": "call",
    "voicemail": "voicemail",
    "sms": "text message",
    "email": "email",
    "letter": "letter",
    "chat": "chat message",
}


def noun_for(channels: frozenset[str]) -> str:
    """A noun for what a cap counts: `call` when only calls, else `contact`."""
    if channels <= frozenset({"call", "voicemail"}):
        return "call"
    if len(channels) == 1:
        return CHANNEL_NOUNS.get(next(iter(channels)), "contact")
    return "contact"


def connected_proposal_point(view: View) -> c.ContactPoint | None:
    """The contact point the proposal would use, if it can be told."""
    proposed = view.case.proposed
    return view.resolve(proposed.channel, proposed.to)
