"""What a strategy's own `pause` and `stop` actions hold back, in this decision and the later ones.

A handler that acts with `pause for 14 days` makes the scheduled steps wait (the handlers still
hear events: a payment is still confirmed, a dispute still handed to a person); `stop sms` ends a
channel for the account, for steps and handlers alike; a bare `stop` ends the strategy for the
account. These are the strategist's own brakes, kept in the account's `Progress`; the law's are
the guard's, and hold whatever the strategy says.

Pure: `held_after(progress, proposals, now)` is the progress once these proposals are carried
out (decide applies it between handlers and steps, the runtime when it stores the decision);
the `*_reason` functions say why something does not act, in the trace's words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Protocol

from engine.account import Progress


class Acted(Protocol):
    """A proposal as far as holds read it (`engine.decide.Proposal`)."""

    @property
    def action(self) -> str: ...

    @property
    def details(self) -> object: ...


def held_after(progress: Progress, proposals: Iterable[Acted], now: dt.datetime) -> Progress:
    """The progress with every `pause` and `stop` among `proposals` in force from `now`."""
    paused_until, stopped, ended = progress.paused_until, set(progress.stopped_channels), progress.ended
    for proposal in proposals:
        details = proposal.details if isinstance(proposal.details, Mapping) else {}
        if proposal.action == "pause":
            until = (now + dt.timedelta(minutes=int(details.get("minutes", 0)))).astimezone(dt.UTC)
            paused_until = until if paused_until is None else max(paused_until, until)
        elif proposal.action == "stop":
            channel = details.get("channel")
            if channel is None:
                ended = True
            else:
                stopped.add(str(channel))
    if (paused_until, stopped, ended) == (progress.paused_until, progress.stopped_channels, progress.ended):
        return progress
    return replace(progress, paused_until=paused_until, stopped_channels=frozenset(stopped), ended=ended)


def paused_reason(progress: Progress, now: dt.datetime) -> str | None:
    """Why no step acts now (a `pause` in force), or None."""
    until = progress.paused_until
    if until is None or now >= until:
        return None
    return f"paused by a `pause` action until {until.astimezone(now.tzinfo).isoformat(timespec='minutes')}"


def stopped_reason(progress: Progress, channel: str | None) -> str | None:
    """Why an action on `channel` is not proposed (a `stop CHANNEL` in force), or None."""
    if channel is None or channel not in progress.stopped_channels:
        return None
    return f"`{channel}` was ended for this account by a `stop {channel}` action"


ENDED = "a `stop` action ended the strategy for this account"
