"""The models' fast path gives bit-for-bit `predict_proba`'s probabilities, and refuses what it does not know.

Equality is exact (`np.array_equal`), stronger than the 1e-12 asked: over random rows, feature rows
built from random facts, rows with missing and infinite values, every split threshold and its
neighbouring floats, for the shipped kind of model, one trained on rows with missing values, and
one averaging three calibrated folds (`ensemble=True`).
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

from engine.account import ScoreSource
from engine.scores.fast_models import FAST_ROWS, compile_model, probe_rows, walk_source
from engine.scores.features import feature_rows
from engine.scores.models import TrainedModel, train_from_portfolio
from engine.scores.service import score_accounts
from engine.scores.synthetic import FEATURES, generate
from runtime.service.scoring import CachedModel

WIDTH = len(FEATURES)


@pytest.fixture(scope="module")
def shipped_kind() -> dict[str, TrainedModel]:
    with threadpool_limits(limits=1):
        return train_from_portfolio(generate(3_000, seed=5))


def fitted(matrix: np.ndarray, target: np.ndarray, **options: object) -> CalibratedClassifierCV:
    booster = HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=15, random_state=3)
    settings_ = {"method": "isotonic", "cv": 3, "ensemble": False, **options}
    with threadpool_limits(limits=1):
        return CalibratedClassifierCV(booster, **settings_).fit(matrix, target)


@pytest.fixture(scope="module")
def book() -> tuple[np.ndarray, np.ndarray]:
    portfolio = generate(2_000, seed=9)
    return portfolio.matrix(), portfolio.paid_in_full


@pytest.fixture(scope="module")
def estimators(shipped_kind, book) -> dict[str, object]:
    matrix, target = book
    holes = matrix.copy()
    holes[np.random.default_rng(2).random(holes.shape) < 0.15] = np.nan  # learns where missing values go
    return {
        "propensity": shipped_kind["score.propensity"].estimator,
        "distress": shipped_kind["score.distress"].estimator,
        "with missing values": fitted(holes, target),
        "three folds averaged": fitted(matrix, target, ensemble=True),
    }


def edge_rows(fast, size: int = 400) -> np.ndarray:
    rng = np.random.default_rng(17)
    rows = probe_rows(fast, WIDTH, seed=5)
    wild = rng.normal(0, 500, (size, WIDTH))
    wild[rng.random(wild.shape) < 0.1] = np.nan
    wild[rng.random(wild.shape) < 0.03] = np.inf
    wild[rng.random(wild.shape) < 0.03] = -np.inf
    everything_missing = np.full((1, WIDTH), np.nan)
    return np.concatenate([rows, wild, everything_missing, np.zeros((1, WIDTH)), np.full((1, WIDTH), 1e300)])


def facts_rows(count: int = 500) -> np.ndarray:
    portfolio = generate(count, seed=31)
    names = {"patient_age": "patient.age"}
    facts = [{names.get(k, k): float(portfolio.features[k][i]) for k in FEATURES} for i in range(count)]
    for i, row in enumerate(facts):
        if i % 3 == 0:
            row.pop("balance")
        if i % 5 == 0:
            row["income_to_poverty"] = "n/a"
    return feature_rows(facts).matrix


def expected(estimator, rows: np.ndarray) -> np.ndarray:
    with threadpool_limits(limits=1):
        return estimator.predict_proba(rows)[:, 1]


@pytest.mark.parametrize("name", ["propensity", "distress", "with missing values", "three folds averaged"])
def test_the_fast_form_is_bit_for_bit_predict_proba(estimators, name: str) -> None:
    estimator = estimators[name]
    fast = compile_model(estimator, WIDTH)
    assert fast is not None
    rows = np.concatenate([edge_rows(fast), facts_rows()])
    found = np.concatenate([fast.scores(rows[i : i + FAST_ROWS]) for i in range(0, len(rows), FAST_ROWS)])
    assert np.array_equal(found, expected(estimator, rows))
    assert np.isnan(rows).any() and np.isinf(rows).any()  # the edge cases are really in there
    one_at_a_time = np.array([fast.scores(row)[0] for row in rows[:200]])
    assert np.array_equal(one_at_a_time, expected(estimator, rows[:200]))


def test_both_directions_for_missing_values_are_exercised(estimators) -> None:
    fast = compile_model(estimators["with missing values"], WIDTH)
    assert fast is not None
    source = "\n".join(walk_source(fold.baseline, fold.trees, WIDTH) for fold in fast.folds)
    assert "if not x" in source and " <= " in source  # NaN goes left at some splits and right at others


@pytest.fixture(scope="module")
def fast_forms(estimators) -> dict[str, object]:
    return {name: compile_model(estimator, WIDTH) for name, estimator in estimators.items()}


@settings(max_examples=200, deadline=None)
@given(
    rows=arrays(
        np.float64,
        st.tuples(st.integers(1, 6), st.just(WIDTH)),
        elements=st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1.0, 30.0, 450.0]),
    )
)
def test_any_rows_score_as_the_pipeline_scores_them(estimators, fast_forms, rows: np.ndarray) -> None:
    for name in ("propensity", "with missing values", "three folds averaged"):
        assert np.array_equal(fast_forms[name].scores(rows), expected(estimators[name], rows), equal_nan=True)


@pytest.mark.parametrize("size", [1, 2, FAST_ROWS, FAST_ROWS + 1, 300])
def test_trained_model_scores_are_predict_proba_for_every_batch_size(shipped_kind, size: int) -> None:
    rows = facts_rows(size)
    for model in shipped_kind.values():
        assert np.array_equal(model.score(rows), expected(model.estimator, rows))
        assert model.native(size) is (size > FAST_ROWS)
        assert np.array_equal(CachedModel(model).score(rows), expected(model.estimator, rows))


def test_a_trained_model_pickles_and_copies_without_its_compiled_walk(shipped_kind) -> None:
    model = shipped_kind["score.distress"]
    rows = facts_rows(3)
    assert model.fast is not None
    for again in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert "fast" not in again.__dict__ and again.card == model.card
        assert np.array_equal(again.score(rows), model.score(rows)) and again.fast is not None


def test_scored_accounts_and_their_sources_are_unchanged_by_the_fast_path(shipped_kind) -> None:
    portfolio = generate(20, seed=4)
    facts = [{k: float(portfolio.features[k][i]) for k in FEATURES} for i in range(20)]
    slow = {name: TrainedModel(model.estimator, model.card) for name, model in shipped_kind.items()}
    for model in slow.values():
        model.__dict__["fast"] = None  # what a model this module does not know gets: the pipeline
    assert all(model.native(1) for model in slow.values())
    fast_scored = [score_accounts([one], shipped_kind)[0] for one in facts]
    slow_scored = [score_accounts([one], slow)[0] for one in facts]
    assert fast_scored == slow_scored
    assert fast_scored[0].sources["score.propensity"] == ScoreSource("propensity-hgb", "1.0.0")


# --- refusals: anything else keeps the full pipeline ----------------------------------------------------


def test_models_of_other_kinds_are_refused(book) -> None:
    matrix, target = book
    small = matrix[:600]
    small_target = target[:600]
    with threadpool_limits(limits=1):
        sigmoid = fitted(small, small_target, method="sigmoid")
        tree = CalibratedClassifierCV(DecisionTreeClassifier(max_depth=3), method="isotonic", cv=3).fit(
            small, small_target
        )
        bare = HistGradientBoostingClassifier(max_iter=10).fit(small, small_target)
        categorical = CalibratedClassifierCV(
            HistGradientBoostingClassifier(max_iter=10, categorical_features=[3]), method="isotonic", cv=3
        ).fit(small, small_target)
        three_classes = fitted(small, (small[:, 0] > np.median(small[:, 0])).astype(int) + small_target)
    for refused in (sigmoid, tree, bare, categorical, three_classes, None, "model"):
        assert compile_model(refused, WIDTH) is None
    assert compile_model(fitted(small, small_target), WIDTH - 1) is None  # another feature count


def test_a_model_whose_pipeline_answers_otherwise_is_refused_by_the_load_check(book) -> None:
    matrix, target = book
    estimator = fitted(matrix[:600], target[:600])
    assert compile_model(estimator, WIDTH) is not None
    booster = estimator.calibrated_classifiers_[0].estimator
    original = booster.decision_function
    booster.decision_function = lambda rows: original(rows) + 1e-3  # as if a release changed its sums
    assert compile_model(estimator, WIDTH) is None


def test_a_calibrator_that_fills_out_of_range_values_is_refused(book) -> None:
    matrix, target = book
    estimator = fitted(matrix[:600], target[:600])
    estimator.calibrated_classifiers_[0].calibrators[0].out_of_bounds = "nan"
    assert compile_model(estimator, WIDTH) is None


def test_a_refused_model_still_scores_with_the_pipeline(book) -> None:
    matrix, target = book
    with threadpool_limits(limits=1):
        sigmoid = fitted(matrix[:600], target[:600], method="sigmoid")
    model = TrainedModel(sigmoid, train_card())
    assert model.fast is None and model.native(1)
    rows = matrix[:3]
    assert np.array_equal(model.score(rows), expected(sigmoid, rows))


def train_card():
    from engine.scores.models import ModelCard

    return ModelCard("other", "9.9.9", "paid in full", FEATURES, "test rows", "0", 600)
