"""The terms of a payment plan a strategy offers (`offer plan KIND params`), for the message that offers it.

A step that says `offer plan income_driven max_share 3% min_payment $10 max_months 12` and then
`send email "plan_offer"` must put numbers in front of the patient that follow from those
parameters and the balance, not a stock figure. `plan_terms(details, balance)` gives the
template variables `plan.monthly_payment` and `plan.months` (text, as templates read variables):

- `income_driven`: the balance spread over `max_months`, never under `min_payment` (nor over the
  balance itself), rounded up to the cent; no interest. The schema carries no income, so
  `max_share` cannot be applied here: the offer is the most gentle the balance allows within the
  term, and a counselor who learns the income can lower it (a plan sized to income needs income).
- `fixed`: `monthly_payment`, raised only as far as needed to finish within `max_months`.
- `settlement` has no monthly payment: no variables.

Pure; amounts in `Decimal`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_CEILING, Decimal, InvalidOperation

CENT = Decimal("0.01")


def plan_terms(details: Mapping[str, object], balance: object) -> dict[str, str]:
    """`plan.monthly_payment` and `plan.months` for an offer's details and the balance; {} when none apply."""
    owed = amount(balance)
    if owed is None or owed <= 0:
        return {}
    kind = details.get("plan")
    months_cap = amount(details.get("max_months"))
    if kind == "income_driven" and months_cap is not None and months_cap >= 1:
        floor = amount(details.get("min_payment")) or Decimal(0)
        monthly = max(floor, owed / int(months_cap)).quantize(CENT, rounding=ROUND_CEILING)
    elif kind == "fixed" and months_cap is not None and months_cap >= 1:
        asked = amount(details.get("monthly_payment")) or Decimal(0)
        monthly = max(asked, (owed / int(months_cap)).quantize(CENT, rounding=ROUND_CEILING))
    else:
        return {}
    monthly = min(monthly, owed)  # never ask a month for more than is owed
    if monthly <= 0:
        return {}
    return {"plan.monthly_payment": str(monthly), "plan.months": str(math.ceil(owed / monthly))}


def amount(value: object) -> Decimal | None:
    """A number from a fact or an offer parameter (`180.00`, `12`), or None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        found = Decimal(str(value))
    except InvalidOperation:
        return None
    return found if found.is_finite() else None
