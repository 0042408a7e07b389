"""The timing bandit's posterior on disk: saved with its card beside the other models, read back for decisions.

The posterior lives in `MODELS/timing-thompson-VERSION/` (`posterior.json`, `card.json`,
`card.md`), where `MODELS` is the models folder (`runtime.models.models_folder`). It is JSON, not
a pickle, so reading it runs no code; a broken file is refused with what is wrong, never silently
replaced. With no saved posterior the bandit starts from its priors, which is a fair start: the
first outcomes outweigh them within a handful of contacts per arm (see the card's priors).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path

from engine.scores.bandit import BANDIT_ID, BANDIT_VERSION, BanditState
from engine.scores.bandit_card import POSTERIOR_FILE, card_files, state_from_dict
from runtime.models import ModelStoreError, models_folder, write_atomically


def bandit_folder(models: Path | None = None) -> Path:
    """Where this version of the bandit keeps its posterior and card."""
    return (models or models_folder()) / f"{BANDIT_ID}-{BANDIT_VERSION}"


def save_bandit(
    state: BanditState,
    training_data: str,
    metrics: Mapping[str, float] | None = None,
    models: Path | None = None,
    created: dt.date | None = None,
) -> Path:
    """Write the posterior and its card (each file atomically); returns the folder."""
    folder = bandit_folder(models)
    for name, content in card_files(state, training_data, metrics or {}, created or dt.date.today()).items():
        write_atomically(folder / name, content)
    return folder


def load_bandit(models: Path | None = None) -> BanditState:
    """The saved posterior, or the priors when none was saved; raises `ModelStoreError` for a broken file."""
    path = bandit_folder(models) / POSTERIOR_FILE
    if not path.exists():
        return BanditState()
    try:
        return state_from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as broken:
        raise ModelStoreError(f"`{path}`: {broken}") from broken
