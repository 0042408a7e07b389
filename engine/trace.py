"""The trace of a decision: every step, the conditions it read with their values, and why not."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dsl import ast
from engine.account import Account


@dataclass(frozen=True)
class ConditionSeen:
    """A condition as written, whether it held, and the facts it read."""

    text: str
    value: bool
    facts: Mapping[str, object]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready fields."""
        return {"condition": self.text, "value": self.value, "facts": {k: jsonable(v) for k, v in self.facts.items()}}


@dataclass
class StepTrace:
    """What one step or handler did, or why it did not act."""

    name: str
    event: str | None = None
    acted: bool = False
    reason: str = ""
    conditions: list[ConditionSeen] = field(default_factory=list)
    verdicts: list[dict[str, object]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready fields."""
        return {
            "name": self.name,
            "event": self.event,
            "acted": self.acted,
            "reason": self.reason or None,
            "conditions": [c.to_dict() for c in self.conditions],
            "guard": self.verdicts,
        }


class Trace:
    """A decision's explanation: the scores consulted, every step and handler, and the outcome.

    Most steps on most days are simply not scheduled; decide notes those as (name, reason) pairs
    and the `StepTrace` records are made only when someone reads `steps`, in plan order. The
    scores are listed from the account only when read, too. A batch that writes every trace pays
    the same; one that keeps only the proposals pays for neither.
    """

    def __init__(
        self,
        scores: list[dict[str, object]] | None = None,
        steps: list[StepTrace] | None = None,
        outcome: str = "",
        account: Account | None = None,
    ) -> None:
        self._scores = scores
        self._account = account  # scores are listed from it when first read
        self._steps: list[StepTrace | tuple[tuple[str, ...], str]] = list(steps or ())
        self.outcome = outcome

    @property
    def scores(self) -> list[dict[str, object]]:
        """Every score the account and its events carry, with the model that gave it."""
        if self._scores is None:
            self._scores = scores_consulted(self._account) if self._account is not None else []
        return self._scores

    @scores.setter
    def scores(self, value: list[dict[str, object]]) -> None:
        self._scores = value

    @property
    def steps(self) -> list[StepTrace]:
        """Every step and handler in the order decide met them."""
        if any(isinstance(item, tuple) for item in self._steps):
            made: list[StepTrace | tuple[tuple[str, ...], str]] = []
            for item in self._steps:
                if isinstance(item, tuple):
                    names, reason = item
                    made.extend(StepTrace(name, reason=reason) for name in names)
                else:
                    made.append(item)
            self._steps = made
        return self._steps  # type: ignore[return-value]

    def add(self, record: StepTrace) -> None:
        """A step or handler that was looked at."""
        self._steps.append(record)

    def idle(self, names: tuple[str, ...], reason: str) -> None:
        """Steps that did nothing for one reason (`not scheduled on day 4`), recorded cheaply."""
        if names:
            self._steps.append((names, reason))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready fields."""
        return {
            "outcome": self.outcome,
            "scores": [{k: jsonable(v) for k, v in s.items()} for s in self.scores],
            "steps": [s.to_dict() for s in self.steps],
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Trace):
            return NotImplemented
        return (self.scores, self.steps, self.outcome) == (other.scores, other.steps, other.outcome)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Trace(outcome={self.outcome!r}, steps={len(self.steps)})"


def scores_consulted(account: Account) -> list[dict[str, object]]:
    """Every score the account and its events carry, with the model that gave it."""
    consulted = [
        {"name": name, "model": source.model_id, "version": source.version, "value": account.facts.get(name)}
        for name, source in sorted(account.score_sources.items())
    ]
    for event in account.events:
        consulted.extend(
            {
                "name": name,
                "model": source.model_id,
                "version": source.version,
                "value": event.facts.get(name),
                "event": event.event_id,
            }
            for name, source in sorted(event.score_sources.items())
        )
    return consulted


def jsonable(value: object) -> object:
    """A fact value as JSON can carry it."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def names_in(expr: ast.Expr, segments: Mapping[str, ast.Expr], seen: frozenset[str] = frozenset()) -> set[str]:
    """The fact names a condition reads, looking through segments."""
    match expr:
        case ast.Name(path=path):
            if path in segments and path not in seen:
                return names_in(segments[path], segments, seen | {path})
            return {path}
        case ast.And(operands=operands) | ast.Or(operands=operands):
            return set().union(*(names_in(o, segments, seen) for o in operands))
        case ast.Not(operand=operand):
            return names_in(operand, segments, seen)
        case ast.Compare(left=left, right=right):
            return names_in(left, segments, seen) | names_in(right, segments, seen)
        case ast.Between(subject=subject, low=low, high=high):
            return names_in(subject, segments, seen) | names_in(low, segments, seen) | names_in(high, segments, seen)
        case ast.InList(subject=subject):
            return names_in(subject, segments, seen)
    return set()
