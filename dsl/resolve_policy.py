"""The language pass over policy packs: every word of every rule is one the checker and guard know.

A pack is data a compliance officer edits, so a misspelt channel (`limit cal to 7 …`) must not
quietly become a rule about nothing. Each constraint kind lists which of its words come from which
closed list in `dsl.vocabulary`; conditions (`hold collection when disputed`) are type-checked
against the same fact schema as strategies. Rule ids: `NAME`, `TYPE` (see `dsl.resolve`).
"""

from __future__ import annotations

from collections.abc import Callable

from dsl import ast
from dsl.diagnostics import Diagnostic, error
from dsl.resolve_words import check_ident, check_idents, check_jurisdictions, line_of, word_span
from dsl.schema import STATES, did_you_mean
from dsl.source import Span
from dsl.types import ConditionChecker
from dsl.vocabulary import (
    CONSENTS,
    CONSTRAINT_CHANNELS,
    CONTENT_CLASSES,
    CONTENT_KEYS,
    CONTENT_TARGETS,
    PER_UNITS,
    PLACES,
    POLICY_ACTIONS,
    POLICY_EVENTS,
    POLICY_ORGANIZATIONS,
    POSITIONS,
    SEVERITIES,
    STATUSES,
)

STATE_WORDS = {f.name: f.description for f in STATES}


def check_policy(policy: ast.Policy) -> list[Diagnostic]:
    """The language findings for one policy pack."""
    findings = check_applies(policy.applies)
    for rule in policy.rules:
        findings.extend(check_rule(rule))
    return findings


def check_applies(applies: ast.Applies | None) -> list[Diagnostic]:
    """`applies to ORGANIZATIONS in JURISDICTIONS` names known collectors and real places."""
    if applies is None:
        return []
    findings = check_idents(applies.organizations, POLICY_ORGANIZATIONS, "a kind of organization")
    return findings + check_jurisdictions(applies.jurisdictions)


def check_rule(rule: ast.Rule) -> list[Diagnostic]:
    """A rule's severity, status, dates, scope and constraint."""
    findings: list[Diagnostic] = []
    if rule.severity is not None:
        findings.extend(check_ident(rule.severity, SEVERITIES, "a severity"))
    if rule.status is not None:
        findings.extend(check_ident(rule.status, STATUSES, "a rule status"))
    findings.extend(check_applies(rule.applies))
    findings.extend(check_dates(rule))
    for constraint in rule.constraints:
        findings.extend(CONSTRAINT_CHECKS[type(constraint)](constraint))
    return findings


def check_dates(rule: ast.Rule) -> list[Diagnostic]:
    """A rule cannot stop being in force before it starts."""
    start, end = rule.effective_from, rule.effective_until
    if start is None or end is None or start <= end:
        return []
    span = effective_line(rule)
    message = f"rule `{rule.rule_id}` ends on {end}, before it starts on {start}"
    return [error("TYPE", span, message, "swap the dates, or check the year")]


def effective_line(rule: ast.Rule) -> Span:
    """The span of the rule's `effective` word (the rule's first line when it cannot be found)."""
    span = rule.span
    for line in range(span.line, span.end_line + 1):
        if line_of(span.source, line).lstrip().startswith("effective"):
            return word_span(Span(span.source, line, 1, line, 1), "effective")
    return span


# ---------------------------------------------------------------- constraint kinds


def channels(idents: tuple[ast.Ident, ...]) -> list[Diagnostic]:
    """Channels of a cap, cool-down, window or consent rule."""
    return check_idents(idents, CONSTRAINT_CHANNELS, "a channel")


def per_unit(ident: ast.Ident) -> list[Diagnostic]:
    """The `per` unit contacts are counted by."""
    return check_ident(ident, PER_UNITS, "a unit to count by")


def positive(duration: ast.Duration) -> list[Diagnostic]:
    """A window or delay of more than zero."""
    if duration.minutes > 0:
        return []
    return [error("TYPE", duration.span, "a length of time here must be more than 0", "write at least `1 day`")]


def targets(idents: tuple[ast.Ident, ...]) -> list[Diagnostic]:
    """Channels or kinds of message a content rule covers."""
    return check_idents(idents, CONTENT_TARGETS, "a channel or kind of message")


def action(ident: ast.Ident) -> list[Diagnostic]:
    """An action word of `hold`, `wait`, `forbid` or `require`."""
    return check_ident(ident, POLICY_ACTIONS, "an action a rule can govern")


def event(ident: ast.Ident) -> list[Diagnostic]:
    """An event word of `after`, `wait` or `require … after`."""
    return check_ident(ident, POLICY_EVENTS, "an event a rule can count from")


def condition(expr: ast.Expr) -> list[Diagnostic]:
    """A rule's condition, against the fact schema (packs have no segments)."""
    checker = ConditionChecker(what="a fact Parley knows")
    checker.condition(expr)
    return checker.diagnostics


def frequency_cap(c: ast.FrequencyCap) -> list[Diagnostic]:
    """`limit CHANNELS to N per UNIT per DURATION [at PLACE]`."""
    place = check_ident(c.place, PLACES, "a place") if c.place else []
    return [*channels(c.channels), *per_unit(c.per), *positive(c.window), *place]


def cool_down(c: ast.CoolDown) -> list[Diagnostic]:
    """`after EVENT no CHANNELS per UNIT for DURATION`."""
    return [*event(c.event), *channels(c.channels), *per_unit(c.per), *positive(c.duration)]


def time_window(c: ast.TimeWindowRule) -> list[Diagnostic]:
    """`contact only between T1 and T2 local [in CHANNELS]`."""
    return channels(c.channels)


def require_content(c: ast.RequireContent) -> list[Diagnostic]:
    """`require content KEY in CHANNELS [on POSITION communication]`."""
    position = check_ident(c.position, POSITIONS, "a position") if c.position else []
    return [*check_ident(c.key, CONTENT_KEYS, "a disclosure"), *targets(c.channels), *position]


def forbid_content(c: ast.ForbidContent) -> list[Diagnostic]:
    """`forbid content CLASS in CHANNELS`."""
    return [*check_ident(c.content_class, CONTENT_CLASSES, "a class of content"), *targets(c.channels)]


def hold(c: ast.Hold) -> list[Diagnostic]:
    """`hold ACTIONS when COND [until STATE]`."""
    findings = [*check_idents(c.actions, POLICY_ACTIONS, "an action a rule can govern"), *condition(c.condition)]
    if c.until is not None and c.until.name not in STATE_WORDS:
        near = did_you_mean(c.until.name, STATE_WORDS) or "`until` names an account state such as `verified`"
        findings.append(error("NAME", c.until.span, f"`{c.until.name}` is not an account state", near))
    return findings


def require_consent(c: ast.RequireConsent) -> list[Diagnostic]:
    """`require consent KIND for CHANNELS`."""
    return [*check_ident(c.kind, CONSENTS, "a kind of consent"), *channels(c.channels)]


def waiting_period(c: ast.WaitingPeriod) -> list[Diagnostic]:
    # `wait 0 days after fa_screening before eca` is an order, not a delay: zero is allowed here.
    """`wait DURATION after EVENT before ACTION`."""
    return [*event(c.event), *action(c.action)]


def forbid_action(c: ast.ForbidAction) -> list[Diagnostic]:
    """`forbid ACTION when COND`."""
    return [*action(c.action), *condition(c.condition)]


def obligation(c: ast.Obligation) -> list[Diagnostic]:
    """`require ACTION within DURATION after EVENT`."""
    return [*action(c.action), *positive(c.duration), *event(c.event)]


def prior_notice(c: ast.PriorNotice) -> list[Diagnostic]:
    """`require notice "TEMPLATE" DURATION before ACTION`."""
    return [*positive(c.duration), *action(c.action)]


CONSTRAINT_CHECKS: dict[type, Callable[..., list[Diagnostic]]] = {
    ast.FrequencyCap: frequency_cap,
    ast.CoolDown: cool_down,
    ast.TimeWindowRule: time_window,
    ast.RequireContent: require_content,
    ast.ForbidContent: forbid_content,
    ast.Hold: hold,
    ast.RequireConsent: require_consent,
    ast.WaitingPeriod: waiting_period,
    ast.ForbidAction: forbid_action,
    ast.Obligation: obligation,
    ast.PriorNotice: prior_notice,
}
