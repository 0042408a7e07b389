"""Propensity-to-pay and financial-distress models: calibrated scikit-learn pipelines with cards.

Training is deterministic (fixed seeds) and in memory; saving and loading are the runtime's job.
Scoring: in the pipeline one row costs about as much as a few hundred rows, so large batches go
there in one call; up to `fast_models.FAST_ROWS` rows (the API's one account a request) are walked
in Python with exactly the pipeline's numbers (`engine.scores.fast_models`), in microseconds.

Every model carries a `ModelCard`: what it predicts, from which features, trained on what data
(and its hash), how well it did on rows it never saw (AUC, Brier score, a calibration table), what
it is for and not for, and a fairness summary by age band (and by any other group the training
data names). `card_markdown` renders the card for people; `ModelCard.to_dict` for programs.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from threadpoolctl import ThreadpoolController

from engine.scores.fairness import age_band, score_summary
from engine.scores.fast_models import FAST_ROWS, FastModel, compile_model
from engine.scores.synthetic import FEATURES, Portfolio

MODEL_VERSION = "1.0.0"
# One thread for the trees' OpenMP loops, scoped to each call. `threadpool_limits()` scans every
# loaded native library on each use (~10 ms measured, more than scoring a row costs), so the scan
# is done once here, after scikit-learn has loaded its OpenMP runtime; it holds no state of ours.
NATIVE_THREADS = ThreadpoolController()


def one_thread() -> AbstractContextManager[Any]:
    """A context that limits OpenMP to one thread for its duration and restores what it found."""
    return NATIVE_THREADS.limit(limits=1, user_api="openmp")


HELD_OUT_SHARE = 0.2

INTENDED_USE = {
    "paid in full": (
        "Order and tailor outreach: which accounts hear first about a payment link or a plan, and in "
        "which tone. It is one input to a strategy the checker has proved lawful, never the reason to "
        "deny a plan, financial assistance or a hand-off, and never the sole reason for an escalation."
    ),
    "financial distress": (
        "Find patients who may be in hardship early, so a strategy offers income-driven plans, "
        "financial-assistance screening and a person to talk to. A high score should soften "
        "outreach; a low score is no reason to withhold help a patient asks for."
    ),
}
COMMON_LIMITS = (
    "Scores are probabilities calibrated on held-out rows of the training data; on a book unlike it "
    "they rank and calibrate worse (`benchmarks/bench_scores.py` measures the pipeline trained on one "
    "lender's real credit data and tested on another's).",
    "Missing facts take documented defaults (`engine.scores.features`); the trace lists them.",
    "Language and jurisdiction are not inputs; age is. Audit outcomes by group with `parley audit fairness`.",
)
SYNTHETIC_LIMITS = (
    "It learned from the synthetic portfolio (`engine.scores.synthetic`): its payment rates match "
    "published figures, but how the features relate beyond those figures is an assumption. Train on "
    "your own history with `parley train --data FILE` before relying on it.",
    *COMMON_LIMITS,
)
PROVIDER_LIMITS = (
    "It learned from one provider's own history: it describes that book, in those years, under the "
    "outreach it received then; retrain when the book or the strategies change.",
    *COMMON_LIMITS,
)


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
    trained_on: str = ""  # the day it was trained (ISO date), given by the caller: the engine reads no clock
    intended_use: str = ""
    limits: tuple[str, ...] = ()
    fairness: list[dict[str, object]] = field(default_factory=list)  # `fairness.score_summary` rows

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
            "trained_on": self.trained_on,
            "intended_use": self.intended_use,
            "limits": list(self.limits),
            "fairness": self.fairness,
        }


@dataclass(frozen=True)
class TrainedModel:
    """A fitted pipeline, the feature order it expects, and its card."""

    estimator: CalibratedClassifierCV
    card: ModelCard

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Probabilities (0..1) for a batch of rows in `card.features` order.

        Up to `FAST_ROWS` rows are walked in Python (`fast_models`: the same numbers without the
        pipeline's milliseconds of checks); larger batches, and models it does not know, go to
        `predict_proba` on one native thread.
        """
        matrix = np.asarray(rows, dtype=float)
        fast = self.fast if len(matrix) <= FAST_ROWS else None
        if fast is not None:
            return fast.scores(matrix)
        with one_thread():
            return self.estimator.predict_proba(matrix)[:, 1]

    def __getstate__(self) -> dict[str, object]:
        """Pickled and copied without the fast form (it holds compiled code); it is rebuilt on first use."""
        return {name: value for name, value in self.__dict__.items() if name != "fast"}

    def native(self, rows: int) -> bool:
        """Whether scoring `rows` rows runs the native pipeline (callers skip thread limits otherwise)."""
        return rows > FAST_ROWS or self.fast is None

    @cached_property
    def fast(self) -> FastModel | None:
        """The estimator read into plain values, checked against it once; None when it is not one we know.

        Built on first use (a fraction of a second: the check scores probe rows both ways) and kept
        on this object, like the estimator it is read from: a trained model is never refitted.
        """
        with one_thread():
            return compile_model(self.estimator, len(self.card.features))


def data_hash(matrix: np.ndarray, target: np.ndarray) -> str:
    """A short, stable fingerprint of the training data."""
    digest = hashlib.sha256(np.ascontiguousarray(matrix).tobytes() + np.ascontiguousarray(target).tobytes())
    return digest.hexdigest()[:16]


def fit_calibrated(matrix: np.ndarray, target: np.ndarray, seed: int = 11) -> CalibratedClassifierCV:
    """Gradient-boosted trees with an isotonic calibration learned from 3-fold out-of-fold scores, on one thread.

    One booster fitted on all rows, not the average of the three fold models (`ensemble=False`):
    scoring walks a third of the trees, which made one row ~3x faster (measured: ~4.5 against
    ~9 ms on a loaded 2-core machine) for an AUC 0.001-0.004 lower on a fresh synthetic portfolio.
    OpenMP's default of one thread per core made training ~40x slower on a busy 2-core machine
    (measured), and several workers share a machine in production.
    """
    booster = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.08, max_leaf_nodes=31, random_state=seed)
    with one_thread():
        return CalibratedClassifierCV(booster, method="isotonic", cv=3, ensemble=False).fit(matrix, target)


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
    groups: Mapping[str, Sequence[str]] | None = None,
    trained_on: str = "",
    limits: tuple[str, ...] = SYNTHETIC_LIMITS,
) -> TrainedModel:
    """Fit on 80% of the rows and measure AUC, Brier score, calibration and fairness on the other 20%.

    `groups` names, per attribute (`language`, `jurisdiction`), each row's group for the card's
    fairness summary; age bands come from the `patient_age` feature by themselves.
    """
    indices = np.arange(len(target))
    fit_i, test_i = train_test_split(indices, test_size=HELD_OUT_SHARE, random_state=3, stratify=target)
    estimator = fit_calibrated(matrix[fit_i], target[fit_i])
    with one_thread():
        predicted = estimator.predict_proba(matrix[test_i])[:, 1]
    test_y = target[test_i]
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
            "held_out_rows": len(test_y),
        },
        calibration=calibration_table(predicted, test_y),
        trained_on=trained_on,
        intended_use=INTENDED_USE.get(target_name, ""),
        limits=limits,
        fairness=fairness_summary(matrix[test_i], predicted, test_y, features, groups, test_i),
    )
    return TrainedModel(estimator, card)


def fairness_summary(
    matrix: np.ndarray,
    predicted: np.ndarray,
    outcome: np.ndarray,
    features: tuple[str, ...],
    groups: Mapping[str, Sequence[str]] | None,
    rows: np.ndarray,
) -> list[dict[str, object]]:
    """Per age band (and per group of each attribute in `groups`), scores against outcomes."""
    found: list[dict[str, object]] = []
    if "patient_age" in features:
        bands = [age_band(age) for age in matrix[:, features.index("patient_age")]]
        found += score_summary("age band", bands, predicted, outcome)
    for attribute, labels in (groups or {}).items():
        found += score_summary(attribute, [str(labels[i]) for i in rows], predicted, outcome)
    return found


def train_from_portfolio(portfolio: Portfolio, trained_on: str = "") -> dict[str, TrainedModel]:
    """The shipped pair of models, trained on a synthetic portfolio."""
    described = f"synthetic portfolio (engine.scores.synthetic, seed {portfolio.seed}, {portfolio.size} accounts)"
    matrix = portfolio.matrix()
    return {
        "score.propensity": train(
            matrix, portfolio.paid_in_full, "propensity-hgb", "paid in full", described, FEATURES, None, trained_on
        ),
        "score.distress": train(
            matrix, portfolio.distressed, "distress-hgb", "financial distress", described, FEATURES, None, trained_on
        ),
    }


def card_markdown(card: ModelCard) -> str:
    """The card as Markdown, for people: the same fields as `to_dict`, in sentences and tables."""
    m = card.metrics
    lines = [
        f"# Model card: {card.model_id} {card.version}",
        "",
        f"- **Predicts**: {card.target} (a probability, 0..1)",
        f"- **Trained on**: {card.training_data}; {card.rows:,} rows; data hash `{card.training_data_hash}`",
        f"- **Trained**: {card.trained_on or 'date not recorded'}",
        f"- **Features**: {', '.join(f'`{f}`' for f in card.features)}",
        "",
        "## Intended use",
        "",
        card.intended_use or "Not stated.",
        "",
        "## Limits",
        "",
        *[f"- {limit}" for limit in card.limits],
        "",
        f"## Metrics on {int(m.get('held_out_rows', 0)):,} held-out rows",
        "",
        "| AUC | Brier score | base rate |",
        "|---|---|---|",
        "| " + " | ".join(f"{m.get(key, float('nan')):.4f}" for key in ("auc", "brier", "base_rate")) + " |",
        "",
        "## Calibration (held-out rows)",
        "",
        "| mean predicted | observed rate | rows |",
        "|---|---|---|",
        *[f"| {p:.4f} | {o:.4f} | {n:,} |" for p, o, n in card.calibration],
        "",
        "## Fairness (held-out rows)",
        "",
        "Mean score and observed rate per group; the ratio is the group's mean score over the reference "
        "group's, flagged outside 0.8-1.25 (the four-fifths rule, either way) when chance does not explain "
        "the difference (p < 0.05). Groups under 30 rows are never flagged.",
        "",
        "| attribute | group | rows | mean score | observed | gap | ratio | p | flag |",
        "|---|---|---|---|---|---|---|---|---|",
        *[fairness_line(row) for row in card.fairness],
        "",
    ]
    return "\n".join(lines)


def fairness_line(row: Mapping[str, object]) -> str:
    """One fairness row of the Markdown card."""
    ratio = row.get("ratio")
    reference = " (reference)" if row.get("group") == row.get("reference") else ""
    return (
        f"| {row.get('attribute')} | {row.get('group')}{reference} | {row.get('count')} | {row.get('mean_score')} "
        f"| {row.get('observed_rate')} | {row.get('calibration_gap')} | {'—' if ratio is None else ratio} "
        f"| {'' if row.get('p_value') is None else row.get('p_value')} | {'**yes**' if row.get('flagged') else ''} |"
    )
