"""Decide an account's next actions: which steps and handlers act now, when, and why not.

`decide(plan, account, now, guard)` is pure: time comes in as `now`, the runtime guard comes in
as a function, and the result says everything it saw. The same function serves the API, the
batch run and the simulator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from dsl import ast
from engine.account import Account, AccountEvent
from engine.holds import ENDED, held_after, paused_reason, stopped_reason
from engine.plan import CompiledHandler, CompiledStep, Plan, chosen_actions, describe
from engine.trace import ConditionSeen, StepTrace, Trace, names_in
from engine.trace import scores_consulted as trace_scores
from engine.values import literal_value
from engine.windows import closed_reason, pick_time, todays_hours

# How decide reads a plan, numbered so a stored decision says which reading made it (replay names a
# change). 1: steps, then handlers; `pause` and `stop` only proposed. 2: handlers first, their
# `pause` and `stop` kept in the account's progress; `escalate agency` asks the guard. 3: each
# contact's point is chosen before the guard is asked (`to` on the request, the proposal, the trace).
# 4: a step's window holds in every time zone the patient may be in (`engine.windows`).
SEMANTICS = 4

CONTACT_CHANNELS = frozenset({"sms", "email", "letter", "chat", "voicemail", "call"})
GUARDED_ESCALATIONS = frozenset({"credit_report", "eca", "agency"})  # the guard judges these too


# Whether a contact on a channel is automated in the TCPA's sense (an autodialed or artificial- or
# prerecorded-voice call, an automated text). `send sms` goes out through a gateway and `send
# voicemail` drops a recorded message: both are sent by a machine. A `call` is left unknown (None),
# which the guard treats as automated: a strategy cannot yet say whether a dialer or an AI voice
# places it, and the packs' compliance officers chose to treat every call as possibly one
# (TCPA-CONSENT-CELL, TCPA-AI-VOICE). Email, letters and chat are not calls at all.
AUTOMATED: dict[str, bool] = {"sms": True, "voicemail": True}


@dataclass(frozen=True)
class ContactRequest:
    """What decide asks the runtime guard: may this channel be used at this instant for these debts?

    `automated` says whether the contact is autodialed, prerecorded or an automated text (None:
    not known, which the guard treats as automated); `template` is the template or call script;
    `until`: decide can use a later instant only before this one (the end of the step's window
    today), so the guard need not search past it for `next_allowed_at` (None: search its horizon);
    `to`: the id of the patient's contact point the message will go to, chosen before the guard is
    asked so it judges that very point (None: the patient's only point of the kind, if any).
    """

    at: dt.datetime
    channel: str
    debts: tuple[str, ...]
    automated: bool | None = None
    template: str | None = None
    until: dt.datetime | None = None
    to: str | None = None


@dataclass(frozen=True)
class GuardAnswer:
    """The guard's verdict as decide needs it."""

    allowed: bool
    next_allowed_at: dt.datetime | None = None
    details: Mapping[str, object] = field(default_factory=dict)  # the verdict as JSON


Guard = Callable[[ContactRequest], GuardAnswer]
# The contact point a contact on a channel goes to (`engine.recipients.ledger_route`); None: none chosen.
Route = Callable[[str], str | None]


@dataclass(frozen=True)
class Routed:
    """The guard with the route that picks each contact's point, so the guard judges where it goes.

    45 CFR 164.522(b): a patient's alternative address is judged, and used, instead of being refused.
    """

    guard: Guard
    route: Route

    def __call__(self, request: ContactRequest) -> GuardAnswer:
        return self.guard(request)


def allow_all(request: ContactRequest) -> GuardAnswer:
    """A guard that allows everything: for simulations that study a strategy without the law."""
    return GuardAnswer(True)


@dataclass(frozen=True)
class Proposal:
    """One action decide proposes, with the send time it chose."""

    source: str  # step name or handler key
    action: str  # send, call, offer_plan, handoff, screen, pause, escalate, stop
    channel: str | None
    template: str | None
    at: dt.datetime
    details: Mapping[str, object] = field(default_factory=dict)
    to: str | None = None  # the contact point the guard judged and the message goes to


@dataclass(frozen=True)
class Decision:
    """What decide proposes for an account now, and the trace that explains it."""

    account_id: str
    now: dt.datetime
    day: int
    strategy_hash: str
    proposals: tuple[Proposal, ...]
    trace: Trace


def decide(
    plan: Plan, account: Account, now: dt.datetime, guard: Guard = allow_all, route: Route | None = None
) -> Decision:
    """The actions `plan` takes for `account` at `now`, each cleared by `guard` for the point `route` picks."""
    if route is not None:
        guard = Routed(guard, route)
    local_now = now.astimezone(ZoneInfo(account.timezone))
    day = (local_now.date() - account.placed_on).days
    facts = account.facts
    trace = Trace(account=account)
    if not plan.audience(facts):
        trace.outcome = "the account is outside the strategy's audience"
        return Decision(account.account_id, now, day, plan.content_hash, (), trace)
    if plan.stop(facts):
        trace.outcome = "a `stop when` condition holds: the strategy has ended for this account"
        return Decision(account.account_id, now, day, plan.content_hash, (), trace)
    if account.progress.ended:
        trace.outcome = ENDED
        return Decision(account.account_id, now, day, plan.content_hash, (), trace)
    # Handlers first: a `pause` or `stop` they act on holds today's steps back too. Their trace
    # records follow the steps', as the proposals do.
    heard: Trace | None = None
    reactions: list[Proposal] = []
    if account.events:
        heard = Trace()
        account, reactions = run_handlers(plan, account, local_now, guard, heard)
    proposals: list[Proposal] = []
    due = plan.steps_by_day.get(day)
    if account.progress.ended:
        trace.idle(plan.step_names, ENDED)
    elif due is None:  # most days: no step is scheduled, and the trace says so for each at once
        trace.idle(plan.step_names, f"not scheduled on day {day}")
    else:
        for position, step in enumerate(plan.steps):
            if position in due:
                proposals.extend(run_step(plan, step, account, day, local_now, guard, trace))
            else:
                trace.idle((step.name,), f"not scheduled on day {day}")
    if heard is not None:
        for record in heard.steps:
            trace.add(record)
        proposals.extend(reactions)
    trace.outcome = f"{len(proposals)} action(s) proposed"
    return Decision(account.account_id, now, day, plan.content_hash, tuple(proposals), trace)


def run_handlers(
    plan: Plan, account: Account, now: dt.datetime, guard: Guard, trace: Trace
) -> tuple[Account, list[Proposal]]:
    """Every handler's proposals for the account's events, and the account with their holds in force."""
    proposals: list[Proposal] = []
    for handler in plan.handlers:
        for event in account.events:
            if account.progress.ended:
                return account, proposals
            made = run_handler(plan, handler, event, account, now, guard, trace)
            if made:
                proposals.extend(made)
                held = held_after(account.progress, made, now)
                if held is not account.progress:
                    account = replace(account, progress=held)
    return account, proposals


def run_step(
    plan: Plan, step: CompiledStep, account: Account, day: int, now: dt.datetime, guard: Guard, trace: Trace
) -> list[Proposal]:
    """A step's proposals today, or the reason it does not act."""
    record = StepTrace(step.name)
    trace.add(record)
    acted = account.progress.steps_acted.get(step.name, 0)
    if day not in step.days:
        record.reason = f"not scheduled on day {day}"
        return []
    paused = paused_reason(account.progress, now)
    if paused is not None:
        record.reason = paused
        return []
    if account.progress.last_acted_day.get(step.name) == day:
        record.reason = "already acted today"
        return []
    if step.max_times is not None and acted >= step.max_times:
        record.reason = f"already acted {acted} time(s), its `at most {step.max_times} times`"
        return []
    return act(
        plan,
        step.node.guard,
        step.guard,
        step.body,
        step.name,
        step.node.window,
        account,
        account.facts,
        now,
        guard,
        record,
    )


def run_handler(
    plan: Plan,
    handler: CompiledHandler,
    event: AccountEvent,
    account: Account,
    now: dt.datetime,
    guard: Guard,
    trace: Trace,
) -> list[Proposal]:
    """A handler's proposals for one event, or nothing (with a reason) when it does not act."""
    if event.type != handler.event or f"{handler.key}|{event.event_id}" in account.progress.handled:
        return []
    record = StepTrace(handler.key, event=event.event_id)
    trace.add(record)
    due = event.at + dt.timedelta(minutes=handler.delay_minutes)
    if now < due:
        record.reason = f"waits until {due.astimezone(now.tzinfo).isoformat(timespec='minutes')} (`after`)"
        return []
    fired = account.progress.handler_counts.get(handler.key, 0)
    if handler.max_times is not None and fired >= handler.max_times:
        record.reason = f"already acted {fired} time(s), its `at most {handler.max_times} times`"
        return []
    facts = {**account.facts, **event.facts}
    return act(
        plan, handler.node.guard, handler.guard, handler.body, handler.key, None, account, facts, now, guard, record
    )


def act(
    plan: Plan,
    guard_node: ast.Guard | None,
    guard_holds: Callable[[Mapping[str, object]], bool],
    body: tuple,
    source: str,
    window: ast.TimeWindow | None,
    account: Account,
    facts: Mapping[str, object],
    now: dt.datetime,
    guard: Guard,
    record: StepTrace,
) -> list[Proposal]:
    """Evaluate a guard, choose the branch, time each action and ask the runtime guard."""
    if guard_node is not None:
        holds = guard_holds(facts)
        record.conditions.append(seen(plan, guard_node.condition, facts, holds, negated=guard_node.negated))
        if not holds:
            record.reason = "its `unless` condition holds" if guard_node.negated else "its `when` condition is false"
            return []
    branches: list[tuple[str, bool]] = []
    actions = chosen_actions(body, facts, branches)
    record.conditions.extend(ConditionSeen(text, value, {}) for text, value in branches)
    proposals = []
    for action in actions:
        proposal = propose(action, source, window, account, facts, now, guard, record)
        if proposal is not None:
            proposals.append(proposal)
    record.acted = bool(proposals)
    if not proposals and not record.reason:
        record.reason = "no action was allowed"
    return proposals


def seen(plan: Plan, condition: ast.Expr, facts: Mapping[str, object], value: bool, negated: bool) -> ConditionSeen:
    """A guard condition with the facts it read."""
    known = plan.guard_texts.get(id(condition))
    text, names = (
        known if known is not None else (describe(condition), tuple(sorted(names_in(condition, plan.segments))))
    )
    prefix = "unless " if negated else "when "
    return ConditionSeen(prefix + text, value, {name: facts.get(name) for name in names})


def propose(
    action: ast.Action,
    source: str,
    window: ast.TimeWindow | None,
    account: Account,
    facts: Mapping[str, object],
    now: dt.datetime,
    guard: Guard,
    record: StepTrace,
) -> Proposal | None:
    """A timed, guard-cleared proposal for one action, or None with the reason in the trace."""
    channel, template, details = describe_action(action)
    if channel not in CONTACT_CHANNELS and channel not in GUARDED_ESCALATIONS:
        return Proposal(source, kind_of(action), channel, template, now, details)
    stopped = stopped_reason(account.progress, channel)
    if stopped is not None:
        record.reason = stopped
        return None
    hours = todays_hours(window, now, account.extra_zones)
    at = pick_time(window, hours, facts, now, channel)
    if hours is None or at is None:
        record.reason = closed_reason(window, hours)
        return None
    # The point is chosen before the guard is asked, so the guard judges the one the message uses.
    to = guard.route(channel) if isinstance(guard, Routed) and channel in CONTACT_CHANNELS else None
    asked = {"channel": channel, "to": to} if to is not None else {"channel": channel}
    request = ContactRequest(at, channel, account.debts, AUTOMATED.get(channel), template, hours[1], to)
    answer = guard(request)
    record.verdicts.append({**asked, "at": at.isoformat(timespec="minutes"), **answer.details})
    if not answer.allowed and answer.next_allowed_at is not None:
        retry = answer.next_allowed_at.astimezone(now.tzinfo)
        if retry.date() == now.date() and hours[0] <= retry < hours[1]:
            at, answer = retry, guard(replace(request, at=retry))
            record.verdicts.append({**asked, "at": at.isoformat(timespec="minutes"), **answer.details})
    if not answer.allowed:
        record.reason = f"the runtime guard does not allow `{channel}` today"
        return None
    return Proposal(source, kind_of(action), channel, template, at, details, to)


def describe_action(action: ast.Action) -> tuple[str | None, str | None, dict[str, object]]:
    """The channel, template and details of an action."""
    match action:
        case ast.Send(channel=channel, template=template, tone=tone):
            return channel, template, {"tone": tone} if tone else {}
        case ast.Call(script=script, tone=tone):
            return "call", script, {"tone": tone} if tone else {}
        case ast.OfferPlan(kind=kind, params=params):
            return None, None, {"plan": kind, **{p.name: str(literal_text(p.value)) for p in params}}
        case ast.Handoff(queue=queue, priority=priority):
            return None, None, {"queue": queue, "priority": priority or "normal"}
        case ast.Screen(program=program):
            return None, None, {"program": program}
        case ast.Pause(duration=duration):
            return None, None, {"minutes": duration.minutes}
        case ast.Escalate(target=target):
            return target, None, {"target": target}
        case ast.StopAction(channel=channel):
            return None, None, {"channel": channel}
    return None, None, {}


def literal_text(value: ast.Value) -> object:
    """A plan parameter's value as plain text."""
    return literal_value(value)


def kind_of(action: ast.Action) -> str:
    """The action's verb: send, call, offer_plan, handoff, screen, pause, escalate, stop."""
    return {
        ast.Send: "send",
        ast.Call: "call",
        ast.OfferPlan: "offer_plan",
        ast.Handoff: "handoff",
        ast.Screen: "screen",
        ast.Pause: "pause",
        ast.Escalate: "escalate",
        ast.StopAction: "stop",
    }[type(action)]


def scores_consulted(plan: Plan, account: Account) -> list[dict[str, object]]:
    """Every score the account and its events carry, with the model that gave it."""
    return trace_scores(account)
