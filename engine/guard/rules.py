"""Policy packs compiled once for the guard: each rule bound to its runtime semantics.

`compile_rules(policies)` walks the packs once; `GuardRules.applicable(case, day)` then picks the
rules that reach the case's organization and jurisdiction and are in force on that day, with
the same helpers the static checker uses, so the guard and the checker never disagree on which
law applies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from dsl import ast
from dsl.checks.context import in_force, jurisdiction_covers, organization_matches
from engine.guard.history import View
from engine.guard.lazy import lazy, made
from engine.guard.verdict import Finding

Check = Callable[["CompiledRule", View], list[Finding]]
Shape = Callable[["CompiledRule", str, "str | None", "bool | None"], bool]
Screen = Callable[["CompiledRule", View], bool]


@dataclass(frozen=True)
class CompiledRule:
    """A pack rule with the function that judges a proposal against it."""

    rule: ast.Rule
    policy: ast.Policy
    check: Check
    warning: bool = False
    reach: frozenset[str] | None = None  # proposal channels it can judge; None: any
    clock: bool = False  # judges only the time of day: cheap, and asked first when searching ahead
    # Necessary conditions for a finding (`engine.guard.screens`): on the proposal's kind, on the case.
    shape: Shape | None = field(default=None, compare=False, repr=False)
    screen: Screen | None = field(default=None, compare=False, repr=False)
    # What the check derives from the constraint once (its channel set, its words), not per proposal.
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # The screen reads only the case's signature (`engine.guard.screens.signature`): run by `folded`.
    static: bool = field(default=False, compare=False, repr=False)

    @lazy
    def rule_id(self) -> str:
        """The canonical catalog id."""
        return self.rule.rule_id

    @lazy
    def citation(self) -> str:
        """The legal citation the pack gives."""
        return self.rule.citation

    @lazy
    def constraint(self) -> ast.Constraint | None:
        """The rule's constraint, whose parameters drive the check."""
        return self.rule.constraint

    def finding(self, message: str, clears_at: dt.datetime | None = None, warning: bool = False) -> Finding:
        """A finding of this rule; a rule of severity `warning` only ever warns."""
        return made(
            Finding,
            rule=self.rule_id,
            citation=self.citation,
            message=message,
            clears_at=clears_at,
            warning=warning or self.warning,
        )

    def reaches(self, organization: str, jurisdiction: str, on: dt.date) -> bool:
        """Whether this rule applies to a case: organization, jurisdiction, and in force that day."""
        applies = self.rule.applies or self.policy.applies
        if not in_force(self.rule, on) or not organization_matches(applies, organization):
            return False
        if applies is None or not applies.jurisdictions:
            return True
        return any(jurisdiction_covers(j.name, jurisdiction) for j in applies.jurisdictions)


@dataclass
class GuardRules:
    """Every runtime-checkable rule of the packs, ready to judge many cases."""

    rules: tuple[CompiledRule, ...]
    skipped: tuple[str, ...] = ()  # rule ids with nothing to judge at run time (content rules)
    _applicable: dict[tuple[str, str, dt.date, str, bool], tuple[CompiledRule, ...]] = field(
        default_factory=dict, repr=False
    )
    _screened: dict[tuple, tuple[CompiledRule, ...]] = field(default_factory=dict, repr=False)
    _folded: dict[tuple, tuple[CompiledRule, ...]] = field(default_factory=dict, repr=False)

    def applicable(
        self, organization: str, jurisdiction: str, on: dt.date, channel: str, template: bool = False
    ) -> tuple[CompiledRule, ...]:
        """The rules reaching a case on a day that can judge a proposal on `channel`.

        Memoised: a portfolio has few distinct keys. `template`: the proposal names a template,
        so rules on message kinds may reach it too.
        """
        key = (organization, jurisdiction, on, channel, template)
        found = self._applicable.get(key)
        if found is None:
            if len(self._applicable) > 4096:  # bounded: a long batch must not grow without end
                self._applicable.clear()
            found = tuple(
                r
                for r in self.rules
                if (r.reach is None or channel in r.reach or (template and "#template" in r.reach))
                and r.reaches(organization, jurisdiction, on)
            )
            self._applicable[key] = found
        return found

    def screened(
        self,
        organization: str,
        jurisdiction: str,
        on: dt.date,
        channel: str,
        template: str | None,
        automated: bool | None,
    ) -> tuple[CompiledRule, ...]:
        """`applicable`, less the rules whose shape screen says they cannot judge such a proposal.

        Memoised per kind of proposal (channel, template, `automated`): a portfolio asks few kinds.
        """
        key = (organization, jurisdiction, on, channel, template, automated)
        found = self._screened.get(key)
        if found is None:
            if len(self._screened) > 4096:
                self._screened.clear()
            reach = self.applicable(organization, jurisdiction, on, channel, template is not None)
            found = tuple(r for r in reach if r.shape is None or r.shape(r, channel, template, automated))
            self._screened[key] = found
        return found

    def folded(self, kind: tuple[str, str, int, str, str | None, bool | None], sign: tuple, view: View) -> tuple:
        """`screened` for a kind of proposal, less the rules whose static screen fails on this case.

        `kind` is (organization, jurisdiction, local day ordinal, channel, template, automated);
        `sign` the case's signature (`engine.guard.screens.signature`), everything a static screen
        reads, so the answer worked out on one case holds for every case with the same keys.
        Memoised: a portfolio's accounts share a few signatures (most hold only their notices).
        """
        key = (kind, sign)
        found = self._folded.get(key)
        if found is None:
            if len(self._folded) > 4096:  # bounded, like the lists it filters
                self._folded.clear()
            organization, jurisdiction, day, channel, template, automated = kind
            on = dt.date.fromordinal(day)
            reach = self.screened(organization, jurisdiction, on, channel, template, automated)
            found = tuple(r for r in reach if not r.static or r.screen(r, view))  # type: ignore[misc]
            self._folded[key] = found
        return found


def builtin_once(rule: ast.Rule, builtin: dict) -> tuple[ast.Rule, ...]:
    """A rule once per constraint, or once in all when the guard judges its id itself."""
    return (rule,) if rule.rule_id in builtin else rule.one_per_constraint()


def compile_rules(policies: Sequence[ast.Policy]) -> GuardRules:
    """Bind every rule of the packs to its runtime check, once."""
    from engine.guard.kinds import BUILTIN_CHECKS, CLOCK_CHECKS, KIND_CHECKS, NATIVE_RULES, reach_of  # import us
    from engine.guard.screens import SCREENS, SHAPES, is_static

    compiled: list[CompiledRule] = []
    skipped: list[str] = []
    for policy in policies:
        for rule in (view for whole in policy.rules for view in builtin_once(whole, BUILTIN_CHECKS)):
            warning = rule.severity is not None and rule.severity.name in ("warning", "info")
            check = BUILTIN_CHECKS.get(rule.rule_id)
            if check is None and rule.constraint is not None:
                check = KIND_CHECKS.get(type(rule.constraint))
            if check is None:
                skipped.append(rule.rule_id)
                continue
            reach = reach_of(rule.rule_id, rule.constraint)
            shape, screen = SHAPES.get(check), SCREENS.get(check)
            compiled.append(CompiledRule(rule, policy, check, warning, reach, check in CLOCK_CHECKS, shape, screen))
            compiled[-1] = replace(compiled[-1], static=is_static(compiled[-1]))
    present = {r.rule_id for r in compiled} | set(skipped)
    by_name = {p.name: p for p in policies}
    for rule_id, (pack, citation) in NATIVE_RULES.items():
        if pack in by_name and rule_id not in present:
            native = ast.Rule(rule_id, citation, (), "judged by the guard from the case's facts")
            reach = reach_of(rule_id, None)
            check = BUILTIN_CHECKS[rule_id]
            shape, screen = SHAPES.get(check), SCREENS.get(check)
            compiled.append(
                CompiledRule(native, by_name[pack], check, False, reach, check in CLOCK_CHECKS, shape, screen)
            )
            compiled[-1] = replace(compiled[-1], static=is_static(compiled[-1]))
    return GuardRules(tuple(compiled), tuple(skipped))
