"""Validating the score pipeline: train on one labelled set of accounts, measure on another.

Pure: facts and outcomes in, metrics out. The datasets themselves are loaded (and their columns
mapped to our facts) in `runtime.real_data`; this module never reads a file.

The pipeline is exactly the one that scores accounts in production: facts → `features.feature_rows`
(with its documented defaults for whatever a dataset lacks) → `models.fit_calibrated` → scores.
A feature a dataset does not have takes one default value for every row, so the trees ignore it:
what transfers from one dataset to another is only what both of them measure, and each result
names those features.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split

from engine.scores.features import feature_rows
from engine.scores.models import calibration_table, fit_calibrated, one_thread
from engine.scores.synthetic import FEATURES


@dataclass(frozen=True)
class Labelled:
    """A set of accounts as facts (the language's names) with a 0/1 outcome per account."""

    name: str
    facts: Sequence[Mapping[str, object]]
    outcome: np.ndarray  # 1 when the account was paid (or did not default)

    def __post_init__(self) -> None:
        if len(self.facts) != len(self.outcome):
            raise ValueError(f"`{self.name}` has {len(self.facts)} accounts but {len(self.outcome)} outcomes")


@dataclass(frozen=True)
class Evaluation:
    """How well probabilities match outcomes: ranking (AUC), accuracy (Brier) and calibration."""

    rows: int
    auc: float
    brier: float
    brier_of_base_rate: float  # the Brier score of always predicting the observed rate
    base_rate: float
    mean_predicted: float
    calibration: list[tuple[float, float, int]]  # (mean predicted, observed rate, rows) per bin

    def to_dict(self) -> dict[str, object]:
        """JSON-ready fields."""
        return {
            "rows": self.rows,
            "auc": self.auc,
            "brier": self.brier,
            "brier_of_base_rate": self.brier_of_base_rate,
            "base_rate": self.base_rate,
            "mean_predicted": self.mean_predicted,
            "calibration": [list(row) for row in self.calibration],
        }


@dataclass(frozen=True)
class Transfer:
    """A model trained on one dataset and measured on another (or on a held-out part of the same)."""

    trained_on: str
    tested_on: str
    shared_features: tuple[str, ...]  # features both datasets measure; the rest took defaults
    evaluation: Evaluation
    probabilities: np.ndarray
    outcome: np.ndarray

    def to_dict(self) -> dict[str, object]:
        """JSON-ready fields (without the per-row probabilities)."""
        return {
            "trained_on": self.trained_on,
            "tested_on": self.tested_on,
            "shared_features": list(self.shared_features),
            **self.evaluation.to_dict(),
        }


def evaluate(probabilities: np.ndarray, outcome: np.ndarray, bins: int = 10) -> Evaluation:
    """AUC, Brier score and a calibration table of `probabilities` against 0/1 `outcome`.

    AUC is undefined when only one outcome occurs; it is reported as NaN rather than raised.
    """
    p = np.asarray(probabilities, dtype=float)
    y = np.asarray(outcome, dtype=int)
    if len(p) != len(y) or not len(y):
        raise ValueError(f"{len(p)} probabilities for {len(y)} outcomes")
    base = float(y.mean())
    auc = float(roc_auc_score(y, p)) if 0 < base < 1 else float("nan")
    return Evaluation(
        rows=len(y),
        auc=round(auc, 4),
        brier=round(float(brier_score_loss(y, p)), 4),
        brier_of_base_rate=round(base * (1 - base), 4),
        base_rate=round(base, 4),
        mean_predicted=round(float(p.mean()), 4),
        calibration=calibration_table(p, y, bins),
    )


def measured_features(data: Labelled) -> set[str]:
    """The features a dataset really measures: those that were not defaulted for every row."""
    rows = feature_rows(data.facts)
    defaulted_everywhere = set(FEATURES)
    for defaulted in rows.defaulted:
        defaulted_everywhere &= set(defaulted)
        if not defaulted_everywhere:
            break
    return set(FEATURES) - defaulted_everywhere


def transfer(train: Labelled, test: Labelled, seed: int = 11) -> Transfer:
    """Fit the production pipeline on `train` and measure it on `test`.

    Only the features both sets measure carry information across: in `train` a feature the test
    set lacks is set to its default, so the model cannot lean on what it will never be shown.
    """
    shared = measured_features(train) & measured_features(test)
    if not shared:
        raise ValueError(f"`{train.name}` and `{test.name}` measure no feature in common")
    train_matrix = only(feature_rows(train.facts).matrix, shared)
    test_matrix = only(feature_rows(test.facts).matrix, shared)
    estimator = fit_calibrated(train_matrix, np.asarray(train.outcome, dtype=int), seed=seed)
    with one_thread():
        probabilities = estimator.predict_proba(test_matrix)[:, 1]
    return Transfer(
        trained_on=train.name,
        tested_on=test.name,
        shared_features=tuple(f for f in FEATURES if f in shared),
        evaluation=evaluate(probabilities, test.outcome),
        probabilities=probabilities,
        outcome=np.asarray(test.outcome, dtype=int),
    )


def only(matrix: np.ndarray, kept: set[str]) -> np.ndarray:
    """The matrix with every feature outside `kept` set to one constant (its column's first value).

    A constant column carries no information, so the trees ignore it, and the matrix keeps the
    production feature order.
    """
    result = matrix.copy()
    for column, name in enumerate(FEATURES):
        if name not in kept and len(result):
            result[:, column] = result[0, column]
    return result


def holdout(data: Labelled, share: float = 0.25, seed: int = 3) -> tuple[Labelled, Labelled]:
    """A stratified split of one dataset into a training part and a held-out part never trained on."""
    indices = np.arange(len(data.outcome))
    fit, held = train_test_split(indices, test_size=share, random_state=seed, stratify=data.outcome)
    return subset(data, fit, f"{data.name} (train {1 - share:.0%})"), subset(data, held, f"{data.name} (held out)")


def subset(data: Labelled, indices: np.ndarray, name: str) -> Labelled:
    """Some accounts of a dataset, under a new name."""
    return Labelled(name, [data.facts[i] for i in indices], np.asarray(data.outcome)[indices])


def sample(data: Labelled, size: int, seed: int = 5) -> Labelled:
    """At most `size` accounts drawn without replacement, stratified so both outcomes stay."""
    if size >= len(data.outcome):
        return data
    indices = np.arange(len(data.outcome))
    kept, _ = train_test_split(indices, train_size=size, random_state=seed, stratify=data.outcome)
    return subset(data, np.sort(kept), data.name)
