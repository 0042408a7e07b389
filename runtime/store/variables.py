"""An account's template variables, checked when they are stored, not when a message is rendered.

A variable a template formats as money (`account.balance`) must be an amount, one it formats as a
date (`invoice.service_date`) a date, and every other one text, a number or a date. Found at
`PUT /v1/accounts/{id}`, a bad value is a 422 naming its path (`variables.invoice.service_date`);
found while deciding, it would cost the contact its message (`runtime.service.messages`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from runtime.render import DATE_VARIABLES, MONEY_VARIABLES, as_date, as_decimal, flatten
from runtime.store.problems import invalid

TYPED = MONEY_VARIABLES | DATE_VARIABLES


def checked_variables(value: Any, field: str = "variables") -> dict[str, Any]:
    """The variables as given, once every value is one its templates can use; a 422 naming the first that is not."""
    if not isinstance(value, Mapping):
        raise invalid(field, "expected an object `{…}`")
    for path, item in flatten(value).items():
        typed = next((t for t in TYPED if path.startswith(t + ".")), None)
        if typed is not None:  # an object where an amount or a date belongs: judged as no value
            path, item = typed, None
        problem = variable_problem(path, item)
        if problem is not None:
            raise invalid(f"{field}.{path}", problem)
    return dict(value)


def variable_problem(path: str, value: Any) -> str | None:
    """Why a template could not use `value` at `path`; None when it can."""
    if path in MONEY_VARIABLES:
        return None if as_decimal(value) is not None else "expected an amount of money, e.g. `230.00`"
    if path in DATE_VARIABLES:
        return None if as_date(value) is not None else "expected a date, e.g. `2026-08-15`"
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal | date):
        return "expected text, a number or a date"
    return None
