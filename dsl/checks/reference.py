"""The brute-force reference for the schedule checker: enumerate facts, walk the strategy, count.

Slow and obviously correct, used only by tests: for small strategies and small fact domains it
enumerates every value of every fact, evaluates each step and handler run by walking its body, and
counts contacts in every window. It shares no code with `counting`, `timeline` or `solver`; the
hypothesis test demands that both find the same violations.

It follows the same model of an account over time (see `dsl.checks.solver`): facts that never
change (`STABLE`) are one value for the whole window; every other fact is read afresh on each run;
the audience holds at placement; a run acts only while no stop condition holds. Day counters are
not modelled here: the strategies it is given do not use them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence

from dsl import ast

STABLE = frozenset({"original_balance", "jurisdiction"})
Holds = Callable[[ast.Expr, Mapping[str, object], Mapping[str, ast.Expr]], bool]


def assignments(names: Sequence[str], domains: Mapping[str, Sequence[object]]) -> Iterator[dict[str, object]]:
    """Every assignment of the names to values of their domains."""
    for values in itertools.product(*(domains[n] for n in names)):
        yield dict(zip(names, values, strict=True))


def run_count(
    body: Sequence[ast.Stmt],
    facts: Mapping[str, object],
    segments: Mapping[str, ast.Expr],
    holds: Holds,
    counts: Callable[[str | None], bool],
) -> int:
    """How many counted contacts one run of a body makes with these facts."""
    total = 0
    for stmt in body:
        if isinstance(stmt, ast.Branch):
            chosen = stmt.then if holds(stmt.condition, facts, segments) else stmt.otherwise
            total += run_count(chosen, facts, segments, holds, counts)
        elif isinstance(stmt, ast.Call):
            total += counts("call")
        elif isinstance(stmt, ast.Send):
            total += counts(stmt.channel)
        elif isinstance(stmt, ast.Escalate):
            total += counts(stmt.target)
    return total


def guard_allows(
    owner: ast.Step | ast.Handler, facts: Mapping[str, object], segments: Mapping[str, ast.Expr], holds: Holds
) -> bool:
    """Whether a step or handler's `when`/`unless` lets it run."""
    if owner.guard is None:
        return True
    return holds(owner.guard.condition, facts, segments) != owner.guard.negated


def run_days(step: ast.Step) -> list[int]:
    """The days a step runs on, one entry per run (so twice for a step every 12 hours)."""
    if isinstance(step.schedule, ast.OnDay):
        return [step.schedule.day]
    every = step.schedule
    if every.end_day < every.start_day:
        return []
    minute, last, days = every.start_day * 1440, every.end_day * 1440 + 1439, []
    step_minutes = every.interval.minutes
    while minute <= last:
        days.append(minute // 1440)
        if step_minutes <= 0:
            break
        minute += step_minutes
    return days


def max_contacts(
    strategy: ast.Strategy,
    counts: Callable[[str | None], bool],
    window: int,
    domains: Mapping[str, Sequence[object]],
    holds: Holds,
) -> int | None:
    """The most counted contacts any admitted account can get in `window` consecutive days.

    None when a handler without `at most` can make a counted contact (no bound at all). `domains`
    gives every fact the strategy names a small set of values to try (None: the fact is missing).
    """
    segments = {s.name: s.condition for s in strategy.segments}
    stable = sorted(n for n in domains if n in STABLE)
    changing = sorted(n for n in domains if n not in STABLE)
    best: int | None = 0
    for fixed in assignments(stable, domains):
        if not admitted(strategy, fixed, changing, domains, segments, holds):
            continue
        weights = {}
        for owner in (*strategy.steps, *strategy.handlers):
            weights[id(owner)] = best_run(strategy, owner, fixed, changing, domains, segments, holds, counts)
        for handler in strategy.handlers:
            if weights[id(handler)] > 0 and handler.at_most is None:
                return None
        total = most_in_a_window(strategy, weights, window)
        best = max(best or 0, total)
    return best


def admitted(
    strategy: ast.Strategy,
    fixed: Mapping[str, object],
    changing: Sequence[str],
    domains: Mapping[str, Sequence[object]],
    segments: Mapping[str, ast.Expr],
    holds: Holds,
) -> bool:
    """Whether some account with these unchanging facts is in the audience at placement."""
    if strategy.audience is None:
        return True
    return any(holds(strategy.audience, {**fixed, **v}, segments) for v in assignments(changing, domains))


def best_run(
    strategy: ast.Strategy,
    owner: ast.Step | ast.Handler,
    fixed: Mapping[str, object],
    changing: Sequence[str],
    domains: Mapping[str, Sequence[object]],
    segments: Mapping[str, ast.Expr],
    holds: Holds,
    counts: Callable[[str | None], bool],
) -> int:
    """The most counted contacts one run of the owner can make, over the changing facts."""
    most = 0
    for values in assignments(changing, domains):
        facts = {**fixed, **values}
        if any(holds(stop.condition, facts, segments) for stop in strategy.stops):
            continue
        if guard_allows(owner, facts, segments, holds):
            most = max(most, run_count(owner.body, facts, segments, holds, counts))
    return most


def most_in_a_window(strategy: ast.Strategy, weights: Mapping[int, int], window: int) -> int:
    """The largest total over every window of `window` days: steps by their runs, handlers all inside."""
    handlers = sum(weights[id(h)] * (h.at_most.times if h.at_most else 0) for h in strategy.handlers)
    days = [d for s in strategy.steps for d in run_days(s)] or [0]
    most = 0
    for start in range(min(days) - window + 1, max(days) + 1):
        total = handlers
        for step in strategy.steps:
            inside = sum(1 for d in run_days(step) if start <= d < start + window)
            if step.at_most is not None:
                inside = min(inside, step.at_most.times)
            total += inside * weights[id(step)]
        most = max(most, total)
    return most
