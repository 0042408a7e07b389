"""The bandit's card: ModelCard's fields plus reward, priors and limits; its posterior round-trips as JSON."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.scores.bandit import BANDIT_ID, BANDIT_VERSION, BanditState, Outcome, update
from engine.scores.bandit_card import (
    CARD_FILE,
    CARD_MARKDOWN,
    POSTERIOR_FILE,
    bandit_card,
    calibration,
    card_files,
    state_from_dict,
    state_to_dict,
)

MODEL_CARD_FIELDS = {
    "model_id",
    "version",
    "target",
    "features",
    "training_data",
    "training_data_hash",
    "rows",
    "metrics",
    "calibration",
}
DAY = dt.date(2026, 3, 1)


def learned() -> BanditState:
    """A state with a few outcomes on two arms."""
    wins = [Outcome("young", "sms", 19, True)] * 6 + [Outcome("young", "sms", 19, False)] * 4
    return update(BanditState(), wins + [Outcome("retired", "call", 10, False)] * 5)


def test_the_card_has_every_model_card_field_and_says_what_a_bandit_learns() -> None:
    card = bandit_card(learned(), "a test ledger", {"sim_lift_over_fixed": 1.2}, DAY)
    assert set(card) >= MODEL_CARD_FIELDS
    assert (card["model_id"], card["version"], card["rows"], card["trained_on"]) == (
        BANDIT_ID,
        BANDIT_VERSION,
        15,
        "2026-03-01",
    )
    assert "72 hours" in card["reward"] and card["priors"]["per_channel"]["call"] == pytest.approx(0.26)
    assert card["limits"] and "window" in card["clamp"]


def test_the_hash_follows_the_posterior() -> None:
    first = bandit_card(learned(), "x", {}, DAY)["training_data_hash"]
    assert first == bandit_card(learned(), "x", {}, DAY)["training_data_hash"]
    more = update(learned(), [Outcome("young", "sms", 19, True)])
    assert first != bandit_card(more, "x", {}, DAY)["training_data_hash"]


def test_card_files_are_json_and_the_posterior_reads_back() -> None:
    files = card_files(learned(), "x", {}, DAY)
    assert set(files) == {CARD_FILE, CARD_MARKDOWN, POSTERIOR_FILE}
    assert files[CARD_MARKDOWN].decode().startswith(f"# Model card: {BANDIT_ID} {BANDIT_VERSION}")
    assert json.loads(files[CARD_FILE])["model_id"] == BANDIT_ID
    assert state_from_dict(json.loads(files[POSTERIOR_FILE])) == learned()


BROKEN = [
    {},
    {"priors": {"sms": [1, 1]}, "tallies": [["young", "sms", 10, 1]], "prior_strength": 4, "pool_cap": 20},
    {"priors": {"sms": [0, 1]}, "tallies": [], "prior_strength": 4, "pool_cap": 20},
    {"priors": {"sms": [1, 1]}, "tallies": [["young", "sms", 10, -1, 0]], "prior_strength": 4, "pool_cap": 20},
    {"priors": "sms", "tallies": [], "prior_strength": 4, "pool_cap": 20},
]


@pytest.mark.parametrize("data", BROKEN)
def test_a_broken_posterior_is_refused_with_a_reason(data: dict) -> None:
    with pytest.raises(ValueError, match="posterior"):
        state_from_dict(data)


def test_calibration_compares_posterior_means_with_observed_rates() -> None:
    rows = calibration(learned())
    assert sum(count for _, _, count in rows) == 15
    assert all(0 <= predicted <= 1 and 0 <= observed <= 1 for predicted, observed, _ in rows)
    assert calibration(BanditState()) == []


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.builds(
            Outcome,
            st.sampled_from(["young", "working", "retired", "unknown"]),
            st.sampled_from(["sms", "email", "call"]),
            st.integers(0, 23),
            st.booleans(),
        ),
        max_size=50,
    )
)
def test_any_posterior_round_trips(outcomes: list[Outcome]) -> None:
    state = update(BanditState(), outcomes)
    assert state_from_dict(json.loads(json.dumps(state_to_dict(state)))) == state
