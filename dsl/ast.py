"""The Parley syntax tree: one frozen dataclass per node kind.

Every node carries a `span` that takes no part in equality, so two trees built from
different files compare equal when they mean the same thing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal

from dsl.source import NO_SPAN, Span


@dataclass(frozen=True)
class Node:
    """Base of every syntax node."""

    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class Name(Node):
    """A bare or dotted name such as `paid` or `score.distress`."""

    path: str


@dataclass(frozen=True)
class StringLit(Node):
    """A quoted string."""

    value: str


@dataclass(frozen=True)
class NumberLit(Node):
    """An integer or decimal number."""

    value: Decimal


@dataclass(frozen=True)
class MoneyLit(Node):
    """An amount of money in dollars, such as `$1,250.50`."""

    amount: Decimal


@dataclass(frozen=True)
class PercentLit(Node):
    """A percentage such as `5%`."""

    value: Decimal


@dataclass(frozen=True)
class Duration(Node):
    """A length of time such as `7 days` or `24 hours`."""

    amount: int
    unit: str  # singular: minute, hour, day, week

    @property
    def minutes(self) -> int:
        """The duration in minutes."""
        return self.amount * {"minute": 1, "hour": 60, "day": 1440, "week": 10080}[self.unit]

    @property
    def days(self) -> float:
        """The duration in days (fractional for hours and minutes)."""
        return self.minutes / 1440


@dataclass(frozen=True)
class Clock(Node):
    """A time of day such as `09:00`."""

    hour: int
    minute: int

    @property
    def minutes(self) -> int:
        """Minutes since midnight."""
        return self.hour * 60 + self.minute


@dataclass(frozen=True)
class Window(Node):
    """A time-of-day window such as `09:00-19:00`."""

    start: Clock
    end: Clock


@dataclass(frozen=True)
class DateLit(Node):
    """A calendar date such as `2027-01-31`."""

    value: dt.date


@dataclass(frozen=True)
class BoolLit(Node):
    """`true` or `false`."""

    value: bool


Value = StringLit | NumberLit | MoneyLit | PercentLit | Duration | Clock | Window | DateLit | BoolLit


# ---------------------------------------------------------------- conditions


@dataclass(frozen=True)
class And(Node):
    """All of the operands hold."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Or(Node):
    """At least one operand holds."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Not(Node):
    """The operand does not hold."""

    operand: Expr


@dataclass(frozen=True)
class Compare(Node):
    """`left OP right` with OP one of `< <= > >= == !=`."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Between(Node):
    """`subject between low and high`, both ends included."""

    subject: Expr
    low: Expr
    high: Expr


@dataclass(frozen=True)
class InList(Node):
    """`subject in [a, b, …]`."""

    subject: Expr
    options: tuple[Value, ...]


Expr = Name | Value | And | Or | Not | Compare | Between | InList


# ---------------------------------------------------------------- actions


@dataclass(frozen=True)
class Send(Node):
    """`send CHANNEL "template" [tone T]`."""

    channel: str
    template: str
    tone: str | None = None


@dataclass(frozen=True)
class Call(Node):
    """`call "script" [tone T]`."""

    script: str
    tone: str | None = None


@dataclass(frozen=True)
class PlanParam(Node):
    """One `name value` parameter of a plan offer."""

    name: str
    value: Value


@dataclass(frozen=True)
class OfferPlan(Node):
    """`offer plan KIND params…`."""

    kind: str
    params: tuple[PlanParam, ...] = ()


@dataclass(frozen=True)
class Handoff(Node):
    """`handoff "queue" [priority P]`: give the account to a person."""

    queue: str
    priority: str | None = None


@dataclass(frozen=True)
class Screen(Node):
    """`screen financial_assistance`: check eligibility before collecting."""

    program: str


@dataclass(frozen=True)
class Pause(Node):
    """`pause for DURATION`: no outreach for a while."""

    duration: Duration


@dataclass(frozen=True)
class Escalate(Node):
    """`escalate eca|credit_report|agency`."""

    target: str


@dataclass(frozen=True)
class StopAction(Node):
    """`stop [CHANNEL]`: end the strategy, or one channel of it, for the account."""

    channel: str | None = None


Action = Send | Call | OfferPlan | Handoff | Screen | Pause | Escalate | StopAction


@dataclass(frozen=True)
class Branch(Node):
    """`when COND … otherwise … end` inside a step or handler."""

    condition: Expr
    then: tuple[Stmt, ...]
    otherwise: tuple[Stmt, ...] = ()


Stmt = Action | Branch


# ---------------------------------------------------------------- strategy


@dataclass(frozen=True)
class Ident(Node):
    """A word chosen from a closed set, such as `provider` or `US-CA`, with its place."""

    name: str


@dataclass(frozen=True)
class OnDay(Node):
    """`on day N`: once, N days after placement."""

    day: int


@dataclass(frozen=True)
class Every(Node):
    """`every DURATION from day A to day B`."""

    interval: Duration
    start_day: int
    end_day: int


Schedule = OnDay | Every


@dataclass(frozen=True)
class TimeWindow(Node):
    """`at 10:00-19:00` or `at best_time within 09:00-19:00`, in the patient's local time."""

    window: Window
    best_time: bool = False


@dataclass(frozen=True)
class Guard(Node):
    """`when COND` or `unless COND` on a step or handler."""

    condition: Expr
    negated: bool = False


@dataclass(frozen=True)
class AtMost(Node):
    """`at most N times`."""

    times: int


@dataclass(frozen=True)
class Segment(Node):
    """`segment NAME when COND`: a named condition."""

    name: str
    condition: Expr


@dataclass(frozen=True)
class Step(Node):
    """A scheduled step of a strategy."""

    name: str
    schedule: Schedule
    body: tuple[Stmt, ...]
    window: TimeWindow | None = None
    guard: Guard | None = None
    at_most: AtMost | None = None


@dataclass(frozen=True)
class Handler(Node):
    """`on EVENT [when COND] [after DURATION] [at most N times] … end`."""

    event: Ident
    body: tuple[Stmt, ...]
    guard: Guard | None = None
    delay: Duration | None = None
    at_most: AtMost | None = None


@dataclass(frozen=True)
class StopWhen(Node):
    """`stop when COND`: the strategy ends for the account."""

    condition: Expr


@dataclass(frozen=True)
class Strategy(Node):
    """A patient outreach strategy."""

    name: str
    version: int
    description: StringLit | None = None
    organization: Ident | None = None
    jurisdictions: tuple[Ident, ...] = ()
    audience: Expr | None = None
    languages: tuple[Ident, ...] = ()
    tone: Ident | None = None
    segments: tuple[Segment, ...] = ()
    steps: tuple[Step, ...] = ()
    handlers: tuple[Handler, ...] = ()
    stops: tuple[StopWhen, ...] = ()


# ---------------------------------------------------------------- policy


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


Program = Strategy | Policy
