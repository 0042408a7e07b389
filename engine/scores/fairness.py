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

A group with fewer than `min_count` accounts is reported but never flagged, and neither is a
difference that chance explains: a flag needs a two-sided test of the group's mean against the
reference's (a pooled two-proportion z-test for shares, Welch's for counts) at p < 0.05 as well
as the ratio, so one hand-off more or less in a small group does not raise one. A flag is a
question for a person, not a finding of discrimination.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np

FOUR_FIFTHS = 0.8
MIN_COUNT = 30
SIGNIFICANCE = 0.05
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
    p_value: float | None = None  # chance of a difference this large between the group and the reference

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
            "p_value": self.p_value,
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
            chance = None if group == chosen else p_value(numbers[inside], numbers[labels == chosen])
            breached = is_flagged(ratio, measure.direction)
            note = "" if ratio is not None else "the reference group's value is 0: no ratio"
            if count < min_count:
                note = f"too few accounts to judge (fewer than {min_count})"
            elif breached and chance is not None and chance >= SIGNIFICANCE:
                note = f"within chance (p = {chance:.2f})"
            flagged = count >= min_count and breached and chance is not None and chance < SIGNIFICANCE
            row = GroupRow(attribute, str(group), measure.name, count, value, chosen, ratio, flagged, note, chance)
            rows.append(row)
    return rows


def p_value(group: np.ndarray, reference: np.ndarray) -> float | None:
    """Two-sided p-value of the difference of two means (normal approximation).

    None when either side has fewer than two known values.
    """
    a, b = group[~np.isnan(group)], reference[~np.isnan(reference)]
    if len(a) < 2 or len(b) < 2:
        return None
    if np.isin(a, (0, 1)).all() and np.isin(b, (0, 1)).all():
        # shares: the pooled two-proportion test, which stays sane when a group has no event at all
        pooled = (a.sum() + b.sum()) / (len(a) + len(b))
        error = math.sqrt(pooled * (1 - pooled) * (1 / len(a) + 1 / len(b)))
    else:
        error = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    difference = abs(float(a.mean() - b.mean()))
    if error == 0:
        return 1.0 if difference == 0 else 0.0
    return round(math.erfc(difference / error / math.sqrt(2)), 4)


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
            "p_value": row.p_value,
            "flagged": row.flagged,
        }
        for row in rows
        if row.measure == "mean score"
    ]


# ---------------------------------------------------------------- auditing the engine's decisions

AUDIT_MEASURES = {
    "contacts": Measure("contacts per account", Direction.BURDENSOME, "sends and calls proposed, per account"),
    "plan_offers": Measure("plan offers", Direction.FAVOURABLE, "share of accounts offered a payment plan"),
    "screenings": Measure("assistance screenings", Direction.FAVOURABLE, "share screened for financial assistance"),
    "handoffs": Measure("hand-offs", Direction.FAVOURABLE, "share of accounts handed to a person"),
    "escalations": Measure("escalations", Direction.BURDENSOME, "share escalated (agency, credit report, ECA)"),
    "paid": Measure("payments", Direction.FAVOURABLE, "share of accounts paid"),
}
# The engine's action verbs (`engine.decide.kind_of`) and the measure each one counts towards.
ACTION_MEASURES = {
    "send": "contacts",
    "call": "contacts",
    "offer_plan": "plan_offers",
    "screen": "screenings",
    "handoff": "handoffs",
    "escalate": "escalations",
}
AUDIT_ATTRIBUTES = ("language", "age band", "jurisdiction")


@dataclass(frozen=True)
class AuditedAccount:
    """One account's groups, how many of each action the engine proposed for it, and whether it paid."""

    account_id: str
    groups: Mapping[str, str]  # attribute → group, e.g. {"language": "es", "age band": "65+"}
    actions: Mapping[str, int]  # action verb → how many were proposed
    paid: bool | None = None  # None: the outcome is not known


def account_measures(accounts: Sequence[AuditedAccount]) -> dict[Measure, list[float]]:
    """Per measure, each account's value: a count of contacts, else 1 when the action happened at all."""
    values: dict[Measure, list[float]] = {}
    for key, measure in AUDIT_MEASURES.items():
        if key == "paid":
            if any(a.paid is not None for a in accounts):
                values[measure] = [math.nan if a.paid is None else float(a.paid) for a in accounts]
            continue
        verbs = [verb for verb, counted in ACTION_MEASURES.items() if counted == key]
        counts = [sum(a.actions.get(verb, 0) for verb in verbs) for a in accounts]
        values[measure] = [float(c) if key == "contacts" else float(c > 0) for c in counts]
    return values


def audit(
    accounts: Sequence[AuditedAccount],
    attributes: Sequence[str] = AUDIT_ATTRIBUTES,
    references: Mapping[str, str] | None = None,
    min_count: int = MIN_COUNT,
) -> list[GroupRow]:
    """Disparities of every audit measure for every attribute, against each attribute's reference group."""
    values = account_measures(accounts)
    rows: list[GroupRow] = []
    for attribute in attributes:
        groups = [a.groups.get(attribute, UNKNOWN) for a in accounts]
        rows += disparities(attribute, groups, values, (references or {}).get(attribute), min_count)
    return rows
