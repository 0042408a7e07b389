"""What the strategy checks share: every action a strategy may take on its days, and the words for them.

`acts(strategy)` walks a strategy once and lists every action with its owner, the path of
conditions that leads to it and the days it can happen on; the waiting, obligation, notice,
forbidden-action and hold checks read that list. Here too are the words packs use for actions
and events (`validation_notice_sent`, `letter`, `eca`…), the audience bounds that place events
the strategy does not cause (the first statement, delinquency) in time, and the dated traces
findings show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace

from dsl import ast
from dsl.checks import solver
from dsl.checks.context import ApplicableRule, CheckContext
from dsl.checks.encoding import AT_LEAST
from dsl.diagnostics import Diagnostic, Severity, TraceEvent
from dsl.source import Span

# An illustrative placement date for traces: findings show a dated timeline a person can follow.
DAY_ZERO = dt.date(2026, 3, 2)

# Facts that grow by one each day; audience bounds hold at placement (day 0).
CLOCK_FACTS = {"first_statement": "days_since_first_statement", "delinquency": "days_past_due"}
EVENT_ALIASES = {
    "statement": "first_statement",
    "first_post_discharge_statement": "first_statement",
    "billing_statement": "first_statement",
    "default": "delinquency",
    "due_date": "delinquency",
    "past_due": "delinquency",
}
ECA_TARGETS = frozenset({"eca", "credit_report"})
ELECTRONIC = frozenset({"email", "sms", "chat"})
WRITTEN = ELECTRONIC | {"letter"}
# Events met by a message on one of these channels (`wait 14 days after letter_sent before credit_report`).
# Reg F 1006.30(a)(1)(ii) accepts "mailing a letter or sending an electronic message", so either
# word is met by either kind of message.
MESSAGE_EVENTS: dict[str, frozenset[str]] = {
    "letter": WRITTEN,
    "letter_sent": WRITTEN,
    "electronic_message": WRITTEN,
    "electronic_message_sent": WRITTEN,
    "written_communication": WRITTEN,
    "message": WRITTEN,
}
# Events met by sending a particular template, and the action words that name those templates.
TEMPLATE_WORDS: dict[str, str] = {
    "validation_notice": "validation",
    "validation_notice_sent": "validation",
    "eca_notice": "eca_notice",
    "eca_notice_sent": "eca_notice",
    "fap_summary": "fap",
}
CONTACT_WORDS = frozenset({"contact", "outreach", "communication", "communications"})
COLLECTION_WORDS = frozenset({"collection", "all"})
# An ECA may be a lawsuit or a debt sale; the strategy only says `escalate eca`, so both words match it.
ECA_KINDS = frozenset({"lawsuit", "debt_sale", "civil_action", "lien", "garnishment"})
SCREEN_WORDS = frozenset({"screening", "screen", "fa_screening", "financial_assistance_screening"})


# Boundaries the catalog leaves open: the conservative reading is "strictly after" (catalog §6:
# "earliest ECA date = statement date + 121 days").
STRICT_BOUNDARY = frozenset({"IRS501R-ECA-120"})


@dataclass(frozen=True)
class Act:
    """One action a strategy may take: where it is, on which path, and on which days."""

    action: ast.Action
    owner: ast.Step | ast.Handler
    conditions: tuple[ast.Expr, ...]
    first_day: int
    last_day: int | None  # None: a handler, which can fire on any later day
    certain: bool  # happens whenever its step runs: no guard and no branch on the way
    tone: str | None = None  # the message's tone, or the strategy's

    @property
    def owner_label(self) -> str:
        """`step "Report"` or `the \\`on reply\\` handler`, for messages."""
        if isinstance(self.owner, ast.Step):
            return f"step `{self.owner.name}`"
        return f"the `on {self.owner.event.name}` handler"

    @property
    def text(self) -> str:
        """The action as the strategy writes it, such as `escalate credit_report`."""
        return action_text(self.action)

    @property
    def window_start(self) -> str:
        """The time of day the action may first go out, in the patient's local time."""
        window = self.owner.window if isinstance(self.owner, ast.Step) else None
        if window is None:
            return ""
        start = window.window.start
        return f" {start.hour:02d}:{start.minute:02d}"

    @property
    def handler_event(self) -> str | None:
        """The event a handler reacts to, or None for a step."""
        return self.owner.event.name if isinstance(self.owner, ast.Handler) else None


def action_text(action: ast.Action) -> str:
    """An action in the strategy's own words."""
    if isinstance(action, ast.Send):
        return f'send {action.channel} "{action.template}"'
    if isinstance(action, ast.Call):
        return f'call "{action.script}"'
    if isinstance(action, ast.Escalate):
        return f"escalate {action.target}"
    if isinstance(action, ast.OfferPlan):
        return f"offer plan {action.kind}"
    if isinstance(action, ast.Screen):
        return f"screen {action.program}"
    if isinstance(action, ast.Handoff):
        return f'handoff "{action.queue}"'
    if isinstance(action, ast.Pause):
        return "pause"
    return f"stop {action.channel}" if action.channel else "stop"


def acts(strategy: ast.Strategy) -> list[Act]:
    """Every action in every step and handler, with its path condition and possible days."""
    found: list[Act] = []
    for step in strategy.steps:
        first, last = schedule_days(step.schedule)
        guard = guard_conditions(step.guard)
        found.extend(walk(step.body, step, guard, first, last, not guard))
    for handler in strategy.handlers:
        delay = int(handler.delay.days + 0.999) if handler.delay else 0
        found.extend(walk(handler.body, handler, guard_conditions(handler.guard), delay, None, False))
    default_tone = strategy.tone.name if strategy.tone else None
    return [with_tone(act, default_tone) for act in found]


def with_tone(act: Act, default: str | None) -> Act:
    """The action with the tone it speaks in: its own, or the strategy's."""
    own = act.action.tone if isinstance(act.action, (ast.Send, ast.Call)) else None
    return replace(act, tone=own or default) if isinstance(act.action, (ast.Send, ast.Call)) else act


def schedule_days(schedule: ast.Schedule) -> tuple[int, int]:
    """The first and last day a schedule can fire."""
    if isinstance(schedule, ast.OnDay):
        return schedule.day, schedule.day
    return schedule.start_day, schedule.end_day


def guard_conditions(guard: ast.Guard | None) -> tuple[ast.Expr, ...]:
    """A guard as a condition that holds whenever the guarded body runs."""
    if guard is None:
        return ()
    return (ast.Not(guard.condition, span=guard.span),) if guard.negated else (guard.condition,)


def walk(
    body: tuple[ast.Stmt, ...],
    owner: ast.Step | ast.Handler,
    conditions: tuple[ast.Expr, ...],
    first: int,
    last: int | None,
    certain: bool,
) -> Iterator[Act]:
    """The actions of a body; both arms of a branch, each with its own condition."""
    for stmt in body:
        if isinstance(stmt, ast.Branch):
            yield from walk(stmt.then, owner, (*conditions, stmt.condition), first, last, False)
            negated = ast.Not(stmt.condition, span=stmt.condition.span)
            yield from walk(stmt.otherwise, owner, (*conditions, negated), first, last, False)
        else:
            yield Act(stmt, owner, conditions, first, last, certain)


# ---------------------------------------------------------------- vocabulary


def does(act: Act, word: str) -> bool:
    """Whether an action is what a pack's action word names (`eca`, `credit_report`, `sms`, …)."""
    action = act.action
    if isinstance(action, ast.Escalate):
        target = action.target
        eca_word = (word == "eca" and target in ECA_TARGETS) or (word in ECA_KINDS and target == "eca")
        return word == target or eca_word or word in COLLECTION_WORDS
    if isinstance(action, (ast.Send, ast.Call)):
        if word.endswith("_tone"):
            return act.tone == word.removesuffix("_tone")
        return word in CONTACT_WORDS or word in COLLECTION_WORDS or sends(action, word)
    if isinstance(action, ast.OfferPlan):
        return word in ("offer", "plan_offer") or word in COLLECTION_WORDS
    if isinstance(action, ast.Screen):
        return word in SCREEN_WORDS or word == action.program
    if isinstance(action, ast.Handoff):
        return word == "handoff"
    return False


def sends(action: ast.Send | ast.Call, word: str) -> bool:
    """Whether a message or call is what a channel, template or template word names."""
    if isinstance(action, ast.Call):
        return word in ("call", action.script)
    if word in (action.channel, action.template):
        return True
    if word == "electronic_validation_notice":
        return action.channel in ELECTRONIC and "validation" in action.template
    part = TEMPLATE_WORDS.get(word)
    return part is not None and part in action.template


def is_contact(act: Act) -> bool:
    """Whether an action reaches the patient (a message or a call)."""
    return isinstance(act.action, (ast.Send, ast.Call))


def canonical_event(word: str) -> str:
    """The event a pack names, under its canonical word."""
    return EVENT_ALIASES.get(word, word)


# ---------------------------------------------------------------- bounds


def lower_bound(conditions: tuple[ast.Expr, ...], fact: str) -> float | None:
    """The largest `fact >= X` that every one of the conditions' conjunctions forces, if any."""
    best: float | None = None
    for condition in conditions:
        for bound in conjunct_bounds(condition, fact):
            best = bound if best is None else max(best, bound)
    return best


def conjunct_bounds(expr: ast.Expr, fact: str) -> Iterator[float]:
    """Lower bounds on `fact` in the top-level conjunction of `expr` (or/not are skipped: sound)."""
    if isinstance(expr, ast.And):
        for operand in expr.operands:
            yield from conjunct_bounds(operand, fact)
    elif isinstance(expr, ast.Between) and is_name(expr.subject, fact) and number(expr.low) is not None:
        yield number(expr.low)  # type: ignore[misc]
    elif isinstance(expr, ast.Compare):
        if is_name(expr.left, fact) and number(expr.right) is not None and expr.op in (">=", ">", "=="):
            yield number(expr.right) + (1 if expr.op == ">" else 0)  # type: ignore[operator]
        elif is_name(expr.right, fact) and number(expr.left) is not None and expr.op in ("<=", "<", "=="):
            yield number(expr.left) + (1 if expr.op == "<" else 0)  # type: ignore[operator]


def is_name(expr: ast.Expr, fact: str) -> bool:
    """Whether an expression is the bare fact name."""
    return isinstance(expr, ast.Name) and expr.path == fact


def number(expr: ast.Expr) -> float | None:
    """A literal's numeric value (days, dollars), or None."""
    if isinstance(expr, ast.NumberLit):
        return float(expr.value)
    if isinstance(expr, ast.MoneyLit):
        return float(expr.amount)
    if isinstance(expr, ast.Duration):
        return expr.days
    return None


def floors(fact: str) -> tuple[str, ...]:
    """The fact and those it is never below: a bill is past due only after its first statement."""
    return (fact, *(small for big, small in AT_LEAST.items() if big == fact))


def days_since(strategy: ast.Strategy, act: Act, fact: str) -> int:
    """The fewest days between a clock event (statement, delinquency) and this action's earliest day."""
    audience = (strategy.audience,) if strategy.audience else ()
    at_placement = max(lower_bound(audience, f) or 0 for f in floors(fact))
    at_action = max((b for f in floors(fact) if (b := lower_bound(act.conditions, f)) is not None), default=None)
    gap = act.first_day + max(0, at_placement)
    if at_action is not None:
        gap = max(gap, int(at_action))
    return int(gap)


# ---------------------------------------------------------------- traces


def date_of(day: int) -> str:
    """The illustrative date of a strategy day (day 0 is 2026-03-02); a day past the calendar has none.

    The language refuses days past ten years, so only a program built around it gets `day N`.
    """
    try:
        return (DAY_ZERO + dt.timedelta(days=day)).isoformat()
    except (OverflowError, ValueError):
        return f"day {day}"


def event(day: int, what: str, clock: str = "") -> TraceEvent:
    """One dated line of a trace."""
    return TraceEvent(f"{date_of(day)}{clock} (day {day})", what)


def finding(
    rule: ApplicableRule, span: Span, message: str, hint: str, trace: list[TraceEvent], facts: list[tuple[str, str]]
) -> Diagnostic:
    """A finding of a rule with the rule's own severity, citation, trace and facts."""
    return Diagnostic(
        rule.rule_id,
        Severity(rule.severity) if rule.severity in ("error", "warning", "info") else Severity.ERROR,
        span,
        message,
        hint,
        rule.citation,
        tuple(sorted(trace, key=lambda e: e.when)),
        tuple(facts),
    )


def in_reach(ctx: CheckContext, rule: ApplicableRule, act: Act) -> bool:
    """Whether a state rule's state holds an account this action can act on (federal rules: always).

    A step guarded `unless jurisdiction == "US-CA"` never acts in California, so California's
    waiting period does not bind it.
    """
    if solver.reached_by(rule) is None:
        return True
    return solver.scenario_of(ctx, rule).satisfiable(act.conditions) is not None


def needed_gap(rule: ApplicableRule, period: ast.Duration) -> int:
    """The fewest whole days between event and action the rule accepts."""
    days = int(period.days + 0.999)
    return days + 1 if rule.rule_id in STRICT_BOUNDARY else days
