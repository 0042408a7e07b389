"""Model cards: every saved model carries one, as JSON and Markdown, with metrics, limits and fairness."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from engine.scores.features import SOURCES, feature_row
from engine.scores.models import PROVIDER_LIMITS, TrainedModel, card_markdown, train, train_from_portfolio
from engine.scores.synthetic import FEATURES, generate
from runtime.models import card_from_dict, is_current, load_models, save_models


@pytest.fixture(scope="module")
def models() -> dict[str, TrainedModel]:
    with threadpool_limits(limits=1):
        return train_from_portfolio(generate(3_000, seed=5), trained_on="2026-03-16")


def test_a_card_says_what_the_issue_asks(models: dict[str, TrainedModel]) -> None:
    card = models["score.distress"].card
    assert (card.model_id, card.version, card.trained_on) == ("distress-hgb", "1.0.0", "2026-03-16")
    assert card.features == FEATURES and "seed 5" in card.training_data and len(card.training_data_hash) == 16
    assert set(card.metrics) == {"auc", "brier", "base_rate", "held_out_rows"} and card.metrics["held_out_rows"] == 600
    assert sum(n for _, _, n in card.calibration) == 600
    assert "hardship" in card.intended_use and any("synthetic" in limit for limit in card.limits)
    bands = {row["group"] for row in card.fairness if row["attribute"] == "age band"}
    assert bands == {"18-34", "35-49", "50-64", "65+"}
    assert sum(int(row["count"]) for row in card.fairness) == 600  # type: ignore[call-overload]


def test_cards_are_saved_as_json_and_markdown_and_read_back(models: dict[str, TrainedModel], tmp_path: Path) -> None:
    save_models(models, tmp_path)
    for model in models.values():
        folder = tmp_path / f"{model.card.model_id}-{model.card.version}"
        assert card_from_dict(json.loads((folder / "card.json").read_text())) == model.card
        markdown = (folder / "card.md").read_text()
        assert markdown == card_markdown(model.card)
        for words in ("## Intended use", "## Limits", "## Calibration", "## Fairness", "| age band | 18-34 |"):
            assert words in markdown
    assert {name: m.card for name, m in load_models(tmp_path).items()} == {n: m.card for n, m in models.items()}


def test_an_old_card_without_the_new_fields_still_reads() -> None:
    old = {
        "model_id": "m",
        "version": "1.0.0",
        "target": "t",
        "features": ["balance"],
        "training_data": "d",
        "training_data_hash": "h",
        "rows": 3,
    }
    card = card_from_dict(old)
    assert card.fairness == [] and card.limits == () and card.trained_on == ""
    assert "date not recorded" in card_markdown(card)


def test_groups_named_by_the_training_data_join_the_fairness_summary() -> None:
    book = generate(1_500, seed=2)
    language = np.where(np.arange(1_500) % 4 == 0, "es", "en")
    model = train(
        book.matrix(),
        book.paid_in_full,
        "p",
        "paid in full",
        "a provider's file",
        FEATURES,
        groups={"language": language.tolist()},
        limits=PROVIDER_LIMITS,
    )
    rows = [row for row in model.card.fairness if row["attribute"] == "language"]
    assert {row["group"] for row in rows} == {"en", "es"} and rows[0]["reference"] == "en"
    assert sum(int(row["count"]) for row in rows) == 300  # type: ignore[call-overload]
    assert model.card.limits == PROVIDER_LIMITS


def test_a_folder_without_a_card_for_people_is_not_current(models: dict[str, TrainedModel], tmp_path: Path) -> None:
    save_models(models, tmp_path)
    assert is_current(tmp_path)
    (tmp_path / "distress-hgb-1.0.0" / "card.md").unlink()
    assert not is_current(tmp_path)  # `default_models` retrains it rather than serve a model without its card


@pytest.mark.parametrize(
    "value",
    [Decimal("sNaN"), Decimal("NaN"), 10**400, "1e400", "nan", float("inf"), "$", b"12", [1], None, object()],
)
def test_a_fact_no_number_can_be_read_from_takes_its_default(value: object) -> None:
    row, defaulted = feature_row({"balance": value, "patient.age": value})
    assert {"balance", "patient_age"} <= set(defaulted) and row[0] == SOURCES["balance"].default


def test_subclasses_of_numbers_still_read_and_yes_no_is_no_amount() -> None:
    class Cents(int):
        pass

    row, defaulted = feature_row({"balance": Cents(250), "patient.age": True, "insured": True, "plan_active": 0})
    assert row[0] == 250.0 and "balance" not in defaulted
    assert "patient_age" in defaulted and row[3] == 1.0 and "plan_active" not in defaulted
