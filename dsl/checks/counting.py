"""The most contacts one account can receive in any window of consecutive days, with a witness.

Sound first: every step run and handler firing the strategy allows is counted, each run taking its
richest branch the account's facts allow (`when … otherwise` branches never both), `at most K
times` respected, handlers counted `at most` times or without bound. Then precise: when facts that
never change (or day counters) tie runs together, z3 decides whether the worst window can really
be filled (`Scenario.select`), and the witness is a concrete account and its dated timeline.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from dsl import ast
from dsl.checks import solver, timeline

# Windows whose upper bound is above the limit but that need the exact z3 question; past this many
# the upper bound is reported as it is (sound, possibly a false alarm, never a missed violation).
MAX_EXACT_WINDOWS = 12
# How long one exact question may take before its window falls back to the upper bound.
SELECT_TIMEOUT_MS = 1000
# Exact questions with more runs than this only ask whether the limit can be exceeded, not by how much.
SMALL_QUESTION = 24
NO_FACTS = solver.Assignment(())
# The most firings a witness lists, and the largest `at most` counted as a bound (the language's limit).
MAX_TIMES = 1000


@dataclass(frozen=True)
class Contact:
    """One counted contact of a witness: its day, minute of the day (None: any time), owner and action."""

    day: int
    minute: int | None
    owner: timeline.Owner
    action: ast.Action
    event: str | None = None


@dataclass(frozen=True)
class Worst:
    """The worst window found: its first day, the contacts in it, and the account facts behind them.

    `unbounded` is the handler that can repeat without limit, when one can.
    """

    start: int
    count: int
    contacts: tuple[Contact, ...]
    assignment: solver.Assignment
    unbounded: ast.Handler | None = None
    exact: bool = True  # False: `count` contacts can happen, and maybe more (large strategies)


@dataclass
class OwnerCount:
    """What one step or handler contributes: its paths with counted contacts, best first."""

    owner: timeline.Owner
    index: int
    paths: list[tuple[timeline.Path, int]]
    offsets: tuple[int, ...]
    limit: int | None
    day_dependent: bool

    @property
    def days(self) -> list[int]:
        """The days the owner's runs fall on (steps only)."""
        return [offset // timeline.MINUTES_PER_DAY for offset in self.offsets]


def counted_weight(path: timeline.Path, counts: Callable[[str | None], bool]) -> int:
    """How many counted contacts a path makes."""
    return sum(1 for action in path.actions if counts(timeline.channel_of(action)))


def owner_counts(
    strategy: ast.Strategy, scenario: solver.Scenario, counts: Callable[[str | None], bool]
) -> list[OwnerCount]:
    """Every step and handler that can make a counted contact, with its weighted paths."""
    coupling = solver.DAY_COUNTERS
    stop_names = solver.mentioned_names([s.condition for s in strategy.stops], scenario.segments)
    rows: list[OwnerCount] = []
    for index, owner in enumerate(timeline.owners(strategy)):
        weighted = [(p, counted_weight(p, counts)) for p in timeline.paths(owner)]
        weighted = sorted([(p, w) for p, w in weighted if w > 0], key=lambda pw: -pw[1])
        if not weighted:
            continue
        names = solver.mentioned_names([c for p, _ in weighted for c in p.conditions], scenario.segments)
        day_dependent = bool((names | stop_names) & coupling)
        offsets = timeline.step_offsets(owner) if isinstance(owner, ast.Step) else ()
        limit = counted_limit(owner.at_most)
        rows.append(OwnerCount(owner, index, weighted, offsets, limit, day_dependent))
    return rows


def counted_limit(at_most: ast.AtMost | None) -> int | None:
    """An owner's `at most`, or None (no bound) when it has none or one past what is worth counting.

    The language refuses `at most` above `MAX_TIMES`; should one come through anyway, counting it
    as unbounded is sound (it can only add findings) and never builds a list of N runs.
    """
    if at_most is None or at_most.times > MAX_TIMES:
        return None
    return at_most.times


class Counter:
    """Answers "how many counted contacts in `days` consecutive days" for one strategy and channel set."""

    def __init__(self, strategy: ast.Strategy, scenario: solver.Scenario, counts: Callable[[str | None], bool]) -> None:
        self.strategy = strategy
        self.scenario = scenario
        self.counts = counts
        self.rows = owner_counts(strategy, scenario, counts)
        self.best_cache: dict[tuple[int, int | None], tuple[int, timeline.Path | None]] = {}

    def best(self, row: OwnerCount, day: int | None) -> tuple[int, timeline.Path | None]:
        """The richest path of one run of `row` on `day` that some account allows, and its weight."""
        key = (row.index, day if row.day_dependent else None)
        if key not in self.best_cache:
            found: tuple[int, timeline.Path | None] = (0, None)
            for path, weight in row.paths:
                if self.scenario.satisfiable(path.conditions, key[1]) is not None:
                    found = (weight, path)
                    break
            self.best_cache[key] = found
        return self.best_cache[key]

    def worst(self, days: int, above: int) -> Worst | None:
        """The worst window of `days` days if it can hold more than `above` counted contacts, else None.

        The witness is the window with the most contacts any admitted account can get.
        """
        handlers = [r for r in self.rows if isinstance(r.owner, ast.Handler)]
        for row in handlers:
            weight, path = self.best(row, None)
            if weight > 0 and row.limit is None and path is not None:
                return self.unbounded_witness(row, path, days, above)
        steps = [r for r in self.rows if isinstance(r.owner, ast.Step)]
        fixed = sum(self.best(r, None)[0] * (r.limit or 0) for r in handlers)
        starts = sorted({d for r in steps for d in r.days}) or [0]
        totals = self.bounds(steps, starts, days)
        bounds = sorted(((totals[s] + fixed, s) for s in starts), key=lambda bs: (-bs[0], bs[1]))
        # Windows in order of their upper bound; stop once no remaining bound beats the best found.
        found_best: Worst | None = None
        exact: dict[tuple[object, ...], int] = {}
        questions = 0
        for bound, start in bounds:
            floor = max(above, found_best.count if found_best else above)
            if bound <= floor:
                break
            if questions >= MAX_EXACT_WINDOWS:
                # Enough asked: a real violation found stands; otherwise the bound is reported (sound).
                return found_best or self.greedy_witness(steps, handlers, start, days, bound)
            signature = self.signature(steps, start, days)
            if exact.get(signature, bound) <= floor:
                continue  # a window with the same runs was already answered
            questions += 1
            found = self.witness(steps, handlers, start, days, floor, bound, refine=found_best is None)
            exact[signature] = found.count if found else floor
            found_best = found or found_best
            if found_best is not None and not found_best.exact:
                break  # a large strategy: one real violation is the finding; its count is a lower bound
        return found_best

    def bounds(self, steps: Sequence[OwnerCount], starts: list[int], days: int) -> dict[int, int]:
        """The upper bound of every window start at once: each step adds to the windows its runs fall in."""
        totals = dict.fromkeys(starts, 0)
        for row in steps:
            weight = self.best(row, None)[0]
            row_days = row.days
            if weight == 0 or not row_days:
                continue
            first = bisect.bisect_left(starts, row_days[0] - days + 1)
            last = bisect.bisect_right(starts, row_days[-1])
            for start in starts[first:last]:
                runs = bisect.bisect_left(row_days, start + days) - bisect.bisect_left(row_days, start)
                totals[start] += weight * (runs if row.limit is None else min(runs, row.limit))
        return totals

    # ------------------------------------------------------------ upper bound

    def in_window(self, row: OwnerCount, start: int, days: int) -> list[int]:
        """The run offsets of a step that fall in the window."""
        first = bisect.bisect_left(row.offsets, start * timeline.MINUTES_PER_DAY)
        last = bisect.bisect_left(row.offsets, (start + days) * timeline.MINUTES_PER_DAY)
        return list(row.offsets[first:last])

    def signature(self, steps: Sequence[OwnerCount], start: int, days: int) -> tuple[object, ...]:
        """What decides a window's answer: run counts per step, and their days where days matter."""
        parts: list[object] = []
        for row in steps:
            inside = self.in_window(row, start, days)
            parts.append(tuple(o // timeline.MINUTES_PER_DAY for o in inside) if row.day_dependent else len(inside))
        return tuple(parts)

    # ------------------------------------------------------------ witnesses

    def runs(
        self, steps: Sequence[OwnerCount], handlers: Sequence[OwnerCount], start: int, days: int
    ) -> list[tuple[OwnerCount, int | None, int]]:
        """Every run that may act in the window: (row, offset or None for a handler, slot day)."""
        found: list[tuple[OwnerCount, int | None, int]] = []
        for row in steps:
            found.extend((row, o, o // timeline.MINUTES_PER_DAY) for o in self.in_window(row, start, days))
        for row in handlers:
            for i in range(row.limit or 0):
                found.append((row, None, start + min(i, days - 1)))
        return found

    def witness(
        self,
        steps: Sequence[OwnerCount],
        handlers: Sequence[OwnerCount],
        start: int,
        days: int,
        above: int,
        bound: int,
        refine: bool = True,
    ) -> Worst | None:
        """A concrete account and timeline with more than `above` contacts in this window, or None."""
        groups = self.groups(self.runs(steps, handlers, start, days))
        slots = []
        for group in groups:
            row, offset, day = group[0]
            one_run = row.day_dependent and offset is not None
            choices = tuple(solver.Choice(p.conditions, w * len(group)) for p, w in row.paths)
            copy = f"o{row.index}m{offset}" if one_run else f"o{row.index}"
            slots.append(solver.Slot(choices, day if one_run else None, f"owner{row.index}", timeline_label(day), copy))
        limits = {f"owner{r.index}": r.limit for r in steps if r.limit is not None}
        # The upper bound is usually reachable; otherwise find the most that is, between it and the limit
        # (searched for the first window with a violation only: later windows just have to beat it).
        small = len(slots) <= SMALL_QUESTION
        selection = self.scenario.select(slots, limits, bound, SELECT_TIMEOUT_MS) if small else None
        if selection is None or not selection.decided:
            low, high = above + 1, bound - 1
            selection = self.scenario.select(slots, limits, low, SELECT_TIMEOUT_MS)
            if selection is None:
                return None
            if not selection.decided:
                # z3 could not decide in time: report the bound's own timeline (sound, maybe an over-count).
                return self.greedy_witness(steps, handlers, start, days, bound)
            while refine and small and low < high:
                middle = (low + high + 1) // 2
                better = self.scenario.select(slots, limits, middle, SELECT_TIMEOUT_MS)
                if better is None or not better.decided:
                    high = middle - 1
                else:
                    low, selection = middle, better
        chosen = [
            (run, group[0][0].paths[j][0])
            for group, j in zip(groups, selection.taken, strict=True)
            if j is not None
            for run in group
        ]
        assignment = self.nicer_facts(chosen) or selection.assignment
        found = self.build(start, chosen, assignment)
        return found if small else replace(found, exact=False)

    @staticmethod
    def groups(runs: Sequence[tuple[OwnerCount, int | None, int]]) -> list[list[tuple[OwnerCount, int | None, int]]]:
        """Runs that one z3 copy of the facts can answer for together.

        Runs of a step or handler whose conditions do not depend on the day are interchangeable:
        given the facts that never change, each can take the owner's best allowed path, so one copy
        answers for all of them (up to `at most`). A day-dependent step keeps one slot per run.
        """
        groups: list[list[tuple[OwnerCount, int | None, int]]] = []
        by_owner: dict[int, list[tuple[OwnerCount, int | None, int]]] = {}
        for run in runs:
            row, offset, _day = run
            if row.day_dependent and offset is not None:
                groups.append([run])
            else:
                by_owner.setdefault(row.index, []).append(run)
        for owner_runs in by_owner.values():
            row, offset, _day = owner_runs[0]
            limited = offset is not None and row.limit is not None
            groups.append(owner_runs[: row.limit] if limited else owner_runs)
        return groups

    def nicer_facts(
        self, chosen: Sequence[tuple[tuple[OwnerCount, int | None, int], timeline.Path]]
    ) -> solver.Assignment | None:
        """The same witness with one set of account facts throughout, when one exists (easier to read)."""
        evaluations = [
            solver.Evaluation(path.conditions, day if offset is not None else None, timeline_label(day))
            for (row, offset, day), path in chosen
        ]
        return self.scenario.jointly(evaluations, shared=True)

    def greedy(
        self, steps: Sequence[OwnerCount], handlers: Sequence[OwnerCount], start: int, days: int
    ) -> list[tuple[tuple[OwnerCount, int | None, int], timeline.Path]]:
        """The bound's own choice: every run in the window (up to `at most`) on its richest allowed path."""
        chosen = []
        used: dict[int, int] = {}
        for run in self.runs(steps, handlers, start, days):
            row = run[0]
            _weight, path = self.best(row, None)
            if path is not None and (row.limit is None or used.get(row.index, 0) < row.limit):
                used[row.index] = used.get(row.index, 0) + 1
                chosen.append((run, path))
        return chosen

    def greedy_witness(
        self, steps: Sequence[OwnerCount], handlers: Sequence[OwnerCount], start: int, days: int, bound: int
    ) -> Worst:
        """The upper bound's own timeline, used when the exact question was asked too often."""
        chosen = self.greedy(steps, handlers, start, days)
        return self.build(start, chosen, self.nicer_facts(chosen) or NO_FACTS)

    def unbounded_witness(self, row: OwnerCount, path: timeline.Path, days: int, above: int) -> Worst:
        """N+1 firings of a handler without `at most` inside one window."""
        weight = counted_weight_of(row, path)
        # One firing past the limit shows it; a limit past `MAX_TIMES` is shown by `MAX_TIMES + 1`.
        firings = min(above // max(weight, 1), MAX_TIMES) + 1
        contacts = []
        for i in range(firings):
            contacts.extend(contacts_of(row.owner, path, min(i, days - 1), None, self.counts))
        assignment = self.scenario.satisfiable(path.conditions) or solver.Assignment(())
        owner = row.owner if isinstance(row.owner, ast.Handler) else None
        return Worst(0, len(contacts), tuple(contacts), assignment, owner)

    def build(
        self,
        start: int,
        chosen: Sequence[tuple[tuple[OwnerCount, int | None, int], timeline.Path]],
        assignment: solver.Assignment,
    ) -> Worst:
        """A witness from its chosen runs, contacts in time order."""
        contacts: list[Contact] = []
        for (row, offset, day), path in chosen:
            minute = None
            if offset is not None:
                window = row.owner.window if isinstance(row.owner, ast.Step) else None
                base = window.window.start.minutes if window else 0
                minute = base + offset % timeline.MINUTES_PER_DAY if window else None
            contacts.extend(contacts_of(row.owner, path, day, minute, self.counts))
        contacts.sort(key=lambda c: (c.day, c.minute if c.minute is not None else 24 * 60))
        return Worst(start, len(contacts), tuple(contacts), assignment)


def counted_weight_of(row: OwnerCount, path: timeline.Path) -> int:
    """The weight the row recorded for one of its paths."""
    return next(w for p, w in row.paths if p is path)


def contacts_of(
    owner: timeline.Owner, path: timeline.Path, day: int, minute: int | None, counts: Callable[[str | None], bool]
) -> list[Contact]:
    """The counted contacts a path makes on one run."""
    event = owner.event.name if isinstance(owner, ast.Handler) else None
    return [Contact(day, minute, owner, a, event) for a in path.actions if counts(timeline.channel_of(a))]


def timeline_label(day: int) -> str:
    """How a run is named in a counterexample's facts: `day 3`."""
    return f"day {day}"


# Which channels a rule's channel words count. Regulation F counts a ringless voicemail as a call
# (comment 14(b)-1), so `call` brings `voicemail` with it.
CHANNEL_WORDS: dict[str, frozenset[str]] = {
    "call": frozenset({"call", "voicemail"}),
    "calls": frozenset({"call", "voicemail"}),
    "telephone": frozenset({"call", "voicemail"}),
    "phone": frozenset({"call", "voicemail"}),
    "text": frozenset({"sms"}),
    "texts": frozenset({"sms"}),
    "recorded_message": frozenset({"voicemail"}),
    "recorded_audio": frozenset({"voicemail"}),
}
CONTACT_CHANNELS = frozenset({"call", "sms", "email", "letter", "voicemail", "chat"})
ALL_WORDS = frozenset({"any", "all", "contact", "contacts", "communication", "communications"})


def counted_channels(words: Sequence[ast.Ident]) -> frozenset[str]:
    """The action channels a rule's channel list counts (`any` counts every way of reaching a patient)."""
    found: set[str] = set()
    for word in words:
        if word.name in ALL_WORDS:
            found |= CONTACT_CHANNELS
        else:
            found |= CHANNEL_WORDS.get(word.name, {word.name})
    return frozenset(found)


def window_days(duration: ast.Duration) -> int:
    """A rule's window in whole calendar days (a window shorter than a day counts as one day)."""
    return max(1, -(-duration.minutes // timeline.MINUTES_PER_DAY))


def counter_for(
    strategy: ast.Strategy, scenario: solver.Scenario, channels: frozenset[str], cache: dict[str, object]
) -> Counter:
    """A counter for one channel set, shared between the rules (and passes) that count the same channels."""
    key = f"counter:{','.join(sorted(channels))}:{','.join(scenario.jurisdictions or ())}"
    counter = cache.get(key)
    if not isinstance(counter, Counter) or counter.strategy is not strategy or counter.scenario is not scenario:
        counter = Counter(strategy, scenario, lambda channel: channel in channels)
        cache[key] = counter
    return counter
