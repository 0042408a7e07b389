"""Consent (`require consent KIND for CHANNELS`): reported, not blocked, because the compiler guards it.

Texts and autodialed or prerecorded calls to a mobile need the patient's prior express consent
(47 CFR 64.1200(a)(1)(iii)). Whether a given number is a mobile, and whether consent is on file
today, are facts of the moment, so the compiler puts a consent check in front of every such step
and the runtime guard reads the consent records. The checker says which steps get that check, so
the strategist knows they may not reach everyone; a step already guarded `when consent.KIND` is
listed as guarded by the strategy itself.
"""

from __future__ import annotations

from dsl import ast
from dsl.checks.acts import Act, acts
from dsl.checks.context import ApplicableRule, CheckContext
from dsl.diagnostics import Diagnostic, Severity

# Rule words for calls a consent rule may name; a `call` in a strategy may be placed by a dialer.
CALL_WORDS = frozenset({"call", "autodialed_call", "autodialed_calls", "prerecorded_voice", "robocall"})


def check(program: ast.Strategy, ctx: CheckContext) -> list[Diagnostic]:
    """One info per consent rule, listing the steps the compiler guards with it."""
    findings: list[Diagnostic] = []
    all_acts = acts(program)
    for rule in ctx.rules_of(ast.RequireConsent):
        constraint = rule.rule.constraint
        assert isinstance(constraint, ast.RequireConsent)
        channels = {c.name for c in constraint.channels}
        covered = [a for a in all_acts if reaches(a, channels)]
        if covered:
            findings.append(report(rule, constraint, covered))
    return findings


def reaches(act: Act, channels: set[str]) -> bool:
    """Whether an action goes out on a channel the consent rule covers."""
    if isinstance(act.action, ast.Send):
        return act.action.channel in channels
    return isinstance(act.action, ast.Call) and bool(channels & CALL_WORDS)


def already_guarded(act: Act, kind: str) -> bool:
    """Whether the strategy itself guards the action with `consent.KIND` on its path."""
    wanted = {f"consent.{kind}", f"consent.{kind}s", f"consent.{kind.removesuffix('s')}"}
    if isinstance(act.action, ast.Send):
        wanted.add(f"consent.{act.action.channel}")
    return any(isinstance(c, ast.Name) and c.path in wanted for c in conjuncts(act.conditions))


def conjuncts(conditions: tuple[ast.Expr, ...]) -> list[ast.Expr]:
    """The top-level `and` parts of the conditions."""
    parts: list[ast.Expr] = []
    for condition in conditions:
        parts.extend(conjuncts(condition.operands) if isinstance(condition, ast.And) else [condition])
    return parts


def report(rule: ApplicableRule, constraint: ast.RequireConsent, covered: list[Act]) -> Diagnostic:
    """The info finding: which steps get a consent check, and which already have one."""
    kind = constraint.kind.name
    inserted = list(dict.fromkeys(f"{a.owner_label} (`{a.text}`)" for a in covered if not already_guarded(a, kind)))
    guarded = list(dict.fromkeys(a.owner_label for a in covered if already_guarded(a, kind)))
    if inserted:
        message = f"the compiler adds a consent check (`{kind}`) before {', '.join(inserted)}"
        if guarded:
            message += f"; the strategy already checks it in {', '.join(guarded)}"
    else:
        message = f"the strategy already checks consent (`{kind}`) in {', '.join(guarded)}"
    return Diagnostic(
        rule.rule_id,
        Severity.INFO,
        covered[0].action.span,
        message,
        "patients without consent on file are not contacted on these channels; plan another channel for them",
        rule.citation,
    )
