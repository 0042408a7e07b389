"""Instants the API is given (`now` of a decision, `at` of an event): one check, a 422 naming the field.

Pydantic reads any ISO 8601 time, years 0001 to 9999 included, and such a time overflows the
moment its offset is applied (`0001-01-01T00:00:00+14:00` in UTC is before year 1). Every
instant a caller gives therefore passes the guard case's check (`engine.guard.values.outside_years`,
1900-2200), and one that says what already happened is refused when it lies in the future, as
the contacts endpoint refuses one (`runtime.store.external_contacts.in_future`).
"""

from __future__ import annotations

import datetime as dt

from engine.guard.values import outside_years
from runtime.api.errors import ApiError
from runtime.store.external_contacts import in_future


def checked_instant(value: dt.datetime, field: str, now: dt.datetime | None = None) -> dt.datetime:
    """`value` unchanged if it has an offset and a year Parley computes with (and, given `now`, is not ahead)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ApiError(422, "give the time with its UTC offset, e.g. `2026-03-16T13:00:00Z`", field)
    problem = outside_years(value.isoformat(), value.year)
    if problem is not None:
        raise ApiError(422, problem, field)
    if now is not None and in_future(value, now):
        raise ApiError(422, "this time is in the future; record an event once it has happened", field)
    return value
