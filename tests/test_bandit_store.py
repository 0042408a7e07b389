"""The bandit's posterior on disk: the priors when nothing was saved, a round trip with its card,
and a broken file refused."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from engine.scores.bandit import BanditState, Outcome, update
from engine.scores.bandit_card import CARD_FILE, CARD_MARKDOWN, POSTERIOR_FILE
from runtime.bandit_store import bandit_folder, load_bandit, save_bandit
from runtime.models import ModelStoreError


def test_nothing_saved_means_the_priors(tmp_path: Path) -> None:
    assert load_bandit(tmp_path) == BanditState()


def test_a_saved_posterior_comes_back_with_its_card(tmp_path: Path) -> None:
    learned = update(BanditState(), [Outcome("retired", "call", 10, True)] * 3 + [Outcome("young", "sms", 18, False)])
    folder = save_bandit(learned, "ledger of 2026-03-02", {"answer_rate": 0.75}, tmp_path, dt.date(2026, 3, 2))
    assert folder == bandit_folder(tmp_path)
    assert {p.name for p in folder.iterdir()} >= {POSTERIOR_FILE, CARD_FILE, CARD_MARKDOWN}
    assert load_bandit(tmp_path) == learned
    card = json.loads((folder / CARD_FILE).read_text())
    assert card["rows"] == 4 and card["metrics"] == {"answer_rate": 0.75}


@pytest.mark.parametrize(
    "content",
    ["{", '{"priors": {}}', '{"priors": {"sms": [-1, 2]}, "tallies": [], "prior_strength": 4, "pool_cap": 20}'],
)
def test_a_broken_posterior_is_refused_by_name(tmp_path: Path, content: str) -> None:
    folder = bandit_folder(tmp_path)
    folder.mkdir(parents=True)
    (folder / POSTERIOR_FILE).write_text(content)
    with pytest.raises(ModelStoreError, match=r"posterior\.json"):
        load_bandit(tmp_path)
