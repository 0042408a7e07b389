"""The trace of a decision: every step, the conditions it read with their values, and why not."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dsl import ast


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


@dataclass
class Trace:
    """A decision's explanation."""

    scores: list[dict[str, object]] = field(default_factory=list)
    steps: list[StepTrace] = field(default_factory=list)
    outcome: str = ""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready fields."""
        return {
            "outcome": self.outcome,
            "scores": [{k: jsonable(v) for k, v in s.items()} for s in self.scores],
            "steps": [s.to_dict() for s in self.steps],
        }


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
