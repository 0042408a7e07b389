"""Disparities between groups with the four-fifths flag, by the direction each measure hurts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.scores.fairness import Direction, Measure, age_band, disparities, is_flagged, reference_group

PLAN = Measure("plan offers", Direction.FAVOURABLE, "")
CONTACTS = Measure("contacts", Direction.BURDENSOME, "")
SCORE = Measure("mean score", Direction.NEUTRAL, "")


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (18, "18-34"),
        (34, "18-34"),
        (35, "35-49"),
        (49.9, "35-49"),
        ("40", "35-49"),
        (50, "50-64"),
        (64, "50-64"),
        (65, "65+"),
        (101, "65+"),
        (17, "unknown"),
        (400, "unknown"),
        (None, "unknown"),
        ("x", "unknown"),
        (math.nan, "unknown"),
    ],
)
def test_age_bands(age: object, band: str) -> None:
    assert age_band(age) == band


@pytest.mark.parametrize(
    ("ratio", "direction", "flagged"),
    [
        (0.79, Direction.FAVOURABLE, True),
        (0.8, Direction.FAVOURABLE, False),
        (3.0, Direction.FAVOURABLE, False),  # more help than the reference is no adverse impact
        (1.26, Direction.BURDENSOME, True),
        (1.25, Direction.BURDENSOME, False),
        (0.1, Direction.BURDENSOME, False),
        (0.79, Direction.NEUTRAL, True),
        (1.26, Direction.NEUTRAL, True),
        (1.0, Direction.NEUTRAL, False),
        (None, Direction.NEUTRAL, False),
    ],
)
def test_four_fifths_by_direction(ratio: float | None, direction: Direction, flagged: bool) -> None:
    assert is_flagged(ratio, direction) is flagged


def test_ratios_against_the_largest_group() -> None:
    groups = ["en"] * 100 + ["es"] * 50 + ["fr"] * 5
    plans = [1] * 50 + [0] * 50 + [1] * 15 + [0] * 35 + [1] * 5  # en 0.5, es 0.3, fr 1.0
    contacts = [2] * 100 + [3] * 50 + [9] * 5  # en 2, es 3, fr 9
    rows = {(r.group, r.measure): r for r in disparities("language", groups, {PLAN: plans, CONTACTS: contacts})}
    assert {r.reference for r in rows.values()} == {"en"}
    assert rows["en", "plan offers"].ratio == 1.0 and not rows["en", "plan offers"].flagged
    assert rows["es", "plan offers"].ratio == 0.6 and rows["es", "plan offers"].flagged
    assert rows["es", "contacts"].ratio == 1.5 and rows["es", "contacts"].flagged
    fr = rows["fr", "contacts"]  # far above, but five accounts are noise
    assert fr.ratio == 4.5 and not fr.flagged and "too few" in fr.note
    assert rows["es", "plan offers"].count == 50


def test_a_named_reference_and_unknown_values() -> None:
    groups = ["a"] * 40 + ["b"] * 60
    values = [1.0] * 40 + [math.nan] * 30 + [0.0] * 30
    rows = {r.group: r for r in disparities("x", groups, {PLAN: values}, reference="a")}
    assert rows["a"].reference == "a" and rows["b"].value == 0.0 and rows["b"].ratio == 0.0
    assert rows["b"].count == 60 and rows["b"].flagged


def test_no_ratio_when_the_reference_has_none() -> None:
    rows = disparities("x", ["a"] * 40 + ["b"] * 40, {PLAN: [0] * 40 + [1] * 40}, reference="a")
    assert rows[1].ratio is None and not rows[1].flagged and "no ratio" in rows[1].note


def test_the_reference_is_never_the_unknown_group() -> None:
    assert reference_group(np.array(["unknown"] * 9 + ["en"] * 2)) == "en"
    assert reference_group(np.array(["b", "a"])) == "a"  # ties: sorted order, so runs agree


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="3 values for 2 accounts"):
        disparities("x", ["a", "b"], {SCORE: [1, 2, 3]})
    assert disparities("x", [], {SCORE: []}) == []


def test_a_difference_chance_explains_is_not_flagged() -> None:
    groups = ["en"] * 200 + ["es"] * 40
    handoffs = [1] * 10 + [0] * 190 + [1] * 1 + [0] * 39  # 5% against 2.5%: ratio 0.5, but one patient
    [_, es] = disparities("language", groups, {PLAN: handoffs})
    assert es.ratio == 0.5 and es.p_value is not None and es.p_value > 0.05
    assert not es.flagged and es.note.startswith("within chance")
    many = ["en"] * 2_000 + ["es"] * 400
    offers = [1] * 100 + [0] * 1_900 + [1] * 10 + [0] * 390  # the same rates on ten times the accounts
    [_, es] = disparities("language", many, {PLAN: offers})
    assert es.ratio == 0.5 and es.p_value is not None and es.p_value < 0.05 and es.flagged


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["a", "b", "c", "unknown"]), st.integers(0, 3)), min_size=1, max_size=120),
    st.sampled_from(list(Direction)),
)
def test_disparities_agree_with_a_plain_reading_of_the_rule(accounts: list[tuple[str, int]], direction) -> None:
    groups = [g for g, _ in accounts]
    values = [float(v) for _, v in accounts]
    rows = disparities("x", groups, {Measure("m", direction, ""): values}, min_count=5)
    by_group: dict[str, list[float]] = {}
    for group, value in zip(groups, values, strict=True):
        by_group.setdefault(group, []).append(value)
    known = {g: len(v) for g, v in by_group.items() if g != "unknown"}
    reference = min(known, key=lambda g: (-known[g], g)) if known else "unknown"
    base = sum(by_group[reference]) / len(by_group[reference])
    assert {r.group for r in rows} == set(by_group) and rows[0].group == reference
    for row in rows:
        mine = by_group[row.group]
        assert row.reference == reference and row.count == len(mine)
        assert row.value == pytest.approx(sum(mine) / len(mine), abs=1e-4)
        if base == 0:
            assert row.ratio is None and not row.flagged
        else:
            assert row.ratio == pytest.approx(row.value / base, rel=1e-3, abs=1e-3)
        if row.flagged:
            assert row.count >= 5 and row.p_value is not None and row.p_value < 0.05
            assert is_flagged(row.ratio, direction) and row.group != reference
