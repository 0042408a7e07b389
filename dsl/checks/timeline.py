"""Every action a strategy can take: when, on which channel, under which conditions, by whom.

The schedule checks (frequency caps, cool-downs, time windows, bursts) and the timing checks all
start from this flat view. Nothing here decides whether a condition can hold; that is the solver's
job (`dsl.checks.solver`). Segment names stay names here; the solver expands them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from dsl import ast

MINUTES_PER_DAY = 1440
# More branch combinations than this in one step or handler are not enumerated one by one:
# the step is then treated as able to take every action at once (an over-count, never an under-count).
MAX_PATHS = 4096

ESCALATION_CHANNELS = ("credit_report", "eca", "agency")

Owner = ast.Step | ast.Handler


@dataclass(frozen=True)
class PlannedAction:
    """One action of a step or handler, with everything the schedule checks need to know about it.

    `offsets` are the moments (minutes after the start of placement day 0, before the step's window
    is applied) at which the owning step can run; `max_times` caps how many of them can happen
    (`at most K times`). For a handler `offsets` is empty: it runs on events, `max_times` times at
    most, or without bound when `max_times` is None.
    """

    action: ast.Action
    channel: str | None
    owner: Owner
    path_condition: tuple[ast.Expr, ...]
    offsets: tuple[int, ...]
    max_times: int | None
    window: ast.TimeWindow | None
    position: int

    @property
    def is_handler(self) -> bool:
        """Whether the action runs on an event rather than on a schedule."""
        return isinstance(self.owner, ast.Handler)

    @property
    def days(self) -> tuple[int, ...]:
        """The placement days the owning step can run on (repeats when it runs more than once a day)."""
        return tuple(offset // MINUTES_PER_DAY for offset in self.offsets)

    @property
    def event(self) -> str | None:
        """The event a handler reacts to (`reply`, `conversation`, …); None for a step."""
        return self.owner.event.name if isinstance(self.owner, ast.Handler) else None

    @property
    def delay(self) -> ast.Duration | None:
        """A handler's `after DURATION`; None for steps and for handlers that act at once."""
        return self.owner.delay if isinstance(self.owner, ast.Handler) else None

    @property
    def unbounded(self) -> bool:
        """Whether the action can repeat without limit (a handler without `at most N times`)."""
        return self.is_handler and self.max_times is None


@dataclass(frozen=True)
class Path:
    """One way through a step or handler's branches: the conditions that choose it and its actions."""

    conditions: tuple[ast.Expr, ...]
    actions: tuple[ast.Action, ...]


def channel_of(action: ast.Action) -> str | None:
    """The channel an action reaches the patient (or a third party) on; None for non-contacts."""
    if isinstance(action, ast.Call):
        return "call"
    if isinstance(action, ast.Send):
        return action.channel
    if isinstance(action, ast.Escalate):
        return action.target
    return None


def owner_name(owner: Owner) -> str:
    """How a compliance officer names a step or handler: step `Call`, or `on reply`."""
    if isinstance(owner, ast.Step):
        return f"step `{owner.name}`"
    return f"`on {owner.event.name}` handler"


def guard_conditions(owner: Owner) -> tuple[ast.Expr, ...]:
    """The owner's `when`/`unless` guard as a condition list (`unless C` becomes `not C`)."""
    if owner.guard is None:
        return ()
    condition = owner.guard.condition
    if owner.guard.negated:
        condition = ast.Not(condition, span=owner.guard.span)
    return (condition,)


def step_offsets(step: ast.Step) -> tuple[int, ...]:
    """The moments (minutes after day 0 starts) a step can run, before `at most` is applied."""
    schedule = step.schedule
    if isinstance(schedule, ast.OnDay):
        return (schedule.day * MINUTES_PER_DAY,)
    start = schedule.start_day * MINUTES_PER_DAY
    # `to day B` includes all of day B: a step every 12 hours runs twice on its last day too.
    end = (schedule.end_day + 1) * MINUTES_PER_DAY - 1
    interval = schedule.interval.minutes
    if schedule.end_day < schedule.start_day:
        return ()
    if interval <= 0:
        return (start,)
    return tuple(range(start, end + 1, interval))


def step_max_times(step: ast.Step) -> int:
    """How many times a step can run: its occurrences, capped by `at most K times`."""
    count = len(step_offsets(step))
    return min(count, step.at_most.times) if step.at_most else count


def owners(strategy: ast.Strategy) -> tuple[Owner, ...]:
    """Every step and then every handler, in source order within each kind."""
    return (*strategy.steps, *strategy.handlers)


def walk(
    body: Sequence[ast.Stmt], conditions: tuple[ast.Expr, ...]
) -> Iterator[tuple[ast.Action, tuple[ast.Expr, ...]]]:
    """Every action of a body with the branch conditions that lead to it (`otherwise` negated)."""
    for stmt in body:
        if isinstance(stmt, ast.Branch):
            yield from walk(stmt.then, (*conditions, stmt.condition))
            negated = ast.Not(stmt.condition, span=stmt.condition.span)
            yield from walk(stmt.otherwise, (*conditions, negated))
        else:
            yield stmt, conditions


def planned_actions(strategy: ast.Strategy) -> list[PlannedAction]:
    """Every action of every step and handler, in source order, with its schedule and conditions."""
    planned: list[PlannedAction] = []
    for owner in owners(strategy):
        guard = guard_conditions(owner)
        if isinstance(owner, ast.Step):
            offsets, max_times, window = step_offsets(owner), step_max_times(owner), owner.window
        else:
            offsets, max_times, window = (), owner.at_most.times if owner.at_most else None, None
        for position, (action, branch_conditions) in enumerate(walk(owner.body, ())):
            planned.append(
                PlannedAction(
                    action=action,
                    channel=channel_of(action),
                    owner=owner,
                    path_condition=(*guard, *branch_conditions),
                    offsets=offsets,
                    max_times=max_times,
                    window=window,
                    position=position,
                )
            )
    return planned


def paths(owner: Owner) -> list[Path]:
    """Every way through an owner's branches; the paths of one `when … otherwise` are exclusive.

    Beyond `MAX_PATHS` combinations the owner is treated as one path that takes every action
    under its guard alone: an over-count, so the checks stay sound.
    """
    guard = guard_conditions(owner)
    found: list[Path] = []
    for conditions, actions in body_paths(owner.body):
        found.append(Path((*guard, *conditions), actions))
        if len(found) > MAX_PATHS:
            everything = tuple(action for action, _ in walk(owner.body, ()))
            return [Path(guard, everything)]
    return found


def body_paths(body: Sequence[ast.Stmt]) -> Iterator[tuple[tuple[ast.Expr, ...], tuple[ast.Action, ...]]]:
    """The (conditions, actions) of every combination of branch choices in a body, lazily."""
    if not body:
        yield (), ()
        return
    head, rest = body[0], body[1:]
    if isinstance(head, ast.Branch):
        negated = ast.Not(head.condition, span=head.condition.span)
        choices = [((head.condition,), head.then), ((negated,), head.otherwise)]
        for chosen, branch_body in choices:
            for inner_conditions, inner_actions in body_paths(branch_body):
                for rest_conditions, rest_actions in body_paths(rest):
                    yield (*chosen, *inner_conditions, *rest_conditions), (*inner_actions, *rest_actions)
    else:
        for rest_conditions, rest_actions in body_paths(rest):
            yield rest_conditions, (head, *rest_actions)
