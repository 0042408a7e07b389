"""The Parley syntax tree: one frozen dataclass per node kind.

Every node carries a `span` that takes no part in equality, so two trees built from
different files compare equal when they mean the same thing.

Terms (values, conditions, identifiers) live in `dsl.ast_terms`, policy nodes in `dsl.ast_policy`;
this module holds actions and strategies and re-exports the rest, so `from dsl import ast` reads
the whole tree.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsl.ast_policy import (
    Applies,
    Constraint,
    CoolDown,
    ForbidAction,
    ForbidContent,
    FrequencyCap,
    Hold,
    Obligation,
    Policy,
    PriorNotice,
    RequireConsent,
    RequireContent,
    Rule,
    TimeWindowRule,
    WaitingPeriod,
)
from dsl.ast_terms import (
    And,
    Between,
    BoolLit,
    Clock,
    Compare,
    DateLit,
    Duration,
    Expr,
    Ident,
    InList,
    MoneyLit,
    Name,
    Node,
    Not,
    NumberLit,
    Or,
    PercentLit,
    StringLit,
    Value,
    Window,
)

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
    """`screen financial_assistance`: hand the patient to a financial counselor for FAP screening."""

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


Program = Strategy | Policy

__all__ = [
    "Action",
    "And",
    "Applies",
    "AtMost",
    "Between",
    "BoolLit",
    "Branch",
    "Call",
    "Clock",
    "Compare",
    "Constraint",
    "CoolDown",
    "DateLit",
    "Duration",
    "Escalate",
    "Every",
    "Expr",
    "ForbidAction",
    "ForbidContent",
    "FrequencyCap",
    "Guard",
    "Handler",
    "Handoff",
    "Hold",
    "Ident",
    "InList",
    "MoneyLit",
    "Name",
    "Node",
    "Not",
    "NumberLit",
    "Obligation",
    "OfferPlan",
    "OnDay",
    "Or",
    "Pause",
    "PercentLit",
    "PlanParam",
    "Policy",
    "PriorNotice",
    "Program",
    "RequireConsent",
    "RequireContent",
    "Rule",
    "Schedule",
    "Screen",
    "Segment",
    "Send",
    "Step",
    "Stmt",
    "StopAction",
    "StopWhen",
    "Strategy",
    "StringLit",
    "TimeWindow",
    "TimeWindowRule",
    "Value",
    "WaitingPeriod",
    "Window",
]
