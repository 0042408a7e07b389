"""The Parley syntax tree for policy packs: constraints, rules and packs.

Import the tree through `dsl.ast`, which re-exports every node.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from dsl.ast_terms import Clock, Duration, Expr, Ident, Node


@dataclass(frozen=True)
class FrequencyCap(Node):
    """`limit CHANNELS to N per UNIT per DURATION [at PLACE]`."""

    channels: tuple[Ident, ...]
    limit: int
    per: Ident
    window: Duration
    place: Ident | None = None


@dataclass(frozen=True)
class CoolDown(Node):
    """`after EVENT no CHANNELS per UNIT for DURATION`."""

    event: Ident
    channels: tuple[Ident, ...]
    per: Ident
    duration: Duration


@dataclass(frozen=True)
class TimeWindowRule(Node):
    """`contact only between T1 and T2 local [in CHANNELS]`."""

    start: Clock
    end: Clock
    channels: tuple[Ident, ...] = ()


@dataclass(frozen=True)
class RequireContent(Node):
    """`require content KEY in CHANNELS [on first|later communication(s)]`."""

    key: Ident
    channels: tuple[Ident, ...]
    position: Ident | None = None


@dataclass(frozen=True)
class ForbidContent(Node):
    """`forbid content CLASS in CHANNELS`."""

    content_class: Ident
    channels: tuple[Ident, ...]


@dataclass(frozen=True)
class Hold(Node):
    """`hold ACTIONS when COND [until STATE]`."""

    actions: tuple[Ident, ...]
    condition: Expr
    until: Ident | None = None


@dataclass(frozen=True)
class RequireConsent(Node):
    """`require consent KIND for CHANNELS`."""

    kind: Ident
    channels: tuple[Ident, ...]


@dataclass(frozen=True)
class WaitingPeriod(Node):
    """`wait DURATION after EVENT before ACTION`."""

    duration: Duration
    event: Ident
    action: Ident


@dataclass(frozen=True)
class ForbidAction(Node):
    """`forbid ACTION when COND`."""

    action: Ident
    condition: Expr


@dataclass(frozen=True)
class Obligation(Node):
    """`require ACTION within DURATION after EVENT`."""

    action: Ident
    duration: Duration
    event: Ident


@dataclass(frozen=True)
class PriorNotice(Node):
    """`require notice "TEMPLATE" DURATION before ACTION`."""

    template: str
    duration: Duration
    action: Ident


Constraint = (
    FrequencyCap
    | CoolDown
    | TimeWindowRule
    | RequireContent
    | ForbidContent
    | Hold
    | RequireConsent
    | WaitingPeriod
    | ForbidAction
    | Obligation
    | PriorNotice
)


@dataclass(frozen=True)
class Applies(Node):
    """`applies to ORGANIZATIONS [in JURISDICTIONS]`."""

    organizations: tuple[Ident, ...]
    jurisdictions: tuple[Ident, ...] = ()


@dataclass(frozen=True)
class Rule(Node):
    """One legal rule in a policy pack: an id, a citation and its constraints (usually one)."""

    rule_id: str
    citation: str
    constraints: tuple[Constraint, ...]
    description: str | None = None
    severity: Ident | None = None
    applies: Applies | None = None
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None
    status: Ident | None = None

    @property
    def constraint(self) -> Constraint | None:
        """The first constraint: a rule seen through `one_per_constraint` has exactly one."""
        return self.constraints[0] if self.constraints else None

    def one_per_constraint(self) -> tuple[Rule, ...]:
        """The rule once for each of its constraints, all under its id, citation and scope.

        Massachusetts caps calls at 2 per 7 days to personal numbers *and* 2 per 30 days
        elsewhere: one rule, two constraints. Checks and the guard judge each constraint on its
        own, and a finding still names the one rule id.
        """
        if len(self.constraints) <= 1:
            return (self,)
        return tuple(replace(self, constraints=(c,)) for c in self.constraints)


@dataclass(frozen=True)
class Policy(Node):
    """A policy pack: the rules of one body of law."""

    name: str
    title: str
    rules: tuple[Rule, ...] = ()
    applies: Applies | None = None
