"""Saving and loading trained models with their cards; the default models folder, trained on first use.

A folder holds one subfolder per model (`MODEL_ID-VERSION/` with `model.joblib`, `card.json` and
`card.md`, the same card for people)
and an `index.json` naming which model serves which score, with each model file's SHA-256 and the
scikit-learn version that wrote it. Loading checks the hash before unpickling, because a pickle
runs code: only load folders this program wrote.

`default_models()` reads `var/models/` (or `PARLEY_MODELS`); when the folder is absent, or was
written by another scikit-learn or model version, it trains the shipped pair on the synthetic
portfolio with a fixed seed and saves it. Nothing is downloaded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import joblib
import sklearn
from threadpoolctl import threadpool_limits

from engine.scores.models import MODEL_VERSION, ModelCard, TrainedModel, card_markdown, train_from_portfolio
from engine.scores.synthetic import generate

DEFAULT_FOLDER = Path("var/models")
INDEX = "index.json"
DEFAULT_SCORES = ("score.propensity", "score.distress")
TRAINING_SEED = 7
TRAINING_ROWS = 20_000  # ~3 s on one core; AUC within 0.005 of 40,000 rows


class ModelStoreError(RuntimeError):
    """A models folder that cannot be read: missing files, a changed model file, a broken card."""


def models_folder() -> Path:
    """The models folder: `PARLEY_MODELS` when set, else `var/models/` under the working directory."""
    return Path(os.environ.get("PARLEY_MODELS", DEFAULT_FOLDER))


def card_from_dict(data: Mapping[str, Any]) -> ModelCard:
    """A card read back from its JSON fields (JSON has lists where the card has tuples)."""
    return ModelCard(
        model_id=str(data["model_id"]),
        version=str(data["version"]),
        target=str(data["target"]),
        features=tuple(str(f) for f in data["features"]),
        training_data=str(data["training_data"]),
        training_data_hash=str(data["training_data_hash"]),
        rows=int(data["rows"]),
        metrics={str(k): float(v) for k, v in data.get("metrics", {}).items()},
        calibration=[(float(p), float(o), int(n)) for p, o, n in data.get("calibration", [])],
        trained_on=str(data.get("trained_on", "")),
        intended_use=str(data.get("intended_use", "")),
        limits=tuple(str(limit) for limit in data.get("limits", [])),
        fairness=[dict(row) for row in data.get("fairness", [])],
    )


def write_atomically(path: Path, data: bytes) -> None:
    """Write `path` so a reader never sees half a file, even when two processes save at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, path)


def save_model(model: TrainedModel, folder: Path) -> dict[str, str]:
    """Save one model and its card under `folder`; returns its index entry (subfolder and hash)."""
    subfolder = f"{model.card.model_id}-{model.card.version}"
    target = folder / subfolder
    buffer = io.BytesIO()
    joblib.dump(model.estimator, buffer)
    data = buffer.getvalue()
    write_atomically(target / "model.joblib", data)
    write_atomically(target / "card.json", json.dumps(model.card.to_dict(), indent=2).encode())
    write_atomically(target / "card.md", card_markdown(model.card).encode())
    return {"folder": subfolder, "sha256": hashlib.sha256(data).hexdigest()}


def save_models(models: Mapping[str, TrainedModel], folder: Path) -> None:
    """Save every model with its card, then the index that names which score each one serves."""
    entries = {name: save_model(model, folder) for name, model in models.items()}
    index = {"sklearn": sklearn.__version__, "models": entries}
    write_atomically(folder / INDEX, json.dumps(index, indent=2, sort_keys=True).encode())


def read_index(folder: Path) -> dict[str, Any]:
    """The folder's index, or a `ModelStoreError` that says what is wrong with it."""
    try:
        index = json.loads((folder / INDEX).read_text(encoding="utf-8"))
    except FileNotFoundError as missing:
        raise ModelStoreError(f"no models in `{folder}`: `{INDEX}` is missing") from missing
    except (OSError, ValueError) as broken:
        raise ModelStoreError(f"`{folder / INDEX}` cannot be read: {broken}") from broken
    if not isinstance(index, dict) or not isinstance(index.get("models"), dict):
        raise ModelStoreError(f"`{folder / INDEX}` does not list any models")
    return index


def load_model(folder: Path, entry: object) -> TrainedModel:
    """One model and its card, after checking the model file is the one the index recorded."""
    if not isinstance(entry, dict) or not isinstance(entry.get("folder"), str):
        raise ModelStoreError(f"`{folder / INDEX}` has an entry without a model folder: `{entry}`")
    target = folder / entry["folder"]
    try:
        data = (target / "model.joblib").read_bytes()
        card = card_from_dict(json.loads((target / "card.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as broken:
        raise ModelStoreError(f"the model in `{target}` cannot be read: {broken}") from broken
    if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise ModelStoreError(f"`{target / 'model.joblib'}` changed since it was saved; not loading it")
    estimator = joblib.load(target / "model.joblib")
    return TrainedModel(estimator, card)


def load_models(folder: Path) -> dict[str, TrainedModel]:
    """Every model in a folder written by `save_models`, by the score it serves."""
    index = read_index(folder)
    entries: dict[str, Any] = index["models"]
    return {str(name): load_model(folder, entry) for name, entry in entries.items()}


def is_current(folder: Path) -> bool:
    """Whether the folder holds the shipped scores, written by this scikit-learn at this model version,
    each with its card for people (`card.md`; folders from before cards had one are retrained)."""
    try:
        index = read_index(folder)
    except ModelStoreError:
        return False
    entries: dict[str, Any] = index["models"]
    return (
        index.get("sklearn") == sklearn.__version__
        and set(DEFAULT_SCORES) <= set(entries)
        and all(
            isinstance(e, dict)
            and str(e.get("folder", "")).endswith(f"-{MODEL_VERSION}")
            and (folder / str(e["folder"]) / "card.md").is_file()
            for e in entries.values()
        )
    )


def train_default(rows: int = TRAINING_ROWS, seed: int = TRAINING_SEED) -> dict[str, TrainedModel]:
    """The shipped pair trained on the synthetic portfolio (deterministic for a seed)."""
    # One thread: on a busy machine OpenMP's threads fight each other and training slows ~40x.
    with threadpool_limits(limits=1):
        return train_from_portfolio(generate(rows, seed=seed), trained_on=dt.date.today().isoformat())


def default_models(folder: Path | None = None) -> dict[str, TrainedModel]:
    """The models in the default folder, trained and saved there first when absent or stale."""
    where = folder or models_folder()
    if not is_current(where):
        save_models(train_default(), where)
    return load_models(where)
