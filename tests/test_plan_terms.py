"""An offered plan's terms follow from the offer's parameters and the balance (`engine.plan_terms`)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.plan_terms import plan_terms

INCOME = {"plan": "income_driven", "max_share": "3", "min_payment": "10", "max_months": "12"}


@pytest.mark.parametrize(
    ("details", "balance", "expected"),
    [
        (INCOME, Decimal("180.00"), ("15.00", "12")),  # spread over the term
        (INCOME, Decimal("60.00"), ("10.00", "6")),  # never under the minimum: done sooner
        (INCOME, Decimal("100.00"), ("10.00", "10")),
        (INCOME, Decimal("2400.00"), ("200.00", "12")),
        (INCOME, Decimal("100.01"), ("10.00", "11")),  # the last month pays the cent left
        ({**INCOME, "max_months": "36", "min_payment": "25"}, Decimal("2400"), ("66.67", "36")),  # rounded up
        ({"plan": "fixed", "monthly_payment": "50", "max_months": "24"}, Decimal("300"), ("50", "6")),
        ({"plan": "fixed", "monthly_payment": "50", "max_months": "4"}, Decimal("300"), ("75.00", "4")),
        (INCOME, Decimal("5.00"), ("5.00", "1")),  # never more than is owed
        ({"plan": "fixed", "monthly_payment": "50", "max_months": "24"}, Decimal("20"), ("20", "1")),
    ],
)
def test_the_terms_of_an_offer(details: dict, balance: Decimal, expected: tuple[str, str]) -> None:
    terms = plan_terms(details, balance)
    assert (terms["plan.monthly_payment"], terms["plan.months"]) == expected


@pytest.mark.parametrize(
    ("details", "balance"),
    [
        ({"plan": "settlement", "discount": "20", "days_to_pay": "30"}, Decimal("300")),
        (INCOME, None),
        (INCOME, Decimal("0")),
        (INCOME, "not a number"),
        ({**INCOME, "max_months": "0"}, Decimal("300")),
    ],
)
def test_no_terms_where_none_follow(details: dict, balance: object) -> None:
    assert plan_terms(details, balance) == {}


@given(
    balance=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2),
    minimum=st.decimals(min_value=Decimal("0"), max_value=Decimal("500"), places=2),
    months=st.integers(min_value=1, max_value=120),
)
def test_an_income_driven_plan_pays_the_balance_within_its_term_and_never_under_its_minimum(
    balance: Decimal, minimum: Decimal, months: int
) -> None:
    terms = plan_terms({"plan": "income_driven", "min_payment": str(minimum), "max_months": str(months)}, balance)
    monthly, count = Decimal(terms["plan.monthly_payment"]), int(terms["plan.months"])
    assert monthly == balance or monthly >= minimum  # the minimum, unless the whole balance is less
    assert monthly <= balance and 1 <= count <= months
    assert monthly * count >= balance > monthly * (count - 1)  # paid off, and not a month too many
