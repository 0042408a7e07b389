"""What the timing bandit needs from the engine: the step's window and the runtime guard as a probe.

`best_time_window(plan, day)` is the window the bandit must choose inside on an account's day: the
overlap of the `at best_time within …` windows of the steps scheduled that day (None when no such
step is due, so nothing needs timing). `guard_probe(guard, local_now, debts)` turns decide's
`Guard` into the bandit's `Probe`: it asks the guard about one channel at one local minute today
and answers that minute when allowed, else the guard's `next_allowed_at` when it falls today
(a hint the bandit re-asks), else None. Minutes already past are refused without asking.
Pure: the guard is a function passed in; time comes in as `local_now`.
"""

from __future__ import annotations

import datetime as dt

from engine.decide import ContactRequest, Guard
from engine.plan import Plan
from engine.scores.bandit import Probe


def best_time_window(plan: Plan, day: int) -> tuple[int, int] | None:
    """The overlap of the `at best_time` windows of the steps due on `day`, in local minutes [start, end)."""
    windows = [
        (step.node.window.window.start.minutes, step.node.window.window.end.minutes)
        for step in plan.steps
        if day in step.days and step.node.window is not None and step.node.window.best_time
    ]
    if not windows:
        return None
    return max(start for start, _ in windows), min(end for _, end in windows)


def guard_probe(guard: Guard, local_now: dt.datetime, debts: tuple[str, ...]) -> Probe:
    """The guard asked about (channel, local minute) today; see the module's docstring."""

    def probe(channel: str, minute: int) -> int | None:
        at = local_now.replace(hour=minute // 60, minute=minute % 60, second=0, microsecond=0)
        if at < local_now.replace(second=0, microsecond=0):
            return None
        answer = guard(ContactRequest(at, channel, debts))
        if answer.allowed:
            return minute
        later = answer.next_allowed_at
        if later is None:
            return None
        later = later.astimezone(local_now.tzinfo)
        return later.hour * 60 + later.minute if later.date() == local_now.date() else None

    return probe
