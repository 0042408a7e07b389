"""When a step's contact goes out today: its window, open in every time zone the patient may be in.

A step's `at 10:00-19:00` is the patient's local time. A patient who may be in more than one zone
(a Chicago address and a Honolulu mobile) is reached only while the window is open in all of them,
as Regulation F judges convenient times where the patient may be (12 CFR 1006.6(b)(1)(i); the guard
holds its 8:00–21:00 the same way): 10:00 in Chicago is 05:00 or 06:00 in Honolulu. So the window
today is the primary zone's, intersected with the same hours in each other zone — on whichever of
that zone's days overlaps it — and the best time is clamped into what is left. When nothing is
left, the step does not contact the patient today.

All instants are in the account's own zone (`now.tzinfo`). Pure: no clock, no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from dsl import ast

Hours = tuple[dt.datetime, dt.datetime]  # [start, end) in the account's zone


def open_hours(window: ast.TimeWindow, now: dt.datetime, zones: Sequence[str] = ()) -> Hours | None:
    """Today's window in the account's zone, narrowed to the hours it is open in each of `zones` too."""
    first, last = window.window.start.minutes, window.window.end.minutes
    start, end = at_minute(now, first), at_minute(now, last)
    for name in zones:
        # The zone's own calendar day may be the day before or after ours: the one that meets ours.
        days = (now.date() + dt.timedelta(days=shift) for shift in (-1, 0, 1))
        zone = ZoneInfo(name)
        overlap = next((o for o in (narrowed(start, end, zone, day, first, last) for day in days) if o), None)
        if overlap is None:
            return None
        start, end = overlap
    return start, end


def narrowed(start: dt.datetime, end: dt.datetime, zone: ZoneInfo, day: dt.date, first: int, last: int) -> Hours | None:
    """[start, end) cut down to the window's hours on `day` in `zone`; None when they do not meet."""
    there = (
        dt.datetime.combine(day, dt.time(first // 60, first % 60), zone).astimezone(start.tzinfo),
        dt.datetime.combine(day, dt.time(last // 60, last % 60), zone).astimezone(start.tzinfo),
    )
    low, high = max(start, there[0]), min(end, there[1])
    return (low, high) if low < high else None


def todays_hours(window: ast.TimeWindow | None, now: dt.datetime, zones: Sequence[str] = ()) -> Hours | None:
    """The hours a step may contact the patient today: its window open everywhere (`open_hours`), or
    the rest of the local day without one; None when the window is open in no common hour."""
    if window is None:
        return now, dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0, 0), tzinfo=now.tzinfo)
    return open_hours(window, now, zones)


def pick_time(
    window: ast.TimeWindow | None,
    hours: Hours | None,
    facts: Mapping[str, object],
    now: dt.datetime,
    channel: str | None = None,
) -> dt.datetime | None:
    """The channel's best time clamped into today's hours, never before now; None when they have
    passed or there are none."""
    if hours is None:
        return None
    start, end = hours
    chosen = start
    best = facts.get(f"best_time.{channel}", facts.get("best_time"))
    if window is not None and window.best_time and isinstance(best, int | float) and not isinstance(best, bool):
        wanted = at_minute(now, min(max(int(best), 0), 24 * 60 - 1))
        chosen = min(max(wanted, start), end - dt.timedelta(minutes=1))
    chosen = max(chosen, now)
    return chosen if chosen < end else None


def closed_reason(window: ast.TimeWindow | None, hours: Hours | None) -> str:
    """Why a step with a window sends nothing today (`hours`: `todays_hours`)."""
    if hours is None:
        return f"its window {window_text(window)} is not open today in every time zone the patient may be in"
    return f"its window {window_text(window)} has passed for today"


def at_minute(now: dt.datetime, minute: int) -> dt.datetime:
    """The local instant on `now`'s date at a minute of the day."""
    return now.replace(hour=minute // 60, minute=minute % 60, second=0, microsecond=0)


def window_text(window: ast.TimeWindow | None) -> str:
    """`09:00-19:00`."""
    if window is None:
        return "(none)"
    start, end = window.window.start, window.window.end
    return f"{start.hour:02d}:{start.minute:02d}-{end.hour:02d}:{end.minute:02d}"
