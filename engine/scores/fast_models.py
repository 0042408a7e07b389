"""A few rows scored without scikit-learn's per-call checks, with exactly the pipeline's numbers.

A one-row `predict_proba` of the shipped models (isotonic-calibrated gradient-boosted trees) spends
milliseconds validating its input and setting up native loops, and microseconds on the trees
(measured: ~3-4 ms a row against ~16 µs a row in large batches). The API scores one account per
request, so `compile_model` reads the fitted trees and the calibrator once into plain Python
values and `FastModel.scores` walks them for a small batch.

Exactly the same numbers, not close ones: every float operation is the one scikit-learn does, in
the same order. The raw score is the baseline plus each tree's leaf, added one tree at a time as
`HistGradientBoostingClassifier._raw_predict` does; a missing value follows the node's
`missing_go_to_left`; the calibrator clips to its fitted range and interpolates with the very
`numpy.interp` that its `interp1d` delegates to; `_CalibratedClassifier` then snaps values a hair
above 1 to 1, and `CalibratedClassifierCV` averages its folds by adding them to zero in order and
dividing by their count.

Refusal over guessing: `compile_model` returns None (the caller keeps the full pipeline) for any
estimator it does not know exactly, by type and settings: another classifier, sigmoid calibration,
categorical splits, more than two classes, a calibrator that could fill out-of-range values. It
then scores probe rows both ways (every split threshold, its neighbours, missing values, extremes)
and refuses unless every probability is bit-for-bit the pipeline's, so a scikit-learn release that
changed its arithmetic is caught when the model is loaded, not in a decision.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.interpolate import interp1d
from sklearn.calibration import CalibratedClassifierCV, _CalibratedClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression

FAST_ROWS = 32  # above this a batch goes to the pipeline: its per-row cost is lower than the Python walk's
PROBE_RANDOM_ROWS = 256  # random rows in the load-time self-check, besides the thresholds and edge values
SNAP_ABOVE_ONE = 1.0 + 1e-5  # `_CalibratedClassifier.predict_proba` rounds (1, 1 + 1e-5] down to 1

# A tree as nested tuples: a split is (feature, threshold, missing goes left, left, right) and a
# leaf is (-1, value); read once from the predictor's node table, then turned into `walk` source.
Node = tuple[Any, ...]
Walk = Callable[[Sequence[float]], float]
MAX_DEPTH = 80  # deeper trees would near Python's 100 levels of indentation: such a model is refused


@dataclass(frozen=True)
class FastFold:
    """One calibrated fold: its trees' baseline and trees, its isotonic calibrator, and the compiled walk."""

    baseline: float
    trees: tuple[Node, ...]
    low: float  # the calibrator's fitted range, which it clips to
    high: float
    x: np.ndarray  # the calibrator's interpolation points (its `interp1d`'s own arrays)
    y: np.ndarray
    walk: Walk = field(compare=False, repr=False)  # the decision function of one row: `walk_source`

    def calibrated(self, raws: list[float]) -> list[float]:
        """The isotonic calibrator on raw scores: clip to the fitted range, interpolate, snap to 1."""
        low, high = self.low, self.high
        clipped = [low if r < low else high if r > high else r for r in raws]  # NaN stays NaN, as in np.clip
        values = np.interp(clipped, self.x, self.y).tolist()
        return [1.0 if 1.0 < v <= SNAP_ABOVE_ONE else v for v in values]


@dataclass(frozen=True)
class FastModel:
    """A fitted `CalibratedClassifierCV` of gradient-boosted trees, as plain values; see the module doc."""

    folds: tuple[FastFold, ...]
    features: int

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """The positive class's probability per row: `estimator.predict_proba(rows)[:, 1]`, exactly."""
        listed = np.asarray(rows, dtype=float).reshape(-1, self.features).tolist()
        totals = [0.0] * len(listed)  # `mean_proba = zeros(...)`, then each fold added in order
        for fold in self.folds:
            fold_scores = fold.calibrated([fold.walk(row) for row in listed])
            totals = [total + score for total, score in zip(totals, fold_scores, strict=True)]
        count = len(self.folds)
        return np.array([total / count for total in totals], dtype=float)


def walk_source(baseline: float, trees: tuple[Node, ...], features: int) -> str:
    """Python source of `walk(row)`: the baseline plus each tree's leaf, one nested `if` per split.

    Why source: CPython runs a comparison of a local against a constant several times faster than
    it indexes a node table (measured ~10 µs against ~39 µs a row for the shipped model). The
    source holds only feature numbers and `repr`s of the model's floats, which read back exactly.
    A split `value <= threshold` sends NaN right; where the tree learned that missing values go
    left the test is written `not value > threshold`, which is the same for numbers and true for NaN.
    A threshold of infinity (a split of missing values from all others) is written `inf`, a name
    `compiled_walk` binds to `math.inf`.
    """
    names = [f"x{i}" for i in range(features)]
    lines = ["def walk(row):", f"    ({', '.join(names)},) = row", f"    total = 0.0 + {baseline!r}"]
    pending: list[tuple[Node | str, int]] = [(node, 1) for node in reversed(trees)]
    while pending:  # depth-first, left before right: the text of nested if/else blocks
        node, depth = pending.pop()
        pad = "    " * depth
        if isinstance(node, str):
            lines.append(pad + node)
        elif node[0] < 0:
            lines.append(f"{pad}total += {node[1]!r}")  # added tree by tree, as `_raw_predict` adds
        else:
            feature, threshold, missing_left, left, right = node
            test = f"not x{feature} > {threshold!r}" if missing_left else f"x{feature} <= {threshold!r}"
            lines.append(f"{pad}if {test}:")
            pending += [(right, depth + 1), ("else:", depth), (left, depth + 1)]
    lines.append("    return total")
    return "\n".join(lines)


def compiled_walk(baseline: float, trees: tuple[Node, ...], features: int) -> Walk:
    """`walk_source` compiled, with no builtins in reach (it needs none), only `inf`."""
    namespace: dict[str, Any] = {}
    code = compile(walk_source(baseline, trees, features), "<fast_models.walk>", "exec")
    exec(code, {"__builtins__": {}, "inf": math.inf}, namespace)  # `repr(math.inf)` is `inf`
    return namespace["walk"]


def compile_model(estimator: object, features: int) -> FastModel | None:
    """The fast form of a fitted model, or None when it is not exactly a kind this module reproduces."""
    try:
        fast = read_model(estimator, features)
        if fast is None or not agrees(fast, estimator, probe_rows(fast, features)):
            return None
    # A fitted object unlike ours (missing or odd attributes), or source Python will not compile.
    except (AttributeError, TypeError, ValueError, IndexError, KeyError, SyntaxError, RecursionError, MemoryError):
        return None
    return fast


def read_model(estimator: object, features: int) -> FastModel | None:
    """Read a `CalibratedClassifierCV` of isotonic folds over binary gradient-boosted trees; None otherwise."""
    if type(estimator) is not CalibratedClassifierCV or getattr(estimator, "method", None) != "isotonic":
        return None
    classes = np.asarray(estimator.classes_)
    folds = []
    for calibrated in estimator.calibrated_classifiers_:
        if type(calibrated) is not _CalibratedClassifier or calibrated.method != "isotonic":
            return None
        if len(calibrated.calibrators) != 1 or not np.array_equal(np.asarray(calibrated.classes), classes):
            return None
        trees = read_trees(calibrated.estimator, classes, features)
        calibrator = read_calibrator(calibrated.calibrators[0])
        if trees is None or calibrator is None:
            return None
        baseline, nodes = trees
        folds.append(FastFold(baseline, nodes, *calibrator, compiled_walk(baseline, nodes, features)))
    if len(classes) != 2 or not folds:
        return None
    return FastModel(tuple(folds), features)


def read_trees(booster: object, classes: np.ndarray, features: int) -> tuple[float, tuple[Node, ...]] | None:
    """A binary booster's baseline and trees; None for anything whose decision function differs."""
    if type(booster) is not HistGradientBoostingClassifier or getattr(booster, "_in_fit", False):
        return None
    if booster.n_trees_per_iteration_ != 1 or booster._preprocessor is not None or booster.is_categorical_ is not None:
        return None
    if booster.n_features_in_ != features or not np.array_equal(np.asarray(booster.classes_), classes):
        return None
    baseline = np.asarray(booster._baseline_prediction)
    if baseline.shape != (1, 1) or baseline.dtype != np.float64 or not np.isfinite(baseline).all():
        return None
    trees = []
    for iteration in booster._predictors:
        if len(iteration) != 1:
            return None
        nodes = iteration[0].nodes
        if nodes["is_categorical"].any() or nodes["depth"].max() > MAX_DEPTH:
            return None
        leaves, splits = nodes["value"][nodes["is_leaf"] == 1], nodes["num_threshold"][nodes["is_leaf"] == 0]
        if np.isnan(leaves).any() or np.isnan(splits).any():
            return None  # no literal for NaN in `walk_source`; a model with one keeps the pipeline
        trees.append(tree(nodes.tolist(), nodes.dtype.names, 0))
    return float(baseline[0, 0]), tuple(trees)


def tree(nodes: list[tuple[Any, ...]], names: tuple[str, ...], index: int) -> Node:
    """The subtree at `index` of a predictor's node table, as nested tuples."""
    node = dict(zip(names, nodes[index], strict=True))
    if node["is_leaf"]:
        return (-1, float(node["value"]))
    return (
        int(node["feature_idx"]),
        float(node["num_threshold"]),
        bool(node["missing_go_to_left"]),
        tree(nodes, names, int(node["left"])),
        tree(nodes, names, int(node["right"])),
    )


def read_calibrator(calibrator: object) -> tuple[float, float, np.ndarray, np.ndarray] | None:
    """An isotonic calibrator's clip range and points, when its predict is clip-then-`numpy.interp`."""
    if type(calibrator) is not IsotonicRegression or calibrator.out_of_bounds != "clip":
        return None
    interpolate = calibrator.f_
    if type(interpolate) is not interp1d or interpolate._call is not interp1d._call_linear_np:
        return None
    x, y = np.asarray(interpolate.x), np.asarray(interpolate.y)
    if x.dtype != np.float64 or y.dtype != np.float64 or x.ndim != 1 or y.ndim != 1 or len(x) < 2:
        return None
    if np.asarray(calibrator.X_thresholds_).dtype != np.float64:
        return None
    low, high = float(calibrator.X_min_), float(calibrator.X_max_)
    # Clipped values then never fall outside the points, so interp1d's out-of-range fill never applies.
    if not (x[0] <= low and high <= x[-1]):
        return None
    return low, high, x.copy(), y.copy()


def probe_rows(fast: FastModel, features: int, seed: int = 0) -> np.ndarray:
    """Rows that reach every side of every split: each threshold, its neighbours, missing values, extremes."""
    cuts: list[list[float]] = [[] for _ in range(features)]
    for fold in fast.folds:
        stack = list(fold.trees)
        while stack:
            node = stack.pop()
            if node[0] >= 0:
                cuts[node[0]].append(node[1])
                stack += [node[3], node[4]]
    rng = np.random.default_rng(seed)
    columns = []
    for values in cuts:
        points = np.array(values or [0.0], dtype=float)
        points = np.concatenate([points, np.nextafter(points, np.inf), np.nextafter(points, -np.inf)])
        edges = np.array([np.nan, np.inf, -np.inf, 0.0, -1.0, 1e12])
        columns.append(np.concatenate([points, edges]))
    size = max(len(c) for c in columns)
    rows = np.stack([c[rng.integers(0, len(c), size + PROBE_RANDOM_ROWS)] for c in columns], axis=1)
    for feature, column in enumerate(columns):  # and each probe value at least once in its own column
        rows[: len(column), feature] = column
    return rows


def agrees(fast: FastModel, estimator: Any, rows: np.ndarray) -> bool:
    """Whether the fast form gives bit-for-bit the pipeline's probabilities on `rows`."""
    expected = estimator.predict_proba(rows)[:, 1]
    found = np.concatenate([fast.scores(rows[i : i + FAST_ROWS]) for i in range(0, len(rows), FAST_ROWS)])
    return bool(np.array_equal(found, expected, equal_nan=True))
