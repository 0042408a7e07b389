"""Prior notices (`require notice "TEMPLATE" DURATION before ACTION`).

IRS 501(r) asks a hospital to send a written notice at least 30 days before an extraordinary
collection action (26 CFR 1.501(r)-6(c)(4)). Statically: a step that sends the notice template must
come at least the period before every step or handler that can take the action, on every path to
it (its guard holds whenever the action's does). Screening for financial assistance before an ECA
(1.501(r)-6(a)) is a waiting period after `fa_screening` (dsl/checks/waiting.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from dsl import ast
from dsl.checks.context import ApplicableRule, CheckContext
from dsl.checks.forbid_action import always_with
from dsl.checks.waiting import Act, acts, does, event, finding
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
        hint = (
            f"move the action to day {notice.first_day + lead} or later, and guard the notice step with "
            "nothing the action's step does not also require"
        )
    return finding(rule, act.action.span, message, hint, trace, [])
