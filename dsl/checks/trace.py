"""Counterexample timelines in the patient's local time, on an illustrative placement date.

A strategy counts days from each account's placement, so a trace needs a date to show: day 0 is
`PLACEMENT_DATE` (a Monday) unless the caller puts another date in `ctx.extras["placement_date"]`
(a worked example's own dates, say), and a step's contacts are shown at its window's start.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from dsl import ast
from dsl.checks import timeline
from dsl.checks.context import CheckContext
from dsl.checks.counting import Contact
from dsl.diagnostics import TraceEvent

PLACEMENT_DATE = dt.date(2026, 3, 2)

CHANNEL_WORDS = {
    "call": "call",
    "voicemail": "voicemail",
    "sms": "text message",
    "email": "email",
    "letter": "letter",
    "chat": "chat message",
}


def origin_of(ctx: CheckContext) -> dt.date:
    """The date day 0 is shown as."""
    origin = ctx.extras.get("placement_date")
    return origin if isinstance(origin, dt.date) else PLACEMENT_DATE


def date_of(day: int, origin: dt.date = PLACEMENT_DATE) -> str:
    """`Mon 2026-03-02` for placement day `day`."""
    date = origin + dt.timedelta(days=day)
    return f"{date:%a} {date.isoformat()}"


def when(day: int, minute: int | None, event: str | None = None, origin: dt.date = PLACEMENT_DATE) -> str:
    """When a contact happens, as a compliance officer reads it."""
    if event is not None:
        return f"{date_of(day, origin)} after a `{event}`"
    if minute is None:
        return f"{date_of(day, origin)} (time set by the engine)"
    return f"{date_of(day, origin)} {minute // 60:02d}:{minute % 60:02d}"


def describe(action: ast.Action) -> str:
    """`call "agent_script"`, `text message "reminder"`."""
    if isinstance(action, ast.Call):
        return f'call "{action.script}"'
    if isinstance(action, ast.Send):
        return f'{CHANNEL_WORDS.get(action.channel, action.channel)} "{action.template}"'
    if isinstance(action, ast.Escalate):
        return f"escalate to {action.target}"
    return type(action).__name__.lower()


def contact_events(
    contacts: Sequence[Contact], limit: int | None = None, origin: dt.date = PLACEMENT_DATE
) -> list[TraceEvent]:
    """One trace line per contact, numbered, with a marker on the one past `limit`."""
    events = []
    for number, contact in enumerate(contacts, start=1):
        over = " — over the limit" if limit is not None and number == limit + 1 else ""
        what = f"#{number} {describe(contact.action)} ({timeline.owner_name(contact.owner)}){over}"
        events.append(TraceEvent(when(contact.day, contact.minute, contact.event, origin), what))
    return events
