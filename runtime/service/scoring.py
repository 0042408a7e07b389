"""Scores for decide, remembered per feature row: a model's answer for the same row is the same answer.

A single-row `predict_proba` of the calibrated gradient-boosted models cost milliseconds (most of
a decision's CPU, measured); the models now walk a few rows in Python in ~10-20 µs each
(`engine.scores.fast_models`), and a remembered row costs a few µs, so the memory still pays, if
far less. An account's feature row changes only when its facts do (an event, a payment, the next
day's `days_past_due`). `CachedModel` wraps a trained model with the same
`card` and `score(rows)`: rows it has scored before are answered from memory, the rest go to the
model in one batch. The numbers, the model ids and versions in the trace are exactly the model's;
the memory is per process, bounded, and keyed by the model object and the row's exact values.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import numpy as np

CACHE_ROWS = 200_000  # rows remembered per model before the memory starts afresh (~10 MB)


class CachedModel:
    """A trained model (`engine.scores.models.TrainedModel`) that remembers its score for each row."""

    def __init__(self, model: Any, limit: int = CACHE_ROWS) -> None:
        self.model = model
        self.card = model.card
        self.limit = limit
        self.known: dict[bytes, float] = {}
        self.lock = threading.Lock()  # a decide worker's thread pool shares one model

    def native(self, rows: int) -> bool:
        """Whether the model would run native code for `rows` rows (see `engine.scores.service.native_threads`)."""
        found = getattr(self.model, "native", None)
        return True if found is None else bool(found(rows))

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Probabilities for a batch of rows, as the model gives them; unseen rows are scored in one call."""
        matrix = np.ascontiguousarray(np.asarray(rows, dtype=float))
        keys = [row.tobytes() for row in matrix]
        with self.lock:
            found = [self.known.get(key) for key in keys]
        missing = [i for i, value in enumerate(found) if value is None]
        if missing:
            fresh = self.model.score(matrix[missing])
            with self.lock:
                if len(self.known) + len(missing) > self.limit:
                    self.known.clear()
                for index, value in zip(missing, fresh, strict=True):
                    found[index] = self.known[keys[index]] = float(value)
        return np.asarray(found, dtype=float)


WRAPPED: dict[int, tuple[Mapping[str, Any], dict[str, Any]]] = {}


def cached_models(models: Mapping[str, Any]) -> dict[str, Any]:
    """The same models, each remembering its scores; one wrapper per models mapping for the process."""
    found = WRAPPED.get(id(models))
    if found is None or found[0] is not models:
        wrapped = {
            name: model if isinstance(model, CachedModel) else CachedModel(model) for name, model in models.items()
        }
        found = WRAPPED[id(models)] = (models, wrapped)
    return found[1]


__all__ = ["CachedModel", "cached_models"]
