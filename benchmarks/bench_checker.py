"""How long the static compliance checker takes: each example strategy against every pack, and a
2,000-line strategy.

Loads `policies/` and `templates/` once (as `parley check` does), then times
`dsl.check.check_text` — parse, the language pass and every compliance check — over repeated runs
and prints the median, p90 and median CPU time in milliseconds.
Run: `.venv/bin/python benchmarks/bench_checker.py [--runs N]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_checks_schedule_large import large_strategy  # noqa: E402

from dsl.check import CheckOptions, check_text  # noqa: E402
from runtime.files import load_policies, load_templates  # noqa: E402

AS_OF = dt.date(2026, 11, 27)


def timed(text: str, name: str, options: CheckOptions, runs: int) -> tuple[float, float, float, int]:
    """Median and p90 wall time, median CPU time (ms), and the number of errors found."""
    walls, cpus = [], []
    errors = 0
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = check_text(text, name, options)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        errors = sum(d.is_error for d in result.diagnostics)
    walls.sort()
    return statistics.median(walls), walls[int(len(walls) * 0.9) - 1], statistics.median(cpus), errors


def main() -> None:
    """Print one line per example strategy and one for the large strategy."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    policies, _ = load_policies(ROOT / "policies")
    templates, _ = load_templates(ROOT / "templates")
    options = CheckOptions(templates=templates, policies=tuple(policies), as_of=AS_OF)
    print(f"{len(policies)} packs, {sum(len(p.rules) for p in policies)} rules, check date {AS_OF}")
    for path in sorted((ROOT / "strategies").glob("*.parley")):
        median, p90, cpu, errors = timed(path.read_text(), str(path), options, runs)
        print(f"{path.name:<36} median {median:7.1f} ms   p90 {p90:7.1f} ms   cpu {cpu:7.1f} ms   errors {errors}")
    text = large_strategy()
    median, p90, cpu, errors = timed(text, "large.parley", options, max(3, runs // 5))
    label = f"large strategy ({text.count(chr(10))} lines)"
    print(f"{label:<36} median {median:7.1f} ms   p90 {p90:7.1f} ms   cpu {cpu:7.1f} ms")


if __name__ == "__main__":
    main()
