"""The timing bandit's lift over a fixed schedule on the simulated world, with a bootstrap interval.

For each seed: a synthetic portfolio (`engine.scores.bandit_sim.simulated_accounts`), contacted
every `--cadence` days for `--days` days inside a 09:00-19:00 step window, by four policies that
see the same accounts and the same dice:

- `fixed`: always SMS at 10:00 (the allowed hour nearest 10:00, then another channel, when not allowed);
- `bestfixed`: the one fixed (channel, hour) that is best over the whole portfolio, chosen knowing
  the true rates (call at 12:00 in the plausible world): the strongest schedule without segments;
- `greedy`: the posterior mean's best arm, learning nightly but never exploring (the Beta table's way);
- `thompson`: the bandit, learning nightly from the day's outcomes;
- `oracle`: the best allowed arm under the true rates (the ceiling).

Printed: each policy's reward rate per seed; the lift of `thompson` over `fixed`, `bestfixed`
and `greedy` as the ratio of mean rates minus one and in points, with a 95% percentile bootstrap
interval over seeds; the share of the oracle's reward; the rate by week; the cost of one choice.

Run: `.venv/bin/python benchmarks/bench_bandit.py [--accounts N] [--days N] [--seeds N]
[--world plausible|flat] [--card-out DIR]`. `--world flat` keeps each segment's channel levels
but drops the hourly shapes (a check on how much of the lift our assumed shapes carry).
`--card-out` writes the card and posterior of the bandit the first seed's run trained
(`card.json`, `card.md`, `posterior.json`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from engine.scores.bandit import BanditState, Outcome, account_rng, allowed_arms, choose, timing_scores, update
from engine.scores.bandit_card import card_files
from engine.scores.bandit_sim import POLICIES, RunResult, Settings, World, flat_world, lift, plausible_world, run

BOOTSTRAP_SEED = 2026
WORLDS: dict[str, Callable[[], World]] = {"plausible": plausible_world, "flat": flat_world}


def arguments() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--cadence", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--world", choices=sorted(WORLDS), default="plausible")
    parser.add_argument("--card-out", type=Path, default=None)
    return parser.parse_args()


def machine() -> str:
    """The machine and its load, for RESULTS.md."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, load {load}"


def weekly(results: list[RunResult]) -> list[float]:
    """Reward rate per week over every seed's run (the last week may be short)."""
    rewards = np.sum([r.rewards_by_day for r in results], axis=0)
    contacts = np.sum([r.contacts_by_day for r in results], axis=0)
    return [rewards[i : i + 7].sum() / max(1, contacts[i : i + 7].sum()) for i in range(0, len(rewards), 7)]


def choice_cost() -> tuple[float, float]:
    """CPU microseconds per `choose` and per `timing_scores` (CPU time: steadier than wall time on a busy machine)."""
    rng = np.random.default_rng(0)
    outcomes = [
        Outcome("working", c, h, bool(rng.random() < 0.2)) for c in ("sms", "call", "email") for h in range(8, 21)
    ]
    state = update(BanditState(), outcomes * 20)
    allowed = allowed_arms(("sms", "call", "email"), (9 * 60, 19 * 60))
    runs = 2_000
    start = time.process_time()
    for i in range(runs):
        choose(state, "working", allowed, account_rng(1, f"A{i}", 740_000))
    per_choice = (time.process_time() - start) / runs * 1e6
    start = time.process_time()
    for i in range(runs):
        timing_scores(state, "working", allowed, account_rng(1, f"A{i}", 740_000))
    return per_choice, (time.process_time() - start) / runs * 1e6


def main() -> None:
    """Run every policy on every seed and print the lift."""
    args = arguments()
    world = WORLDS[args.world]()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    print(f"bench_bandit: {machine()}")
    print(
        f"world {args.world}; {args.accounts} accounts, {args.days} days, a contact every {args.cadence} days, "
        "step window 09:00-19:00"
    )
    print(f"seeds {seeds.start}..{seeds.stop - 1}; bootstrap seed {BOOTSTRAP_SEED}, 10,000 resamples")
    results: dict[str, list[RunResult]] = {name: [] for name in POLICIES}
    started = time.perf_counter()
    print(f"{'seed':>5} {'contacts':>9} " + " ".join(f"{name:>9}" for name in POLICIES))
    for seed in seeds:
        settings = Settings(args.accounts, args.days, args.cadence, seed=seed)
        row = {name: run(world, name, make(world), settings) for name, make in POLICIES.items()}
        for name, result in row.items():
            results[name].append(result)
        rates = " ".join(f"{row[name].rate:9.4f}" for name in POLICIES)
        print(f"{seed:>5} {row['fixed'].contacts:>9} {rates}")
    print(f"({time.perf_counter() - started:.1f} s)")
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    metrics: dict[str, float] = {}
    for baseline in ("fixed", "bestfixed", "greedy"):
        pairs = [(b.rate, t.rate) for b, t in zip(results[baseline], results["thompson"], strict=True)]
        found = lift(pairs, rng)
        metrics |= {
            f"sim_lift_over_{baseline}": found.relative,
            f"sim_lift_over_{baseline}_ci_low": found.relative_low,
            f"sim_lift_over_{baseline}_ci_high": found.relative_high,
        }
        print(
            f"thompson over {baseline}: lift {found.relative:+.1%} (95% CI {found.relative_low:+.1%} .. "
            f"{found.relative_high:+.1%}); {found.points * 100:+.2f} points "
            f"(95% CI {found.points_low * 100:+.2f} .. {found.points_high * 100:+.2f})"
        )
    for name in POLICIES:
        mean = np.mean([r.rate for r in results[name]])
        share = np.mean([r.best_arm_share for r in results[name]])
        oracle = np.mean([r.rate for r in results["oracle"]])
        print(f"{name:>9}: reward rate {mean:.4f}, {mean / oracle:.1%} of the oracle's, best allowed arm {share:.1%}")
    weeks = {name: weekly(results[name]) for name in ("fixed", "thompson")}
    pairs = zip(weeks["fixed"], weeks["thompson"], strict=True)
    print("rate by week, fixed/thompson: " + "; ".join(f"w{i + 1} {f:.3f}/{t:.3f}" for i, (f, t) in enumerate(pairs)))
    per_choice, per_scores = choice_cost()
    print(f"one choose(): {per_choice:.0f} µs CPU; one timing_scores(): {per_scores:.0f} µs CPU (30 arms allowed)")
    if args.card_out:
        first = Settings(args.accounts, args.days, args.cadence, seed=args.first_seed)
        write_card(args.card_out, args.world, results["thompson"][0], first, metrics)


def write_card(folder: Path, world: str, result: RunResult, settings: Settings, metrics: dict[str, float]) -> None:
    """Write the card and posterior of the bandit trained by one simulated run."""
    assert result.state is not None
    data = f"bandit_sim {world} world, {settings.accounts} accounts x {settings.days} days, seed {settings.seed}"
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in card_files(result.state, data, metrics, dt.date.today()).items():
        (folder / name).write_bytes(content)
    print(f"card and posterior written to {folder}")


if __name__ == "__main__":
    main()
