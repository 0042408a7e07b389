"""Pure account state as the engine sees it when deciding: facts, events and strategy progress.

The runtime builds these from its tables; the engine never reads a database. Facts use the
schema's names (`balance`, `paid`, `score.distress`, …) so conditions read them directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ScoreSource:
    """Which model gave a score: the trace names it for every decision."""

    model_id: str
    version: str


@dataclass(frozen=True)
class AccountEvent:
    """Something the strategy can react to with `on EVENT`: a reply, a payment, a conversation…"""

    event_id: str
    type: str
    at: dt.datetime  # aware
    facts: Mapping[str, object] = field(default_factory=dict)  # e.g. intent.* and sentiment.* of a reply
    score_sources: Mapping[str, ScoreSource] = field(default_factory=dict)  # which model read the reply
    # A conversation the contact ledger already holds (a recorded call): the guard reads the ledger's
    # row, with its own debts and direction, and does not add this event as a second one.
    in_ledger: bool = False


@dataclass(frozen=True)
class Progress:
    """How far an account has come through its strategy."""

    steps_acted: Mapping[str, int] = field(default_factory=dict)  # step name -> times it acted
    last_acted_day: Mapping[str, int] = field(default_factory=dict)  # step name -> last day it acted
    handled: frozenset[str] = frozenset()  # "HANDLER-KEY|EVENT-ID" pairs already handled
    handler_counts: Mapping[str, int] = field(default_factory=dict)  # handler key -> times it acted
    # What the strategy's own `pause` and `stop` actions hold back (`engine.holds`):
    paused_until: dt.datetime | None = None  # `pause for …`: no step acts before this instant
    stopped_channels: frozenset[str] = frozenset()  # `stop sms`: no step or handler uses these again
    ended: bool = False  # a bare `stop`: the strategy has ended for the account


@dataclass(frozen=True)
class Account:
    """One account in one strategy."""

    account_id: str
    placed_on: dt.date
    timezone: str
    facts: Mapping[str, object]
    events: tuple[AccountEvent, ...] = ()
    progress: Progress = Progress()
    score_sources: Mapping[str, ScoreSource] = field(default_factory=dict)
    debts: tuple[str, ...] = ("D1",)
    extra_zones: tuple[str, ...] = ()  # other time zones the patient may be in (a step's window holds in all)

    def day(self, local_date: dt.date) -> int:
        """Days since placement on a local calendar date."""
        return (local_date - self.placed_on).days


def placement_start(placed_on: dt.date, timezone: str) -> dt.datetime:
    """The first instant of the placement day in the patient's time zone (the earliest the strategy knows)."""
    return dt.datetime.combine(placed_on, dt.time(0, 0), tzinfo=ZoneInfo(timezone))


REPLY_FACTS = ("intent.", "sentiment.")


def with_last_reply(account: Account) -> Account:
    """The account with its last reply's intents and sentiments among its facts, where it sets none itself.

    What the patient said last is what steps, segments and the guard read (`when hardship`, `hold
    contact when intent.wrong_person`), as `parley score` gives an account its last reply's scores;
    handlers still read each reply's own. A fact the account sets (an agent's note) is kept.
    """
    replies = [e for e in account.events if e.type == "reply" and any(k.startswith(REPLY_FACTS) for k in e.facts)]
    if not replies:
        return account
    last = max(replies, key=lambda e: e.at)
    heard = {k: v for k, v in last.facts.items() if k.startswith(REPLY_FACTS) and k not in account.facts}
    if not heard:
        return account
    sources = {k: source for k, source in last.score_sources.items() if k in heard}
    return replace(account, facts={**account.facts, **heard}, score_sources={**account.score_sources, **sources})


def with_ledger_conversations(
    heard: Sequence[AccountEvent], recorded: Iterable[tuple[str, dt.datetime, Sequence[str]]]
) -> tuple[AccountEvent, ...]:
    """The account's events with each conversation its contact ledger holds, heard once (`on conversation`).

    `recorded`: (event id, instant, debts) of the ledger's rows whose outcome is `conversation`. A
    conversation also among the events at the same instant is the same one. Each is marked
    `in_ledger`: the guard reads it from the ledger's row, with that row's debts.
    """
    posted = {e.at for e in heard if e.type == "conversation"}
    found = [
        AccountEvent(event_id, "conversation", at, {"debt": debts[0]} if len(debts) == 1 else {}, in_ledger=True)
        for event_id, at, debts in recorded
        if at not in posted
    ]
    return tuple(sorted([*heard, *found], key=lambda e: e.at)) if found else tuple(heard)
