"""Account facts to model feature rows, in the order the models were trained on (`synthetic.FEATURES`).

Each feature reads one account fact (the schema's name where the language has one). A fact that is
missing, or that cannot be read as a number, takes the documented default below, and the row says
which features were defaulted so a trace can show that a score rests on a guess.

How the defaults are chosen: a missing fact takes a typical value of the training portfolio, so a
model neither extrapolates nor assumes wealth or hardship it was not told about. Two exceptions
lean towards the patient: a missing `insured` means self-pay (what this book mostly is, and it
reads the patient as more likely to struggle, never less), and counts of past events default to
none happened.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from engine.scores.synthetic import FEATURES

STATEMENT_INTERVAL_DAYS = 30  # assumption: providers send one statement a month


@dataclass(frozen=True)
class Source:
    """Where a feature comes from: the fact it reads, its default and why that default."""

    fact: str
    default: float
    why: str
    low: float = 0.0
    high: float = math.inf


SOURCES: dict[str, Source] = {
    "balance": Source("balance", 450.0, "the median self-pay balance of the training portfolio"),
    "original_balance": Source("original_balance", math.nan, "the balance: nothing is known to have been paid"),
    "days_past_due": Source("days_past_due", 285.0, "the middle of the 30-540 days the models saw"),
    "insured": Source("insured", 0.0, "self-pay: reads the patient as more likely to struggle, never less", 0, 1),
    "patient_age": Source("patient.age", 54.0, "the middle of the 18-90 years the models saw", 0, 130),
    "prior_statements": Source(
        "prior_statements", 1.0, "one statement a month since `days_since_first_statement`, else one"
    ),
    "prior_payments": Source("prior_payments", 0.0, "no payment is known"),
    "missed_payments": Source("missed_payments", 0.0, "no missed payment is known"),
    "income_to_poverty": Source("income_to_poverty", 2.0, "about the median of the training portfolio"),
    "plan_active": Source("plan_active", 0.0, "no plan is known", 0, 1),
    "contacts_reached": Source("contacts_reached", 0.0, "no conversation is known"),
}
assert tuple(SOURCES) == FEATURES, "every model feature needs a source, in training order"
SOURCE_ITEMS = tuple(SOURCES.items())
SOURCE_FIELDS = tuple((name, s.fact, s.low, s.high, s) for name, s in SOURCE_ITEMS)  # read once, not per row


@dataclass(frozen=True)
class FeatureRows:
    """A batch of rows in `FEATURES` order, and per row the features that took their default."""

    matrix: np.ndarray
    defaulted: tuple[tuple[str, ...], ...]


def read_number(value: object, source: Source) -> float | None:
    """A fact as a finite number within the feature's range; None when it is missing or unreadable."""
    kind = type(value)
    try:
        if kind is float or kind is int or kind is Decimal:  # most facts: one type test (`bool` is not `int`)
            number = float(value)  # type: ignore[arg-type]
        elif isinstance(value, bool) and source.high != 1:
            return None  # a yes/no is no amount, age or count
        elif isinstance(value, int | float | Decimal):  # yes/no facts count as 1 and 0; subclasses of numbers
            number = float(value)
        elif isinstance(value, str):
            number = float(value.replace(",", "").removeprefix("$"))
        else:
            return None
    except (ValueError, OverflowError):  # text that is no number, a signalling NaN, an int too large
        return None
    if not math.isfinite(number) or not source.low <= number <= source.high:
        return None
    return number


def feature_row(facts: Mapping[str, object]) -> tuple[list[float], tuple[str, ...]]:
    """One account's features in `FEATURES` order, and the names of those that were defaulted."""
    values: dict[str, float] = {}
    defaulted: list[str] = []
    for name, fact, low, high, source in SOURCE_FIELDS:
        value = facts.get(fact)
        kind = type(value)
        if kind is float or kind is int:  # most facts: `read_number`'s first case, inline (one row per request)
            try:
                number: float | None = float(value)  # type: ignore[arg-type]
            except OverflowError:  # an int too large for a float
                number = None
            else:
                if not (math.isfinite(number) and low <= number <= high):
                    number = None
        else:
            number = read_number(value, source)
        if number is None:
            defaulted.append(name)
            number = derived_default(name, source, facts, values)
        values[name] = number
    return list(values.values()), tuple(defaulted)  # SOURCES is in FEATURES order (asserted above)


def derived_default(name: str, source: Source, facts: Mapping[str, object], values: Mapping[str, float]) -> float:
    """The default for a missing feature, from a related fact where the table says so."""
    if name == "original_balance":
        return values["balance"]
    if name == "prior_statements":
        days = read_number(facts.get("days_since_first_statement"), source)
        return 1.0 + min(days // STATEMENT_INTERVAL_DAYS, 7) if days is not None else source.default
    return source.default


def feature_rows(accounts_facts: Sequence[Mapping[str, object]]) -> FeatureRows:
    """Feature rows for a batch of accounts, as one matrix."""
    rows = [feature_row(facts) for facts in accounts_facts]
    matrix = np.array([row for row, _ in rows], dtype=float).reshape(len(rows), len(FEATURES))
    return FeatureRows(matrix, tuple(defaulted for _, defaulted in rows))
