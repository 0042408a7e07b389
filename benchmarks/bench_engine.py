"""Batch decisions per second with the runtime guard, the guard's latency, and GoRules Zen as a yardstick.

One run, figures printed:

1. A synthetic portfolio (`runtime.demo_portfolio`, 100,000 accounts by default) decided on one
   day with `strategies/agency_placement.parley` by each evaluator (compiled, reference, durable),
   every proposed contact cleared by the account's own guard (`engine.guarding`), and again with
   no guard, so the guard's share shows. The three evaluators must propose the same actions.
2. The guard alone on a 50-entry history: p50 / p99 of `judge` on an allowed and a refused
   proposal (the refused one searches for `next_allowed_at`), on a case whose ledger index is
   already built (warm) and on a fresh one (cold, as in a batch), and of `parse_case`.
3. `zen-engine` (GoRules Zen, Rust) evaluating a decision table equivalent to the strategy's
   audience, stop, schedule and step conditions for the same accounts, against our compiled
   `decide` without the guard doing the same work; the two must pick the same steps.

Run: `.venv/bin/python benchmarks/bench_engine.py [--size N]`. zen-engine is optional
(`pip install zen-engine`); without it part 3 is skipped. Single process, single thread; the
machine and its load are printed so the figures can be recorded in `RESULTS.md`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from dsl import ast, parse
from engine.decide import allow_all, decide
from engine.evaluators import build_plan
from engine.guard import compile_rules, judge, parse_case
from engine.guard.case import Proposal
from engine.guarding import account_guard
from engine.plan import Plan
from engine.recipients import ledger_route
from runtime.demo_portfolio import demo_rows
from runtime.files import load_policies
from runtime.portfolio import PortfolioAccount, accounts_from_rows

ROOT = Path(__file__).resolve().parent.parent
STRATEGY = ROOT / "strategies" / "agency_placement.parley"
NOW = dt.datetime(2026, 3, 16, 13, 0, tzinfo=dt.UTC)  # 09:00 in New York, 06:00 in Los Angeles
TODAY = dt.date(2026, 3, 16)


def clock(work: Callable[[], Any]) -> tuple[Any, float, float]:
    """Result, wall seconds and CPU seconds of one call, with the collector quiet."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def machine() -> str:
    """What the figures were measured on."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs, {model}, Python {platform.python_version()}, load average {load}"


# ---------------------------------------------------------------- 1. batch


def run_batch(
    plan: Plan, accounts: list[PortfolioAccount], rules: Any, guarded: bool, asking: set[str] | None = None
) -> tuple[list[tuple], int]:
    """Decide every account (each through its own guard when `guarded`): what was proposed, and how
    many times the guard was asked (the accounts that asked go in `asking`). Decisions are dropped
    as they are made, as `parley decide` streams them to its file."""
    asked = 0
    proposed: list[tuple] = []
    for item in accounts:
        guard, route = allow_all, None
        if guarded:
            route = ledger_route(item.ledger)  # as `parley decide` routes each contact to a point
            inner = account_guard(item.account, item.ledger, rules, "agency", NOW)

            def guard(request: Any, inner: Any = inner, account_id: str = item.account.account_id) -> Any:
                nonlocal asked
                asked += 1
                if asking is not None:
                    asking.add(account_id)
                return inner(request)

        decision = decide(plan, item.account, NOW, guard, route)
        proposed.extend((decision.account_id, p.source, p.action, p.channel, p.at) for p in decision.proposals)
    return proposed, asked


def bench_batch(accounts: list[PortfolioAccount], rules: Any, text: str, program: ast.Strategy) -> dict[str, float]:
    """Part 1: decisions per second per evaluator, with and without the guard."""
    n = len(accounts)
    rates: dict[str, float] = {}
    seen: dict[str, list[tuple]] = {}
    asking: set[str] = set()
    for evaluator in ("compiled", "reference", "durable"):
        plan = build_plan(program, text, evaluator)
        counted = asking if evaluator == "compiled" else None
        (seen[evaluator], asked), wall, cpu = clock(
            lambda plan=plan, counted=counted: run_batch(plan, accounts, rules, True, counted)
        )
        (_, _), bare_wall, bare_cpu = clock(lambda plan=plan: run_batch(plan, accounts, rules, False))
        rates[evaluator] = n / cpu
        print(
            f"  {evaluator:9} with guard: {n / wall:8,.0f}/s wall, {n / cpu:8,.0f}/s CPU "
            f"({asked:,} guard calls, {len(seen[evaluator]):,} actions proposed) | "
            f"no guard: {n / bare_wall:8,.0f}/s wall, {n / bare_cpu:8,.0f}/s CPU"
        )
        if asked:  # what one guard call adds to deciding, all of its work included (CPU)
            print(f"  {'':9} the guard adds {(cpu - bare_cpu) / asked * 1e6:6.1f} µs a call (CPU)")
    print(f"  {len(asking):,} of {n:,} accounts asked the guard (a contact was due today); the others only decided")
    # The ledgers were validated once when the portfolio was read (`prepare_ledger`, as a database
    # validates a row when it is written). The same batch with every ledger validated during its
    # decision instead, for comparison:
    raw = [replace(item, ledger=replace(item.ledger, parsed=None)) for item in accounts]
    plan = build_plan(program, text, "compiled")
    (_, _), wall, cpu = clock(lambda: run_batch(plan, raw, rules, True))
    print(f"  compiled  with guard, ledger validated while deciding: {n / wall:8,.0f}/s wall, {n / cpu:8,.0f}/s CPU")
    raw.clear()
    same = seen["compiled"] == seen["reference"] == seen["durable"]
    print(f"  the three evaluators propose the same actions: {same}")
    print(
        f"  compiled / durable (CPU, with guard): {rates['compiled'] / rates['durable']:.1f}x; "
        f"goal: >= 10x and >= 50,000/s compiled"
    )
    return rates


# ---------------------------------------------------------------- 2. guard latency


def fifty_entry_case(proposed_at: str) -> dict[str, Any]:
    """An agency's patient in Massachusetts with two debts and 50 ledger rows over three weeks."""
    channels = ("call", "sms", "email", "voicemail", "letter")
    outcomes = ("no_answer", "delivered", "delivered", "limited_content_message", "delivered")
    history = []
    for i in range(50):
        day, slot = divmod(i, 3)
        history.append(
            {
                "at": f"2026-02-{day + 1:02d}T{9 + slot * 4:02d}:00:00",
                "channel": channels[i % 5],
                "debts": [["D1"], ["D2"], ["D1", "D2"]][i % 3],
                "outcome": outcomes[i % 5],
            }
        )
    return {
        "now": proposed_at,
        "jurisdiction": "US-MA",
        "organization": "agency",
        "patient": {"timezones": ["America/New_York"], "consent": {"sms": True, "autodialed_calls": True}},
        "debts": [{"id": "D1", "balance": "900.00", "initial_balance": "900.00"}, {"id": "D2", "balance": "200.00"}],
        "history": history,
        "events": [{"at": "2026-02-03T10:00:00", "type": "consent_given", "channel": "call", "days": 3}],
        "proposed": {"at": proposed_at, "channel": "letter", "debts": ["D1"]},
    }


def percentiles(samples: tuple[list[float], list[float]]) -> str:
    """`p50/p99` of wall and CPU samples in seconds, as µs."""
    wall, cpu = (statistics.quantiles(s, n=100) for s in samples)
    return f"p50 {wall[49] * 1e6:6.0f}/{cpu[49] * 1e6:4.0f} p99 {wall[98] * 1e6:6.0f}/{cpu[98] * 1e6:4.0f}"


def timed(work: Callable[[], Any], runs: int) -> tuple[list[float], list[float]]:
    """Each run's wall time and CPU time (the CPU time leaves out what other processes took)."""
    wall, cpu = [], []
    gc.collect()
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.thread_time()
        work()
        cpu.append(time.thread_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return wall, cpu


def bench_guard(rules: Any, runs: int = 3000) -> None:
    """Part 2: the guard's latency on a 50-entry history."""
    for label, at, channel in (
        ("allowed letter", "2026-02-20T11:00:00", "letter"),
        ("refused call (searches ahead)", "2026-02-17T22:00:00", "call"),
        ("refused call, as decide asks", "2026-02-17T22:00:00", "call"),
    ):
        data = fifty_entry_case(at)
        data["proposed"]["channel"] = channel
        case = parse_case(data)
        # decide searches for a later instant only inside the step's window today (`until`).
        until = case.proposed.at.replace(hour=23, minute=59) if "decide" in label else None
        verdict = judge(case, rules, until=until)
        proposal = case.proposed
        warm = timed(lambda case=case, until=until: judge(case, rules, until=until), runs)

        def cold(case: Any = case, proposal: Proposal = proposal, until: Any = until) -> None:
            # a fresh case object: its ledger index is rebuilt
            judge(replace(case, proposed=proposal), rules, until=until)

        print(f"  {label:30} ({'allowed' if verdict.allowed else 'refused'}) warm {percentiles(warm)}")
        print(f"  {'':30}           cold {percentiles(timed(cold, runs))}")
    parsing = timed(lambda: parse_case(fifty_entry_case("2026-02-20T11:00:00")), runs // 3)
    print(f"  {'parse_case (50 rows)':30}                {percentiles(parsing)}")
    print("  (µs wall/CPU; goal: judge p99 < 100 µs)")


# ---------------------------------------------------------------- 3. zen-engine


def zen_table(plan: Plan) -> dict[str, Any]:
    """A JDM decision table doing what the strategy's audience, stop, schedule and step guards do.

    Hand-translated from `strategies/agency_placement.parley`; the scheduled days come from the
    compiled plan so they cannot drift. Output: the steps that act today (hit policy `collect`).
    """
    unless_plan = {"First call of the week", "Second call of the week", "Voicemail", "Follow-up letter"}
    inputs = [
        {"id": "day", "name": "day", "field": "day"},
        {"id": "audience", "name": "audience", "field": "balance >= 50 and days_past_due >= 180"},
        {
            "id": "stopped",
            "name": "stopped",
            "field": "paid or disputed or cease_requested or attorney_represented or bankrupt or deceased",
        },
        {"id": "plan", "name": "plan", "field": "plan_active"},
    ]
    rules = []
    for index, step in enumerate(plan.steps):
        rules.append(
            {
                "_id": f"r{index}",
                "day": ", ".join(str(d) for d in sorted(step.days)),
                "audience": "true",
                "stopped": "false",
                "plan": "false" if step.name in unless_plan else "",
                "step": json.dumps(step.name),
            }
        )
    node = {"hitPolicy": "collect", "inputs": inputs, "outputs": [{"id": "step", "name": "step", "field": "step"}]}
    position = {"x": 0, "y": 0}
    return {
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "Request", "position": position},
            {
                "id": "table",
                "type": "decisionTableNode",
                "name": "Steps",
                "position": position,
                "content": node | {"rules": rules},
            },
            {"id": "out", "type": "outputNode", "name": "Response", "position": position},
        ],
        "edges": [
            {"id": "e1", "sourceId": "in", "targetId": "table", "type": "edge"},
            {"id": "e2", "sourceId": "table", "targetId": "out", "type": "edge"},
        ],
    }


def zen_context(item: PortfolioAccount, local_day: dt.date) -> dict[str, Any]:
    """The facts the table reads, as JSON values (unknown states are false, as our evaluators read them)."""
    facts = item.account.facts
    states = ("paid", "disputed", "cease_requested", "attorney_represented", "bankrupt", "deceased", "plan_active")
    context: dict[str, Any] = {s: facts.get(s) is True for s in states}
    context["balance"] = float(facts.get("balance", 0))  # type: ignore[arg-type]
    context["days_past_due"] = int(facts.get("days_past_due", 0))  # type: ignore[call-overload]
    context["day"] = (local_day - item.account.placed_on).days
    return context


def bench_zen(
    accounts: list[PortfolioAccount], program: ast.Strategy, text: str, ours_per_second: float, guarded: float
) -> None:
    """Part 3: zen-engine on the equivalent table, single calls and its batch call."""
    try:
        import zen
    except ImportError:
        print("  zen-engine is not installed (`pip install zen-engine`): skipped")
        return
    from importlib.metadata import version
    from zoneinfo import ZoneInfo

    plan = build_plan(program, text)
    engine = zen.ZenEngine({"loader": {"type": "static", "content": {"steps.json": zen_table(plan)}}})
    decision = engine.get_decision("steps.json")
    contexts = [zen_context(i, NOW.astimezone(ZoneInfo(i.account.timezone)).date()) for i in accounts]
    sample = contexts[: min(len(contexts), 20_000)]
    single, wall, cpu = clock(lambda: [decision.evaluate(c) for c in sample])
    per_single = cpu / len(sample)
    requests = [{"key": "steps.json", "context": c} for c in contexts]
    batch, batch_wall, batch_cpu = clock(lambda: engine.evaluate_batch(requests))
    ours: dict[str, set[str]] = {item.account.account_id: set() for item in accounts}
    for account_id, source, *_ in run_batch(plan, accounts, None, False)[0]:
        if not source.startswith("on "):  # handlers react to events; the table has only the steps
            ours[account_id].add(source)
    theirs = [{r["step"] for r in b["data"]["result"]} for b in batch]
    agree = sum(ours[i.account.account_id] == t for i, t in zip(accounts, theirs, strict=True))
    print(f"  zen-engine {version('zen-engine')}: the same steps as ours for {agree:,} of {len(accounts):,} accounts")
    print(f"  zen decision.evaluate:     {1 / per_single:9,.0f}/s CPU, {len(single) / wall:9,.0f}/s wall")
    batch_rate = len(requests) / batch_cpu
    print(f"  zen engine.evaluate_batch: {batch_rate:9,.0f}/s CPU, {len(requests) / batch_wall:9,.0f}/s wall")
    print(f"  ours, compiled decide without the guard, trace included: {ours_per_second:9,.0f}/s CPU (measured now)")
    print(
        f"  ours / zen: {ours_per_second * per_single:.1f}x its single calls, "
        f"{ours_per_second / (len(requests) / batch_cpu):.2f}x its batch (CPU)"
    )
    print(
        f"  ours with the guard ({guarded:,.0f}/s CPU) / zen without one: {guarded * per_single:.1f}x its single "
        f"calls, {guarded / batch_rate:.2f}x its batch (CPU)"
    )


def main() -> None:
    """Run the three parts and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="accounts in the portfolio")
    size = parser.parse_args().size
    print(f"bench_engine: {dt.date.today()}, {machine()}")
    text = STRATEGY.read_text()
    program = parse(text, str(STRATEGY)).program
    assert isinstance(program, ast.Strategy)
    rules = compile_rules(load_policies(ROOT / "policies")[0])
    rows, wall, _ = clock(lambda: demo_rows(size, seed=7, today=TODAY))
    print(f"portfolio: {size:,} synthetic accounts generated in {wall:.1f}s")
    book, wall, cpu = clock(lambda: accounts_from_rows(rows))
    rows.clear()
    # As `parley decide` does: the accounts live for the whole run, out of the collector's sight.
    gc.collect()
    gc.freeze()
    print(
        f"  read into accounts, ledgers validated for the guard: {size / cpu:,.0f}/s CPU "
        f"({len(book.errors)} unreadable; not counted in the rates below)"
    )
    print(f"1. batch decisions, {STRATEGY.name}, now={NOW.isoformat()}:")
    rates = bench_batch(book.accounts, rules, text, program)
    print("2. guard on a 50-entry history:")
    bench_guard(rules)
    print("3. zen-engine yardstick:")
    bare_plan = build_plan(program, text)
    _, _, bare_cpu = clock(lambda: run_batch(bare_plan, book.accounts, rules, False))
    bench_zen(book.accounts, program, text, len(book.accounts) / bare_cpu, rates["compiled"])
    print("4. where the compiled batch with guard spends its time (cProfile, first 3,000 accounts):")
    profile(build_plan(program, text), book.accounts[:3000], rules)


def profile(plan: Plan, accounts: list[PortfolioAccount], rules: Any) -> None:
    """Shares of decide's own work, reading guard cases, and judging them."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(run_batch, plan, accounts, rules, True)
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in stats.values())  # every function's own time
    cumulative = {f"{Path(k[0]).parent.name}/{Path(k[0]).name}:{k[2]}": row[3] for k, row in stats.items()}
    parts = {
        "building the guard case (first_case)": cumulative.get("engine/guarding.py:first_case", 0.0),
        "judging (judge, next_allowed_at search included)": cumulative.get("guard/judge.py:judge", 0.0),
    }
    parts["deciding (decide without the guard's parts)"] = total - sum(parts.values())
    for label, seconds in parts.items():
        print(f"  {label:52} {seconds / total:5.0%}")


if __name__ == "__main__":
    main()
