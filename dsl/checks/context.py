"""What a compliance check sees: the strategy, the rules that apply to it, and its templates.

Applicability follows DESIGN.md: a rule applies when the strategy's organization is one the rule
(or its pack) names, when one of the strategy's jurisdictions falls under the rule's jurisdictions,
and when the rule is in force on the check date. Vacated rules are kept for history, never applied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dsl import ast

ORGANIZATIONS = ("agency", "provider", "nonprofit_hospital")
INACTIVE_STATUSES = ("vacated", "inactive", "repealed")


@dataclass(frozen=True)
class ApplicableRule:
    """A rule together with the pack it came from and the jurisdictions it reaches in this strategy."""

    rule: ast.Rule
    policy: ast.Policy
    jurisdictions: tuple[str, ...]

    @property
    def rule_id(self) -> str:
        """The canonical rule id, e.g. `REGF-FREQ-7IN7`."""
        return self.rule.rule_id

    @property
    def citation(self) -> str:
        """The legal citation, e.g. `12 CFR 1006.14(b)(2)(i)(A)`."""
        return self.rule.citation

    @property
    def severity(self) -> str:
        """`error` unless the rule says otherwise."""
        return self.rule.severity.name if self.rule.severity else "error"


@dataclass(frozen=True)
class CheckContext:
    """Everything a check may read. Built by the caller; checks never do I/O."""

    strategy: ast.Strategy
    rules: tuple[ApplicableRule, ...] = ()
    templates: Any = None  # dsl.templates.TemplateSet, or None when templates were not given
    as_of: dt.date | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def rules_of(self, kind: type) -> list[ApplicableRule]:
        """The applicable rules whose constraint is of `kind` (e.g. `ast.FrequencyCap`)."""
        return [r for r in self.rules if isinstance(r.rule.constraint, kind)]

    @property
    def organization(self) -> str | None:
        """Who collects: `agency`, `provider` or `nonprofit_hospital`."""
        return self.strategy.organization.name if self.strategy.organization else None

    @property
    def jurisdictions(self) -> tuple[str, ...]:
        """Where the strategy's patients may live, e.g. (`US-CA`, `US-NY-NYC`)."""
        return tuple(j.name for j in self.strategy.jurisdictions)


def jurisdiction_covers(rule_jurisdiction: str, patient_jurisdiction: str) -> bool:
    """`US-NY` covers `US-NY` and `US-NY-NYC`; `US` covers every state."""
    return patient_jurisdiction == rule_jurisdiction or patient_jurisdiction.startswith(rule_jurisdiction + "-")


def in_force(rule: ast.Rule, on: dt.date | None) -> bool:
    """Whether a rule is active and in force on a date (no date: every active rule, the strict reading)."""
    if rule.status is not None and rule.status.name in INACTIVE_STATUSES:
        return False
    if on is None:
        # No date given: apply every active rule, dated ones too. Checking against more law than
        # is in force can only add findings; silently skipping a rule could pass an unlawful plan.
        return True
    if rule.effective_from is not None and on < rule.effective_from:
        return False
    return not (rule.effective_until is not None and on > rule.effective_until)


def applicable_rules(
    strategy: ast.Strategy, policies: Iterable[ast.Policy], as_of: dt.date | None
) -> tuple[ApplicableRule, ...]:
    """The rules of every pack that reach this strategy's organization and jurisdictions on `as_of`."""
    organization = strategy.organization.name if strategy.organization else None
    strategy_jurisdictions = [j.name for j in strategy.jurisdictions] or ["US"]
    chosen: list[ApplicableRule] = []
    for policy in policies:
        for rule in policy.rules:
            applies = rule.applies or policy.applies
            if not in_force(rule, as_of) or not organization_matches(applies, organization):
                continue
            reached = reached_jurisdictions(applies, strategy_jurisdictions)
            if reached:
                chosen.extend(ApplicableRule(view, policy, reached) for view in rule.one_per_constraint())
    return tuple(chosen)


def organization_matches(applies: ast.Applies | None, organization: str | None) -> bool:
    """Whether a pack or rule's `applies to` names this organization (`any` names all)."""
    if applies is None or not applies.organizations:
        return True
    names = {o.name for o in applies.organizations}
    if "any" in names:
        return True
    # A strategy that does not say who collects is checked as strictly as any collector.
    return organization is None or organization in names


def reached_jurisdictions(applies: ast.Applies | None, strategy_jurisdictions: list[str]) -> tuple[str, ...]:
    """The strategy's jurisdictions that the rule reaches (all of them when the rule names none)."""
    if applies is None or not applies.jurisdictions:
        return tuple(strategy_jurisdictions)
    return tuple(
        j for j in strategy_jurisdictions if any(jurisdiction_covers(r.name, j) for r in applies.jurisdictions)
    )
