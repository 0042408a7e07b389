"""Run every `benchmarks/bench_*.py` in turn and print what each one prints.

Run from the repository root: `.venv/bin/python benchmarks/run_all.py`. Each benchmark runs in
its own process, so one cannot warm caches for the next; a failing one is reported and the rest
still run. The exit status is 1 when any benchmark failed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run each benchmark script with this interpreter, from the repository root."""
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        started = time.perf_counter()
        finished = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False)
        print(f"   ({time.perf_counter() - started:.1f} s, exit {finished.returncode})\n", flush=True)
        if finished.returncode != 0:
            failed.append(script.name)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
