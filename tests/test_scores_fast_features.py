"""Feature rows read with the inline fast case are the rows `read_number` gave for every fact."""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.scores.features import SOURCE_ITEMS, SOURCES, derived_default, feature_row, read_number


def old_feature_row(facts: Mapping[str, object]) -> tuple[list[float], tuple[str, ...]]:
    """`feature_row` as it was: every fact through `read_number`."""
    values: dict[str, float] = {}
    defaulted: list[str] = []
    for name, source in SOURCE_ITEMS:
        number = read_number(facts.get(source.fact), source)
        if number is None:
            defaulted.append(name)
            number = derived_default(name, source, facts, values)
        values[name] = number
    return list(values.values()), tuple(defaulted)


class Amount(float):
    """A float subclass: not the inline case, `read_number` reads it."""


values = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(-(10**5), 10**5)
    | st.sampled_from([10**400, -(10**400), 0, 1, -0.0, 0.5, 1.5, 130, 131, 1e308, 5e-324])
    | st.booleans()
    | st.decimals(allow_nan=True, allow_infinity=True)
    | st.sampled_from([Decimal("sNaN"), "1,200", "$45.50", "abc", "nan", "inf", "", None, [1], Amount(3.5)])
)
facts_strategy = st.dictionaries(
    st.sampled_from([s.fact for s in SOURCES.values()] + ["days_since_first_statement", "other"]), values
)


def same(found: tuple[list[float], tuple[str, ...]], expected: tuple[list[float], tuple[str, ...]]) -> bool:
    pairs = zip(found[0], expected[0], strict=True)
    numbers_match = all(a == b or (math.isnan(a) and math.isnan(b)) for a, b in pairs)
    return numbers_match and found[1] == expected[1]


@settings(max_examples=600, deadline=None)
@given(facts_strategy)
def test_feature_rows_are_the_old_ones(facts: dict[str, object]) -> None:
    assert same(feature_row(facts), old_feature_row(facts))


def test_the_inline_case_refuses_what_read_number_refuses() -> None:
    facts = {"balance": math.inf, "patient.age": 131, "insured": 2, "days_past_due": 10**400, "plan_active": -0.0}
    assert same(feature_row(facts), old_feature_row(facts))
    assert {"balance", "patient_age", "insured", "days_past_due"} <= set(feature_row(facts)[1])
