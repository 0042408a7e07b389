"""Patient-local calendar arithmetic on top of `zoneinfo` (daylight saving, leap days).

The guard keeps instants in UTC and converts to the patient's zones only to read a local date or
clock time, so a 23-hour or 25-hour day never shifts a window: windows count calendar days.
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

UTC = dt.UTC
MIDNIGHT = dt.time(0, 0)


def local_day(at: dt.datetime, zone: ZoneInfo) -> int:
    """The ordinal of the local calendar date of an instant."""
    return at.astimezone(zone).date().toordinal()


def local_minute(at: dt.datetime, zone: ZoneInfo) -> tuple[int, float]:
    """The local weekday (0=Mon) and minute of day, with seconds as a fraction."""
    local = at.astimezone(zone)
    return local.weekday(), local.hour * 60 + local.minute + local.second / 60 + local.microsecond / 60e6


@functools.lru_cache(maxsize=4096)
def at_local(day: int, minute: int, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant of a local date and clock minute (memoised: a batch asks about a few days).

    In a spring-forward gap zoneinfo reads the clock with the old offset, which lands just after
    the gap: the first real instant at or after the wall time, which is what a window start wants.
    """
    date = dt.date.fromordinal(day)
    hour, rest = divmod(minute, 60)
    if hour >= 24:
        date, hour = date + dt.timedelta(days=1), hour - 24
    local = dt.datetime.combine(date, dt.time(hour, rest), tzinfo=zone)
    return local.astimezone(UTC)


def start_of_day(day: int, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant the local date begins."""
    return at_local(day, 0, zone)


def iso_date(day: int) -> str:
    """`2026-03-16` for an ordinal."""
    return dt.date.fromordinal(day).isoformat()


WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # English whatever the machine's locale


@functools.lru_cache(maxsize=4096)
def weekday_date(day: int) -> str:
    """`Wed 2020-04-01`, the way the Official Interpretations name days (memoised, like `at_local`)."""
    date = dt.date.fromordinal(day)
    return f"{WEEKDAY_NAMES[date.weekday()]} {date.isoformat()}"


def render_instant(at: dt.datetime, zones: tuple[ZoneInfo, ...]) -> str:
    """An instant for people: patient-local without offset for one zone, with offset for several.

    Rounded up to the second, so the instant shown is never before the one found.
    """
    if at.microsecond:
        at = at + dt.timedelta(microseconds=1_000_000 - at.microsecond)
    local = at.astimezone(zones[0])
    if len(zones) == 1:
        return local.replace(tzinfo=None).isoformat(timespec="seconds")
    return local.isoformat(timespec="seconds")


def render_local(at: dt.datetime, zone: ZoneInfo) -> str:
    """`2026-03-10 14:05` in the given zone."""
    local = at.astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"
