"""JSON value readers for guard cases: each checks one value and names its field when it is wrong."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from engine.guard.clock import UTC

T = TypeVar("T")
JURISDICTION = re.compile(r"^[A-Z]{2}(-[A-Z0-9]+)*$")
MIN_YEAR, MAX_YEAR = 1900, 2200  # keeps every later date arithmetic (horizons) in range


class CaseError(ValueError):
    """A malformed guard case: which field, and what is wrong with it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def to_dict(self) -> dict[str, str]:
        """The error as JSON-ready fields."""
        return {"field": self.field, "message": self.message}


def expect_object(value: Any, path: str) -> dict[str, Any]:
    """A JSON object."""
    if not isinstance(value, dict):
        raise CaseError(path, f"expected an object with named fields, got {describe(value)}")
    return value


def required(obj: dict[str, Any], key: str, path: str) -> Any:
    """A field that must be there."""
    if key not in obj or obj[key] is None:
        where = key if path == "case" else f"{path}.{key}"
        raise CaseError(where, "this field is required")
    return obj[key]


def optional(obj: dict[str, Any], key: str, path: str, reader: Callable[[Any, str], T]) -> T | None:
    """A field that may be missing or null."""
    value = obj.get(key)
    return None if value is None else reader(value, f"{path}.{key}")


def read_list(value: Any, path: str, reader: Callable[..., T], indexed: bool = False) -> list[T]:
    """A JSON list, each item read with its own path."""
    if not isinstance(value, list):
        raise CaseError(path, f"expected a list, got {describe(value)}")
    if indexed:
        return [reader(item, f"{path}[{i}]", i) for i, item in enumerate(value)]
    return [reader(item, f"{path}[{i}]") for i, item in enumerate(value)]


def read_string(value: Any, path: str) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise CaseError(path, f"expected a non-empty text, got {describe(value)}")
    return value


def read_bool(value: Any, path: str) -> bool:
    """`true` or `false`."""
    if not isinstance(value, bool):
        raise CaseError(path, f"expected true or false, got {describe(value)}")
    return value


def read_count(value: Any, path: str) -> int:
    """A whole number of days, 1 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100_000:
        raise CaseError(path, f"expected a whole number of days (1 or more), got {describe(value)}")
    return value


def read_choice(value: Any, path: str, choices: tuple[str, ...]) -> str:
    """One word from a closed set, with a hint listing the set."""
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(f"`{x}`" for x in choices)
        raise CaseError(path, f"{describe(value)} is not one of {listed}")
    return value


def read_reference(value: Any, path: str, known: frozenset[str], what: str) -> str:
    """The id of a debt or contact point declared elsewhere in the case."""
    text = read_string(value, path)
    if text not in known:
        raise CaseError(path, f"no {what} has the id `{text}`")
    return text


def read_debt_list(value: Any, path: str, known: frozenset[str]) -> tuple[str, ...]:
    """A list of debt ids, each declared under `debts`."""
    items = read_list(value, path, lambda v, p: read_reference(v, p, known, "debt"))
    return tuple(dict.fromkeys(items))


def read_jurisdiction(value: Any, path: str) -> str:
    """`US-MA`, `US-NY-NYC`."""
    if not isinstance(value, str) or not JURISDICTION.match(value):
        raise CaseError(path, f"{describe(value)} is not a jurisdiction such as `US-MA`")
    return value


def read_money(value: Any, path: str) -> Decimal:
    """An amount such as `"180.00"` or `180`."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise CaseError(path, f'expected an amount such as "180.00", got {describe(value)}')
    try:
        amount = Decimal(str(value).replace("$", "").replace(",", "").strip())
    except InvalidOperation:
        raise CaseError(path, f'`{value}` is not an amount such as "180.00"') from None
    if not amount.is_finite() or amount < 0 or amount > Decimal("1e12"):
        raise CaseError(path, f"`{value}` is not an amount of money")
    return amount


def read_date(value: Any, path: str) -> dt.date:
    """`2025-10-01`."""
    text = read_string(value, path)
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        raise CaseError(path, f"`{text}` is not a date such as `2025-10-01`") from None
    problem = outside_years(text, date.year)
    if problem is not None:
        raise CaseError(path, problem)
    return date


def outside_years(text: str, year: int) -> str | None:
    """The message for a date or time written `text` outside the years Parley computes with, or None.

    The one check behind every instant a caller gives (guard cases, the API's `now` and `at`): a
    year such as 0001 or 9999 overflows the moment an offset is applied or a horizon added.
    """
    if MIN_YEAR <= year <= MAX_YEAR:
        return None
    return f"`{text}` is outside the years {MIN_YEAR}-{MAX_YEAR}"


def read_instant(value: Any, path: str, zone: ZoneInfo) -> dt.datetime:
    """`2026-03-10T14:05:00` (patient-local) or with an offset (converted); returned in UTC."""
    text = read_string(value, path)
    try:
        parsed = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CaseError(path, f"`{text}` is not a time such as `2026-03-10T14:05:00`") from None
    problem = outside_years(text, parsed.year)
    if problem is not None:
        raise CaseError(path, problem)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def describe(value: Any) -> str:
    """A JSON value named the way the case's author wrote it."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"`{value[:40]}`"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "a value of an unknown kind"
