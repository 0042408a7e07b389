"""Rules about what must come first: waiting periods, prior notices, and obligations.

The event's day is day 1 of a waiting period, as in Regulation F's own counts: a letter mailed
May 11 is monitored May 11-24 and credit reporting may follow on May 25 (comment 30(a)(1)-3.ii).
So `wait 14 days after message before credit_report` allows the report from the 15th day, the
event day plus 14, as the static checker counts it; the rules the checker reads strictly
(`STRICT_BOUNDARY`) wait one day more.
"""

from __future__ import annotations

import datetime as dt

from dsl import ast
from dsl.checks.acts import MESSAGE_EVENTS, STRICT_BOUNDARY
from engine.guard.clock import iso_date
from engine.guard.history import View
from engine.guard.kinds.common import day_start, days_of, proposal_debts, proposal_does
from engine.guard.kinds.occurrences import Occurrence, occurrences, occurs_since
from engine.guard.rules import CompiledRule
from engine.guard.verdict import Finding

# 1006.30(a)(1): before furnishing, speak with the consumer about the debt (no wait), or mail a
# letter or send an electronic message about it and wait. Whichever written word a pack names,
# the guard reads the regulation's alternatives, as the static checker does.
WRITTEN_WORDS = frozenset({*MESSAGE_EVENTS, "email", "sms", "electronic", "mail", "text"})


def check_waiting_period(rule: CompiledRule, view: View) -> list[Finding]:
    """ACTION waits DURATION after EVENT; with no EVENT on record, it waits for one."""
    wait = rule.constraint
    assert isinstance(wait, ast.WaitingPeriod)
    action = wait.action.name
    if not proposal_does(view, action):
        return []
    findings = []
    passive = action == "credit_report" and wait.event.name in WRITTEN_WORDS
    for debt in proposal_debts(view):
        if passive and occurrences(view, "conversation", debt):
            continue
        found = occurrences(view, "message" if passive else wait.event.name, debt)
        strict = rule.rule_id in STRICT_BOUNDARY
        finding = judge_wait(rule, view, found, wait.duration, debt, f"`{action}`", wait.event.name, strict)
        if finding is not None:
            findings.append(finding)
    return findings


def check_prior_notice(rule: CompiledRule, view: View) -> list[Finding]:
    """ACTION needs the notice TEMPLATE sent at least DURATION before."""
    notice = rule.constraint
    assert isinstance(notice, ast.PriorNotice)
    action = notice.action.name
    if not proposal_does(view, action):
        return []
    findings = []
    for debt in proposal_debts(view):
        found = occurrences(view, notice.template, debt)
        finding = judge_wait(rule, view, found, notice.duration, debt, f"`{action}`", f"notice `{notice.template}`")
        if finding is not None:
            findings.append(finding)
    return findings


def judge_wait(
    rule: CompiledRule,
    view: View,
    found: list[Occurrence],
    duration: ast.Duration,
    debt: str,
    action: str,
    event: str,
    strict: bool = False,
) -> Finding | None:
    """The finding when no occurrence is old enough, naming when the wait ends.

    `strict`: the catalog leaves the last day open, so the action waits one day more (the checker's
    STRICT_BOUNDARY, e.g. 501(r)'s earliest ECA on the statement date plus 121 days).
    """
    n_days = days_of(duration)
    if n_days is not None and strict:
        n_days += 1
    span = f"{duration.amount} {duration.unit}s"
    if not found:
        return rule.finding(f"{action} about {debt} needs {event} at least {span} before; the case records none")
    first = found[0]
    if n_days is not None:
        if any(o.day + n_days <= view.day for o in found):
            return None
        ready = first.day + n_days
        message = (
            f"{first.what} about {debt} on {iso_date(first.day)} starts a {n_days}-day wait (that day is day 1); "
            f"{action} is allowed from {iso_date(ready)}"
        )
        return rule.finding(message, day_start(view, ready))
    ready_at = first.at + dt.timedelta(minutes=duration.minutes)
    if any(o.at + dt.timedelta(minutes=duration.minutes) <= view.at for o in found):
        return None
    return rule.finding(f"{first.what} about {debt} was less than {span} ago; {action} must wait", ready_at)


def check_obligation(rule: CompiledRule, view: View) -> list[Finding]:
    """An obligation past its deadline and still not met: a warning, so a person takes it up."""
    duty = rule.constraint
    assert isinstance(duty, ast.Obligation)
    n_days = days_of(duty.duration)
    findings = []
    for debt in proposal_debts(view):
        started = occurrences(view, duty.event.name, debt)
        if not started:
            continue
        first = started[0]
        # Not yet due, or done since it started: nothing to say (the cheaper test first).
        if n_days is not None:
            due = first.day + n_days
            if view.day <= due or occurs_since(view, duty.action.name, debt, first.at):
                continue
            when = iso_date(due)
        else:
            due_at = first.at + dt.timedelta(minutes=duty.duration.minutes)
            if view.at <= due_at or occurs_since(view, duty.action.name, debt, first.at):
                continue
            when = due_at.isoformat(timespec="minutes")
        message = (
            f"`{duty.action.name}` for {debt} was due by {when}, within {duty.duration.amount} "
            f"{duty.duration.unit}s after {first.what} on {iso_date(first.day)}, and is overdue"
        )
        findings.append(rule.finding(message, warning=True))
    return findings
