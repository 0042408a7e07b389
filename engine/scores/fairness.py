"""Disparities between groups of patients, with the four-fifths flag. Pure: arrays in, rows out.

For each group of an attribute (language, age band, jurisdiction) a measure's value is the mean
over the group's accounts (a rate for yes/no measures), and its ratio is that value divided by the
reference group's. The reference is the largest group unless one is named.

The four-fifths rule (29 CFR 1607.4(D), the EEOC's rule of thumb for adverse impact) flags a group
whose rate of a favourable outcome is under 4/5 of the reference's. Here it is applied by the
measure's direction:

- favourable (a plan offered, a hand-off to a person, a payment): flagged when the ratio < 0.8;
- burdensome (contacts, escalations): flagged when the ratio > 1.25, i.e. the reference gets
  under 4/5 of the group's burden;
- neutral (a model's mean score): flagged when outside 0.8-1.25 either way.

A group with fewer than `min_count` accounts is reported but never flagged: its rate is noise.
A flag is a question for a person, not a finding of discrimination.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np

FOUR_FIFTHS = 0.8
MIN_COUNT = 30
AGE_BANDS = ((18, "18-34"), (35, "35-49"), (50, "50-64"), (65, "65+"))
UNKNOWN = "unknown"


class Direction(Enum):
    """Which way a measure hurts a group."""

    FAVOURABLE = "favourable"
    BURDENSOME = "burdensome"
    NEUTRAL = "neutral"


@dataclass(frozen=True)
class Measure:
    """A per-account quantity compared between groups."""

    name: str
    direction: Direction
    description: str


@dataclass(frozen=True)
class GroupRow:
    """One group's value of one measure, its ratio to the reference group's, and the flag."""

    attribute: str
    group: str
    measure: str
    count: int
    value: float
    reference: str
    ratio: float | None  # None when the reference group's value is 0
    flagged: bool
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready fields."""
        return {
            "attribute": self.attribute,
            "group": self.group,
            "measure": self.measure,
            "count": self.count,
            "value": self.value,
            "reference": self.reference,
            "ratio": self.ratio,
            "flagged": self.flagged,
            "note": self.note,
        }


def age_band(age: object) -> str:
    """The age band of an age in years (`18-34`, `35-49`, `50-64`, `65+`); `unknown` otherwise."""
    try:
        years = float(age)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return UNKNOWN
    if not math.isfinite(years) or years < AGE_BANDS[0][0] or years > 130:
        return UNKNOWN
    return next(label for low, label in reversed(AGE_BANDS) if years >= low)


def is_flagged(ratio: float | None, direction: Direction) -> bool:
    """Whether a ratio to the reference breaches the four-fifths rule in the measure's direction."""
    if ratio is None:
        return False
    low, high = FOUR_FIFTHS, 1 / FOUR_FIFTHS
    if direction is Direction.FAVOURABLE:
        return ratio < low
    if direction is Direction.BURDENSOME:
        return ratio > high
    return ratio < low or ratio > high


def reference_group(groups: np.ndarray, named: str | None = None) -> str:
    """The named group when it is present, else the largest (ties: the first in sorted order)."""
    labels, counts = np.unique(groups, return_counts=True)
    if named is not None and named in labels:
        return named
    known = [(int(-c), str(g)) for g, c in zip(labels, counts, strict=True) if g != UNKNOWN]
    return min(known)[1] if known else str(labels[np.argmax(counts)])


def disparities(
    attribute: str,
    groups: Sequence[str],
    values: Mapping[Measure, Sequence[float]],
    reference: str | None = None,
    min_count: int = MIN_COUNT,
) -> list[GroupRow]:
    """Per group and measure: the group's mean, its ratio to the reference group's, and the flag.

    `groups[i]` is account i's group; `values[measure][i]` its value of the measure (NaN: not
    known for that account, left out of the mean).
    """
    labels = np.asarray(groups, dtype=object)
    if not len(labels):
        return []
    chosen = reference_group(labels, reference)
    rows: list[GroupRow] = []
    for measure, column in values.items():
        numbers = np.asarray(column, dtype=float)
        if len(numbers) != len(labels):
            raise ValueError(f"`{measure.name}` has {len(numbers)} values for {len(labels)} accounts")
        base = group_mean(numbers, labels == chosen)
        for group in sorted(set(labels.tolist()), key=lambda g: (g != chosen, g == UNKNOWN, g)):
            inside = labels == group
            value = group_mean(numbers, inside)
            ratio = round(value / base, 4) if base and not math.isnan(base) and not math.isnan(value) else None
            count = int(inside.sum())
            note = "" if ratio is not None else "the reference group's value is 0: no ratio"
            if count < min_count:
                note = f"too few accounts to judge (fewer than {min_count})"
            flagged = count >= min_count and is_flagged(ratio, measure.direction)
            rows.append(GroupRow(attribute, str(group), measure.name, count, value, chosen, ratio, flagged, note))
    return rows


def group_mean(values: np.ndarray, inside: np.ndarray) -> float:
    """The mean of the known values inside a group; NaN when it has none."""
    known = values[inside & ~np.isnan(values)]
    return round(float(known.mean()), 4) if len(known) else math.nan


SCORE_MEASURES = (
    Measure("mean score", Direction.NEUTRAL, "the model's mean probability for the group"),
    Measure("observed rate", Direction.NEUTRAL, "how often the outcome happened in the group"),
)


def score_summary(
    attribute: str, groups: Sequence[str], probabilities: np.ndarray, outcome: np.ndarray, min_count: int = MIN_COUNT
) -> list[dict[str, object]]:
    """A model card's fairness summary: per group, mean score, observed rate, the gap and the ratio.

    The gap (mean score minus observed rate) shows whether the model is as well calibrated for the
    group as for everyone; the ratio of mean scores carries the four-fifths flag (either way).
    """
    rows = disparities(
        attribute, groups, {SCORE_MEASURES[0]: probabilities, SCORE_MEASURES[1]: outcome}, min_count=min_count
    )
    observed = {row.group: row.value for row in rows if row.measure == "observed rate"}
    return [
        {
            "attribute": attribute,
            "group": row.group,
            "count": row.count,
            "mean_score": row.value,
            "observed_rate": observed[row.group],
            "calibration_gap": round(row.value - observed[row.group], 4),
            "reference": row.reference,
            "ratio": row.ratio,
            "flagged": row.flagged,
        }
        for row in rows
        if row.measure == "mean score"
    ]
