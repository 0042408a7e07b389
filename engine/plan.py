"""Compile a checked strategy into an executable plan: schedules as day sets, conditions as closures.

A plan is immutable and carries the content hash of the text it came from, so deploying a new
version is swapping one plan object for another — no restart, and every decision names the exact
strategy it ran.

Days count from the account's placement into the strategy, in the patient's local calendar.
A step acts only on its scheduled days: a day that passed without a decision is not made up
later, because the static checker's proofs (frequency caps, waiting periods) assume exact days.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

from dsl import ast
from engine.compiled import Predicate, compile_condition
from engine.trace import names_in

Facts = Mapping[str, object]


def always(facts: Facts) -> bool:
    """The condition of a step with no guard."""
    return True


@dataclass(frozen=True)
class CompiledBranch:
    """A `when … otherwise` inside a step, with its condition compiled."""

    node: ast.Branch
    condition: Predicate
    then: tuple[CompiledStmt, ...]
    otherwise: tuple[CompiledStmt, ...]


CompiledStmt = ast.Action | CompiledBranch


@dataclass(frozen=True)
class CompiledStep:
    """A step: the days it may act on, its guard, and its body."""

    node: ast.Step
    days: frozenset[int]
    max_times: int | None
    guard: Predicate
    body: tuple[CompiledStmt, ...]

    @property
    def name(self) -> str:
        """The step's name as written."""
        return self.node.name


@dataclass(frozen=True)
class CompiledHandler:
    """An event handler: its event, guard, delay in minutes and cap."""

    node: ast.Handler
    index: int
    event: str
    guard: Predicate
    delay_minutes: int
    max_times: int | None
    body: tuple[CompiledStmt, ...]

    @property
    def key(self) -> str:
        """A stable name for counting how often it fired: `on reply #1`."""
        return f"on {self.event} #{self.index + 1}"


@dataclass(frozen=True)
class Plan:
    """An executable strategy."""

    strategy: ast.Strategy
    content_hash: str
    audience: Predicate
    stop: Predicate
    steps: tuple[CompiledStep, ...]
    handlers: tuple[CompiledHandler, ...]
    segments: Mapping[str, ast.Expr]

    @property
    def version(self) -> int:
        """The strategy's declared version."""
        return self.strategy.version

    @cached_property
    def steps_by_day(self) -> Mapping[int, tuple[int, ...]]:
        """Day → positions of the steps scheduled on it: a day with nothing due costs one lookup."""
        index: dict[int, list[int]] = {}
        for position, step in enumerate(self.steps):
            for day in step.days:
                index.setdefault(day, []).append(position)
        return {day: tuple(positions) for day, positions in index.items()}

    @cached_property
    def guard_texts(self) -> dict[int, tuple[str, tuple[str, ...]]]:
        """Each step's and handler's guard condition (by node identity): its source text and the facts it reads.

        The trace shows both on every decision that evaluates the guard; they never change.
        """
        found: dict[int, tuple[str, tuple[str, ...]]] = {}
        for node in (*(s.node for s in self.steps), *(h.node for h in self.handlers)):
            if node.guard is not None:
                condition = node.guard.condition
                names = tuple(sorted(names_in(condition, self.segments)))
                found[id(condition)] = (describe(condition), names)
        return found

    @cached_property
    def step_names(self) -> tuple[str, ...]:
        """Every step's name, in order."""
        return tuple(step.name for step in self.steps)


def content_hash(text: str) -> str:
    """The SHA-256 of a strategy's text: the identity every decision records."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def schedule_days(schedule: ast.Schedule) -> frozenset[int]:
    """The days a schedule may act on."""
    if isinstance(schedule, ast.OnDay):
        return frozenset({schedule.day})
    step = max(1, round(schedule.interval.days)) if schedule.interval.minutes >= 1440 else 1
    return frozenset(range(schedule.start_day, schedule.end_day + 1, step))


def compile_plan(strategy: ast.Strategy, text: str, compile_expr: Callable[..., Predicate] = compile_condition) -> Plan:
    """A plan for a strategy that checked without errors (`compile_expr` picks the evaluator)."""
    segments = {segment.name: segment.condition for segment in strategy.segments}

    def guard_of(guard: ast.Guard | None) -> Predicate:
        if guard is None:
            return always
        inner = compile_expr(guard.condition, segments)
        return (lambda facts: not inner(facts)) if guard.negated else inner

    def body_of(body: tuple[ast.Stmt, ...]) -> tuple[CompiledStmt, ...]:
        compiled: list[CompiledStmt] = []
        for stmt in body:
            if isinstance(stmt, ast.Branch):
                condition = compile_expr(stmt.condition, segments)
                compiled.append(CompiledBranch(stmt, condition, body_of(stmt.then), body_of(stmt.otherwise)))
            else:
                compiled.append(stmt)
        return tuple(compiled)

    stops = [compile_expr(stop.condition, segments) for stop in strategy.stops]
    return Plan(
        strategy=strategy,
        content_hash=content_hash(text),
        audience=compile_expr(strategy.audience, segments) if strategy.audience else always,
        stop=any_of(stops),
        steps=tuple(
            CompiledStep(
                step,
                schedule_days(step.schedule),
                step.at_most.times if step.at_most else None,
                guard_of(step.guard),
                body_of(step.body),
            )
            for step in strategy.steps
        ),
        handlers=tuple(
            CompiledHandler(
                handler,
                index,
                handler.event.name,
                guard_of(handler.guard),
                handler.delay.minutes if handler.delay else 0,
                handler.at_most.times if handler.at_most else None,
                body_of(handler.body),
            )
            for index, handler in enumerate(strategy.handlers)
        ),
        segments=segments,
    )


def any_of(conditions: list[Predicate]) -> Predicate:
    """Whether any of the conditions holds (a strategy usually has one `stop when`)."""
    if not conditions:
        return lambda facts: False
    if len(conditions) == 1:
        return conditions[0]
    return lambda facts: any(condition(facts) for condition in conditions)


def chosen_actions(body: tuple[CompiledStmt, ...], facts: Facts, seen: list[tuple[str, bool]]) -> list[ast.Action]:
    """The actions a body takes for these facts, recording each branch condition and its value."""
    actions: list[ast.Action] = []
    for stmt in body:
        if isinstance(stmt, CompiledBranch):
            taken = stmt.condition(facts)
            seen.append((describe(stmt.node.condition), taken))
            actions.extend(chosen_actions(stmt.then if taken else stmt.otherwise, facts, seen))
        else:
            actions.append(stmt)
    return actions


def describe(expr: ast.Expr) -> str:
    """A condition as its source text, for traces."""
    span = expr.span
    if span.known and span.line == span.end_line:
        return span.source.line(span.line)[span.column - 1 : span.end_column - 1]
    return type(expr).__name__


def strategy_organization(plan: Plan) -> str:
    """Who collects under a strategy; one that does not say is read as an agency's, the strictest."""
    organization = plan.strategy.organization
    return organization.name if organization is not None else "agency"
