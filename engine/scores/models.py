"""Propensity-to-pay and financial-distress models: calibrated scikit-learn pipelines with cards.

Training is deterministic (fixed seeds) and in memory; saving and loading are the runtime's job.
Scoring is batched: one row costs about as much as a few hundred rows, so callers score lists.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from engine.scores.synthetic import FEATURES, Portfolio

MODEL_VERSION = "1.0.0"


@dataclass(frozen=True)
class ModelCard:
    """What a model is, what it learned from, and how well it did on data it never saw."""

    model_id: str
    version: str
    target: str
    features: tuple[str, ...]
    training_data: str
    training_data_hash: str
    rows: int
    metrics: dict[str, float] = field(default_factory=dict)
    calibration: list[tuple[float, float, int]] = field(default_factory=list)  # (predicted, observed, count)

    def to_dict(self) -> dict[str, object]:
        """The card as JSON-ready fields."""
        return {
            "model_id": self.model_id,
            "version": self.version,
            "target": self.target,
            "features": list(self.features),
            "training_data": self.training_data,
            "training_data_hash": self.training_data_hash,
            "rows": self.rows,
            "metrics": self.metrics,
            "calibration": [list(row) for row in self.calibration],
        }


@dataclass(frozen=True)
class TrainedModel:
    """A fitted pipeline, the feature order it expects, and its card."""

    estimator: CalibratedClassifierCV
    card: ModelCard

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Probabilities (0..1) for a batch of rows in `card.features` order."""
        with threadpool_limits(limits=1):
            return self.estimator.predict_proba(np.asarray(rows, dtype=float))[:, 1]


def data_hash(matrix: np.ndarray, target: np.ndarray) -> str:
    """A short, stable fingerprint of the training data."""
    digest = hashlib.sha256(np.ascontiguousarray(matrix).tobytes() + np.ascontiguousarray(target).tobytes())
    return digest.hexdigest()[:16]


def fit_calibrated(matrix: np.ndarray, target: np.ndarray, seed: int = 11) -> CalibratedClassifierCV:
    """Gradient-boosted trees wrapped in isotonic calibration over 3 folds, on one thread.

    OpenMP's default of one thread per core made training ~40x slower on a busy 2-core machine
    (measured), and several workers share a machine in production.
    """
    booster = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.08, max_leaf_nodes=31, random_state=seed)
    with threadpool_limits(limits=1):
        return CalibratedClassifierCV(booster, method="isotonic", cv=3).fit(matrix, target)


def calibration_table(probabilities: np.ndarray, target: np.ndarray, bins: int = 10) -> list[tuple[float, float, int]]:
    """Mean predicted vs. observed rate in equal-width probability bins."""
    edges = np.linspace(0, 1, bins + 1)
    rows = []
    for low, high in itertools.pairwise(edges):
        inside = (probabilities >= low) & (probabilities < high if high < 1 else probabilities <= high)
        if inside.any():
            rows.append(
                (
                    round(float(probabilities[inside].mean()), 4),
                    round(float(target[inside].mean()), 4),
                    int(inside.sum()),
                )
            )
    return rows


def train(
    matrix: np.ndarray,
    target: np.ndarray,
    model_id: str,
    target_name: str,
    training_data: str,
    features: tuple[str, ...],
) -> TrainedModel:
    """Fit on 80% of the rows and measure AUC, Brier score and calibration on the other 20%."""
    fit_x, test_x, fit_y, test_y = train_test_split(matrix, target, test_size=0.2, random_state=3, stratify=target)
    estimator = fit_calibrated(fit_x, fit_y)
    with threadpool_limits(limits=1):
        predicted = estimator.predict_proba(test_x)[:, 1]
    card = ModelCard(
        model_id=model_id,
        version=MODEL_VERSION,
        target=target_name,
        features=features,
        training_data=training_data,
        training_data_hash=data_hash(matrix, target),
        rows=len(target),
        metrics={
            "auc": round(float(roc_auc_score(test_y, predicted)), 4),
            "brier": round(float(brier_score_loss(test_y, predicted)), 4),
            "base_rate": round(float(test_y.mean()), 4),
        },
        calibration=calibration_table(predicted, test_y),
    )
    return TrainedModel(estimator, card)


def train_from_portfolio(portfolio: Portfolio) -> dict[str, TrainedModel]:
    """The shipped pair of models, trained on a synthetic portfolio."""
    described = f"synthetic portfolio (engine.scores.synthetic, seed {portfolio.seed}, {portfolio.size} accounts)"
    matrix = portfolio.matrix()
    return {
        "score.propensity": train(
            matrix, portfolio.paid_in_full, "propensity-hgb", "paid in full", described, FEATURES
        ),
        "score.distress": train(
            matrix, portfolio.distressed, "distress-hgb", "financial distress", described, FEATURES
        ),
    }
