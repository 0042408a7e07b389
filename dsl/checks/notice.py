"""Prior notices (`require notice "TEMPLATE" DURATION before ACTION`).

IRS 501(r) asks a hospital to send a written notice at least 30 days before an extraordinary
collection action (26 CFR 1.501(r)-6(c)(4)). Statically: a step that sends the notice template must
come at least the period before every step or handler that can take the action, on every path to
it (its guard holds whenever the action's does).

Waiting periods after a message the strategy sends have the same shape and are checked here too:
Regulation F's passive-collection rule (`wait 14 days after letter_sent before credit_report`: a
letter or electronic message on every path, 14 days before reporting, or a conversation first,
12 CFR 1006.30(a)) and 501(r)'s screening before an ECA (`wait 0 days after fa_screening`).
"""

from __future__ import annotations

from collections.abc import Iterator

from dsl import ast
from dsl.checks.acts import (
    MESSAGE_EVENTS,
    SCREEN_WORDS,
    Act,
    acts,
    does,
    event,
    finding,
    needed_gap,
    sends,
)
from dsl.checks.context import ApplicableRule, CheckContext
from dsl.checks.forbid_action import always_with
from dsl.diagnostics import Diagnostic


def check(program: ast.Strategy, ctx: CheckContext) -> list[Diagnostic]:
    """Every action the required notice does not precede far enough."""
    findings: list[Diagnostic] = []
    all_acts = acts(program)
    for rule in ctx.rules_of(ast.PriorNotice):
        constraint = rule.rule.constraint
        assert isinstance(constraint, ast.PriorNotice)
        findings.extend(late_notices(ctx, rule, constraint, all_acts))
    return findings


def sends_notice(act: Act, template: str) -> bool:
    """Whether an action sends the notice (its template, or a template named after it: `hospital_eca_notice`)."""
    return isinstance(act.action, ast.Send) and (act.action.template == template or template in act.action.template)


def late_notices(
    ctx: CheckContext, rule: ApplicableRule, constraint: ast.PriorNotice, all_acts: list[Act]
) -> Iterator[Diagnostic]:
    """The actions no notice step precedes by the period on every path."""
    lead = int(constraint.duration.days + 0.999)
    notices = [a for a in all_acts if sends_notice(a, constraint.template) and isinstance(a.owner, ast.Step)]
    for act in all_acts:
        if not does(act, constraint.action.name):
            continue
        early_enough = [n for n in notices if n.last_day is not None and n.last_day <= act.first_day - lead]
        if any(always_with(ctx, act, n) for n in early_enough):
            continue
        yield late_notice(rule, constraint, act, notices, lead)


def late_notice(
    rule: ApplicableRule, constraint: ast.PriorNotice, act: Act, notices: list[Act], lead: int
) -> Diagnostic:
    """The finding for one action without its notice far enough ahead."""
    trace = [event(act.first_day, f"{act.owner_label}: `{act.text}`", act.window_start)]
    trace.append(event(act.first_day - lead, f"the last day the notice could go out ({lead} days before)"))
    before = [n for n in notices if n.first_day <= act.first_day]
    if not before:
        message = f'{act.owner_label} can `{act.text}` with no "{constraint.template}" notice before it'
        hint = f'add a step on day {act.first_day - lead} or earlier that sends "{constraint.template}"'
    else:
        notice = max(before, key=lambda n: n.first_day)
        trace.append(event(notice.first_day, f"{notice.owner_label}: `{notice.text}`", notice.window_start))
        gap = act.first_day - notice.first_day
        reason = f"only {gap} days after" if gap < lead else "on a path that skips"
        message = (
            f"{act.owner_label} can `{act.text}` {reason} the notice in {notice.owner_label}; "
            f"`{rule.rule_id}` requires the notice {lead} days before"
        )
        if gap < lead:
            hint = f"move the action to day {notice.first_day + lead} or later"
            if act.first_day - lead >= 0:
                hint += f", or send the notice by day {act.first_day - lead}"
        else:
            hint = "give the notice step no guard that the action's step does not also have"
    return finding(rule, act.action.span, message, hint, trace, [])


# ---------------------------------------------------------------- a message before the action


def message_sent_by(act: Act, event_word: str) -> bool:
    """Whether an action is what an event names: a channel's message, a template, or a screening."""
    if isinstance(act.action, ast.Screen):
        return event_word in SCREEN_WORDS
    if not isinstance(act.action, ast.Send):
        return False
    if event_word in MESSAGE_EVENTS:
        return act.action.channel in MESSAGE_EVENTS[event_word]
    return sends(act.action, event_word)


def message_wait(
    ctx: CheckContext,
    rule: ApplicableRule,
    constraint: ast.WaitingPeriod,
    event_word: str,
    targets: list[Act],
    all_acts: list[Act],
) -> Iterator[Diagnostic]:
    """Actions no message (or screening) precedes by the period on every path; a conversation counts for messages."""
    need = needed_gap(rule, constraint.duration)
    senders = [a for a in all_acts if message_sent_by(a, event_word) and isinstance(a.owner, ast.Step)]
    for act in targets:
        if act.handler_event == "conversation" and event_word in MESSAGE_EVENTS:
            continue  # Reg F 1006.30(a)(1)(i): speaking with the patient first is the other way to comply
        ahead = [a for a in senders if a.last_day is not None and a.last_day <= act.first_day - need]
        if any(always_with(ctx, act, a) for a in ahead):
            continue
        yield unmet_message_wait(rule, act, senders, event_word, need)


def event_words(event_word: str) -> str:
    """A message event in words: `letter_sent` is "letter or electronic message"."""
    if event_word in SCREEN_WORDS:
        return "financial-assistance screening"
    if event_word in MESSAGE_EVENTS:
        channels = MESSAGE_EVENTS[event_word]
        return "letter or electronic message" if "letter" in channels and len(channels) > 1 else " or ".join(channels)
    return event_word.removesuffix("_sent").replace("_", " ")


def unmet_message_wait(rule: ApplicableRule, act: Act, senders: list[Act], event_word: str, need: int) -> Diagnostic:
    """The finding for an action no message precedes by the period on every path."""
    what = event_words(event_word)
    trace = [event(act.first_day, f"{act.owner_label}: `{act.text}`", act.window_start)]
    first = min(senders, key=lambda a: a.first_day, default=None)
    if first is None:
        message = f"{act.owner_label} can `{act.text}` with no {what} before it"
        hint = f"add a step with a {what} on day {max(0, act.first_day - need)}, on every path to this one"
        if act.first_day < need:
            hint += f", and move this action to day {need} or later"
    else:
        gap = act.first_day - first.first_day
        trace.append(event(first.first_day, f"{first.owner_label}: `{first.text}`", first.window_start))
        if gap < need:
            message = f"{act.owner_label} can `{act.text}` {gap} days after the first {what}"
        else:
            message = f"{act.owner_label} can `{act.text}` on a path that skips the {what} of {first.owner_label}"
        message += f"; `{rule.rule_id}` requires {need} days or more"
        hint = f"move the action to day {first.first_day + need} or later" if gap < need else ""
        if act.first_day - need >= 0:
            also = ", or " if hint else ""
            hint += (
                f"{also}put the {what} on day {act.first_day - need} or earlier, with no guard the action's step lacks"
            )
    facts = [("conversation", "none before this action")] if event_word in MESSAGE_EVENTS else []
    return finding(rule, act.action.span, message, hint, trace, facts)
