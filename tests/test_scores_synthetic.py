"""The synthetic portfolio reproduces the published figures it is calibrated to, and models learn from it."""

from __future__ import annotations

import numpy as np
import pytest

from engine.scores.models import train_from_portfolio
from engine.scores.synthetic import generate


@pytest.fixture(scope="module")
def portfolio():
    return generate(60_000, seed=7)


def test_same_seed_same_portfolio() -> None:
    first, second = generate(500, seed=3), generate(500, seed=3)
    assert np.array_equal(first.matrix(), second.matrix())
    assert not np.array_equal(first.matrix(), generate(500, seed=4).matrix())


def test_published_figures(portfolio) -> None:
    insured = portfolio.features["insured"] == 1
    balance = portfolio.features["balance"]
    paid = portfolio.paid_in_full
    recovered = portfolio.recovered_share
    # insured patients with a balance pay in about 15.5% of cases ...
    assert 0.13 <= paid[insured].mean() <= 0.19
    # ... about 40% under $1,200 ...
    assert 0.36 <= paid[insured & (balance < 1_200)].mean() <= 0.47
    # ... and about 0.9% above $10,000
    assert paid[insured & (balance > 10_000)].mean() <= 0.02
    # uninsured patients pay about 6 cents per dollar
    cents = (recovered[~insured] * balance[~insured]).sum() / balance[~insured].sum()
    assert 0.045 <= cents <= 0.075
    # 68% of bills under $500 are not paid in full
    assert 0.63 <= 1 - paid[balance < 500].mean() <= 0.73
    # agencies recover 15-22% of placed medical debt
    assert 0.15 <= (recovered * balance).sum() / balance.sum() <= 0.22
    # a phone call reaches the right person about 26% of the time
    assert 0.24 <= portfolio.features["contacts_reached"].mean() / 4 <= 0.28


def test_models_learn_and_are_calibrated(portfolio) -> None:
    models = train_from_portfolio(generate(12_000, seed=5))
    for name, model in models.items():
        assert model.card.metrics["auc"] > 0.7, name
        scores = model.score(portfolio.matrix()[:5_000])
        assert ((scores >= 0) & (scores <= 1)).all()
        target = portfolio.paid_in_full if name == "score.propensity" else portfolio.distressed
        # calibrated: the mean prediction matches the observed rate on fresh data
        assert abs(scores.mean() - target[:5_000].mean()) < 0.03, name
