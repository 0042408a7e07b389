"""Batch scoring: feature rows with documented defaults, one model call per batch, checked values with
their sources, reply scores, and models saved and loaded with their cards."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from threadpoolctl import threadpool_limits

from engine.account import Account, ScoreSource
from engine.scores.bandit import BANDIT_SOURCE, BanditState
from engine.scores.features import SOURCES, feature_row, feature_rows
from engine.scores.models import TrainedModel, train_from_portfolio
from engine.scores.registry import DEFAULT_REGISTRY, TIMING_SOURCE, ScoreError
from engine.scores.service import score_account_states, score_accounts, score_reply
from engine.scores.synthetic import FEATURES, generate
from engine.scores.timing import TimingTable, learn
from runtime.models import ModelStoreError, default_models, is_current, load_models, save_models

ACCOUNT = {
    "balance": Decimal("180.00"),
    "original_balance": Decimal("240.00"),
    "days_past_due": 130,
    "insured": True,
    "patient.age": 41,
    "prior_statements": 4,
    "prior_payments": 1,
    "missed_payments": 0,
    "income_to_poverty": 1.8,
    "plan_active": False,
    "contacts_reached": 1,
    "consent.sms": True,
    "consent.email": True,
}


@pytest.fixture(scope="module")
def models() -> dict[str, TrainedModel]:
    with threadpool_limits(limits=1):
        return train_from_portfolio(generate(3_000, seed=5))


# ---------------------------------------------------------------- features

ROWS = [
    # (facts, feature, expected value, defaulted)
    (ACCOUNT, "balance", 180.0, False),
    (ACCOUNT, "insured", 1.0, False),
    (ACCOUNT, "patient_age", 41.0, False),
    ({}, "balance", 450.0, True),
    ({}, "insured", 0.0, True),  # missing insurance reads as self-pay
    ({}, "income_to_poverty", 2.0, True),
    ({"balance": 900}, "original_balance", 900.0, True),  # nothing known to have been paid
    ({"days_since_first_statement": 95}, "prior_statements", 4.0, True),  # one a month
    ({"days_since_first_statement": 2_000}, "prior_statements", 8.0, True),  # never past what the models saw
    ({}, "prior_statements", 1.0, True),
    ({"balance": "$1,250.50"}, "balance", 1250.5, False),
    ({"balance": "a lot"}, "balance", 450.0, True),
    ({"balance": -5}, "balance", 450.0, True),
    ({"balance": math.nan}, "balance", 450.0, True),
    ({"balance": True}, "balance", 450.0, True),
    ({"insured": 1}, "insured", 1.0, False),
    ({"patient.age": 400}, "patient_age", 54.0, True),
    ({"plan_active": True}, "plan_active", 1.0, False),
    ({"plan_active": 3}, "plan_active", 0.0, True),
]


@pytest.mark.parametrize(("facts", "feature", "expected", "defaulted"), ROWS)
def test_feature_rows(facts: dict[str, object], feature: str, expected: float, defaulted: bool) -> None:
    row, which = feature_row(facts)
    assert row[FEATURES.index(feature)] == expected
    assert (feature in which) is defaulted


fact_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=2),
)


@given(
    st.dictionaries(st.sampled_from([s.fact for s in SOURCES.values()] + ["days_since_first_statement"]), fact_values)
)
def test_any_facts_give_a_finite_row_within_its_ranges(facts: dict[str, object]) -> None:
    row, defaulted = feature_row(facts)
    assert len(row) == len(FEATURES) and all(math.isfinite(v) for v in row)
    for name, value in zip(FEATURES, row, strict=True):
        assert SOURCES[name].low <= value <= SOURCES[name].high, name
        if name not in defaulted:
            assert facts.get(SOURCES[name].fact) is not None, name


def test_every_default_says_why() -> None:
    assert tuple(SOURCES) == FEATURES
    assert all(source.why for source in SOURCES.values())


def test_an_empty_batch_is_an_empty_matrix(models: dict[str, TrainedModel]) -> None:
    assert feature_rows([]).matrix.shape == (0, len(FEATURES))
    assert score_accounts([], models, TimingTable(), []) == []


# ---------------------------------------------------------------- scoring


@dataclass
class Counting:
    """An estimator that counts `predict_proba` calls and the rows they carried."""

    inner: object
    calls: int = 0
    rows: int = 0

    def predict_proba(self, matrix: np.ndarray) -> np.ndarray:
        self.calls += 1
        self.rows += len(matrix)
        return self.inner.predict_proba(matrix)  # type: ignore[attr-defined]


def test_one_model_call_per_model_per_batch(models: dict[str, TrainedModel]) -> None:
    counting = {name: TrainedModel(Counting(m.estimator), m.card) for name, m in models.items()}  # type: ignore[arg-type]
    batch = [ACCOUNT, {}, {"balance": 12_000, "insured": True}] * 50
    scored = score_accounts(batch, counting)
    assert len(scored) == 150
    for model in counting.values():
        assert (model.estimator.calls, model.estimator.rows) == (1, 150)  # type: ignore[attr-defined]


def test_a_batch_scores_as_each_row_alone(models: dict[str, TrainedModel]) -> None:
    batch = [ACCOUNT, {}, {"balance": 12_000, "insured": True}, {"balance": 90, "missed_payments": 4}]
    together = score_accounts(batch, models)
    alone = [score_accounts([facts], models)[0] for facts in batch]
    assert together == alone


def test_scores_come_with_the_model_that_gave_them(models: dict[str, TrainedModel]) -> None:
    [scored] = score_accounts([ACCOUNT], models)
    for name in ("score.propensity", "score.distress"):
        assert 0 <= scored.facts[name] <= 1  # type: ignore[operator]
        card = models[name].card
        assert scored.sources[name] == ScoreSource(card.model_id, card.version)
        assert DEFAULT_REGISTRY.spec(name).producer == scored.sources[name]  # the registry knows the shipped model
    assert scored.facts["balance"] == ACCOUNT["balance"]  # the account's own facts stay
    assert scored.problems == ()


def test_scores_move_the_way_the_data_says(models: dict[str, TrainedModel]) -> None:
    small, large = score_accounts([{**ACCOUNT, "balance": 150}, {**ACCOUNT, "balance": 25_000}], models)
    assert small.facts["score.propensity"] > large.facts["score.propensity"]  # type: ignore[operator]
    poor, comfortable = score_accounts(
        [{**ACCOUNT, "income_to_poverty": 0.5, "insured": False}, {**ACCOUNT, "income_to_poverty": 6.0}], models
    )
    assert poor.facts["score.distress"] > comfortable.facts["score.distress"]  # type: ignore[operator]


def test_defaulted_features_are_reported(models: dict[str, TrainedModel]) -> None:
    [known, unknown] = score_accounts([ACCOUNT, {"balance": 300}], models)
    assert known.defaulted == ()
    assert "insured" in unknown.defaulted and "balance" not in unknown.defaulted


def test_timing_scores(models: dict[str, TrainedModel]) -> None:
    table = learn([("sms", 18, True)] * 30 + [("sms", 18, False)] * 5)
    consenting, silent = score_accounts([ACCOUNT, {"consent.sms": False}], models, table)
    assert (consenting.facts["best_channel"], consenting.facts["best_time"]) == ("sms", 18 * 60)
    assert consenting.facts["best_time.sms"] == 18 * 60 and consenting.facts["best_time.call"] == 8 * 60
    assert consenting.sources["best_time"] == TIMING_SOURCE  # the table, when a caller passes one
    assert "best_channel" not in silent.facts and "best_time" not in silent.facts  # nothing consented
    assert silent.facts["best_time.sms"] == 18 * 60


REPLIES = [
    # (text, intents that are true)
    ("STOP", {"intent.stop"}),
    ("no me llame más", {"intent.stop"}),
    ("this is not my bill", {"intent.dispute"}),
    ("I lost my job and cant afford this", {"intent.hardship"}),
    ("ok thanks", set()),
    ("", set()),
]


@pytest.mark.parametrize(("text", "true"), REPLIES)
def test_reply_scores(text: str, true: set[str]) -> None:
    values, sources = score_reply(text)
    assert {name for name, value in values.items() if value is True} == true
    assert all(values[name] == 0.0 for name in values if name.startswith("sentiment."))
    assert sources["intent.stop"].model_id == "reply-keywords"
    assert sources["intent.payment_promise"].model_id == "reply-unmeasured"
    assert sources["sentiment.anxiety"].model_id == "reply-unmeasured"


def test_replies_join_their_accounts(models: dict[str, TrainedModel]) -> None:
    stopped, quiet = score_accounts([ACCOUNT, ACCOUNT], models, replies=["stop texting me", None])
    assert stopped.facts["intent.stop"] is True and stopped.sources["intent.stop"].model_id == "reply-keywords"
    assert "intent.stop" not in quiet.facts


@dataclass
class Drifting:
    """An estimator whose probabilities fall outside 0..1, as a broken model's might."""

    def predict_proba(self, matrix: np.ndarray) -> np.ndarray:
        return np.column_stack([np.full(len(matrix), -0.5), np.full(len(matrix), 1.5)])


def test_a_value_out_of_range_is_refused_and_left_out(models: dict[str, TrainedModel]) -> None:
    broken = {**models, "score.distress": TrainedModel(Drifting(), models["score.distress"].card)}  # type: ignore[arg-type]
    [scored] = score_accounts([{**ACCOUNT, "score.distress": 0.2}], broken)
    assert "score.distress" not in scored.facts and "score.distress" not in scored.sources
    assert scored.problems == ("`score.distress` is `1.5`, outside its range 0..1 (from distress-hgb 1.0.0)",)
    assert "score.propensity" in scored.facts


def test_a_wrong_set_up_is_refused(models: dict[str, TrainedModel]) -> None:
    with pytest.raises(ScoreError, match=r"`score\.churn`, which is not a 0\.\.1 score"):
        score_accounts([ACCOUNT], {"score.churn": models["score.distress"]})
    with pytest.raises(ScoreError, match=r"`intent\.stop`, which is not a 0\.\.1 score"):
        score_accounts([ACCOUNT], {"intent.stop": models["score.distress"]})
    other = TrainedModel(models["score.distress"].estimator, replace(models["score.distress"].card, features=("x",)))
    with pytest.raises(ScoreError, match="other features"):
        score_accounts([ACCOUNT], {"score.distress": other})
    with pytest.raises(ScoreError, match="2 replies were given for 1 accounts"):
        score_accounts([ACCOUNT], models, replies=["a", "b"])


def test_engine_accounts_carry_their_scores_and_sources(models: dict[str, TrainedModel]) -> None:
    old = {
        "score.propensity": ScoreSource("old-model", "0.1.0"),
        "intent.stop": ScoreSource("reply-keywords", "1.0.0"),
        "sentiment.anxiety": ScoreSource("reply-unmeasured", "0.0.0"),  # its value is gone: so is its source
    }
    facts = {**ACCOUNT, "intent.stop": False}
    account = Account("A1", dt.date(2026, 1, 5), "America/Chicago", facts, score_sources=old)
    [scored] = score_account_states([account], models, TimingTable())
    assert scored.account_id == "A1" and scored.facts["balance"] == ACCOUNT["balance"]
    assert scored.score_sources["score.propensity"].model_id == "propensity-hgb"  # the new score's source
    assert scored.score_sources["intent.stop"] == old["intent.stop"]  # untouched scores keep theirs
    assert scored.facts["best_channel"] == "sms" and "best_time" in scored.score_sources
    assert "sentiment.anxiety" not in scored.score_sources


# ---------------------------------------------------------------- saving and loading


def test_models_round_trip_with_their_cards(models: dict[str, TrainedModel], tmp_path: Path) -> None:
    save_models(models, tmp_path)
    loaded = load_models(tmp_path)
    assert loaded.keys() == models.keys()
    matrix = generate(200, seed=9).matrix()
    with threadpool_limits(limits=1):
        for name, model in models.items():
            assert loaded[name].card == model.card
            assert np.array_equal(loaded[name].score(matrix), model.score(matrix))
    card = json.loads((tmp_path / "distress-hgb-1.0.0" / "card.json").read_text())
    assert card["features"] == list(FEATURES) and "auc" in card["metrics"]
    assert is_current(tmp_path)


def test_a_changed_model_file_is_not_loaded(models: dict[str, TrainedModel], tmp_path: Path) -> None:
    save_models(models, tmp_path)
    (tmp_path / "distress-hgb-1.0.0" / "model.joblib").write_bytes(b"not the model we saved")
    with pytest.raises(ModelStoreError, match="changed since it was saved"):
        load_models(tmp_path)


@pytest.mark.parametrize(
    ("index", "words"),
    [
        (None, "is missing"),
        ("{not json", "cannot be read"),
        ('{"models": 3}', "does not list any models"),
        ('{"models": {"score.distress": 3}}', "an entry without a model folder"),
        ('{"models": {"score.distress": {"folder": "gone", "sha256": "0"}}}', "cannot be read"),
    ],
)
def test_a_broken_folder_says_what_is_wrong(tmp_path: Path, index: str | None, words: str) -> None:
    if index is not None:
        (tmp_path / "index.json").write_text(index)
    with pytest.raises(ModelStoreError, match=words):
        load_models(tmp_path)
    assert not is_current(tmp_path)


def test_a_folder_missing_a_shipped_score_is_not_current(models: dict[str, TrainedModel], tmp_path: Path) -> None:
    save_models({"score.distress": models["score.distress"]}, tmp_path)
    assert not is_current(tmp_path)
    assert set(load_models(tmp_path)) == {"score.distress"}


def test_default_models_are_loaded_when_current(models: dict[str, TrainedModel], tmp_path: Path) -> None:
    save_models(models, tmp_path)
    # current models are read back, not retrained: the cards still say 3,000 rows
    assert {m.card.rows for m in default_models(tmp_path).values()} == {3_000}


@pytest.mark.slow
def test_default_models_are_trained_on_first_use(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    first = default_models(folder)
    assert is_current(folder) and set(first) == {"score.propensity", "score.distress"}
    assert all(m.card.metrics["auc"] > 0.7 for m in first.values())
    assert "seed 7" in first["score.propensity"].card.training_data


# ---------------------------------------------------------------- best time from the bandit

CHICAGO = "America/Chicago"


def bandit_account(facts: dict[str, object] | None = None) -> Account:
    stale = {"best_time": 60, "best_time.call": 60, "best_channel": "call"}  # yesterday's, from elsewhere
    old = {name: ScoreSource("old-table", "0.1") for name in stale}
    return Account("A7", dt.date(2026, 1, 5), CHICAGO, {**ACCOUNT, **stale, **(facts or {})}, score_sources=old)


def local(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, 10, hour, minute, tzinfo=ZoneInfo(CHICAGO)).astimezone(dt.UTC)


def test_the_registry_names_the_bandit_that_serves_best_time() -> None:
    assert DEFAULT_REGISTRY.spec("best_time").producer == BANDIT_SOURCE
    assert DEFAULT_REGISTRY.spec("best_channel").producer == BANDIT_SOURCE


def test_best_time_is_a_draw_from_the_bandit_among_the_hours_still_open(models: dict[str, TrainedModel]) -> None:
    [account] = score_account_states([bandit_account()], models, bandit=BanditState(), now=local(10, 30), seed=3)
    times = {name: value for name, value in account.facts.items() if name.startswith("best_time.")}
    assert times, "an account with consent gets a best time per consented channel"
    assert all(10 * 60 + 30 <= minute < 21 * 60 for minute in times.values())  # not past, inside 8:00-21:00
    assert set(times) <= {f"best_time.{c}" for c in ("sms", "email", "call")}
    assert account.facts["best_channel"] in {"sms", "email", "call"}
    assert account.facts["best_time"] == account.facts[f"best_time.{account.facts['best_channel']}"]
    assert {account.score_sources[name] for name in [*times, "best_time", "best_channel"]} == {BANDIT_SOURCE}


def test_the_same_account_day_and_seed_draw_the_same_time(models: dict[str, TrainedModel]) -> None:
    def draw(seed: int) -> dict[str, object]:
        [account] = score_account_states([bandit_account()], models, bandit=BanditState(), now=local(9), seed=seed)
        return {k: v for k, v in account.facts.items() if k.startswith("best_")}

    assert draw(1) == draw(1)
    assert len({json.dumps(draw(seed), sort_keys=True) for seed in range(8)}) > 1  # the prior still explores


def test_after_nine_in_the_evening_nothing_is_offered_and_stale_times_are_dropped(
    models: dict[str, TrainedModel],
) -> None:
    [account] = score_account_states([bandit_account()], models, bandit=BanditState(), now=local(21, 5))
    assert not [name for name in account.facts if name.startswith("best_")]
    assert not [name for name in account.score_sources if name.startswith("best_")]


def test_no_consent_no_best_time_on_that_channel(models: dict[str, TrainedModel]) -> None:
    no_texts = {"consent.sms": False, "consent.email": False}
    [account] = score_account_states([bandit_account(no_texts)], models, bandit=BanditState(), now=local(9))
    assert "best_time.sms" not in account.facts and "best_time.email" not in account.facts
