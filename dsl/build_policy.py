"""Assemble policy packs: rules, their metadata and the eleven constraint kinds."""

from __future__ import annotations

from typing import Any

from lark import Token

from dsl import ast
from dsl.build import unescape
from dsl.build_strategy import Clause, StrategyBuilder
from dsl.diagnostics import error
from dsl.source import Span

CONSTRAINT_TYPES = (
    ast.FrequencyCap,
    ast.CoolDown,
    ast.TimeWindowRule,
    ast.RequireContent,
    ast.ForbidContent,
    ast.Hold,
    ast.RequireConsent,
    ast.WaitingPeriod,
    ast.ForbidAction,
    ast.Obligation,
    ast.PriorNotice,
)


class ProgramBuilder(StrategyBuilder):
    """Builds every kind of Parley document: strategies and policy packs."""

    # ------------------------------------------------------------ pack and rule

    def applies(self, span: Span, children: list[Any]) -> ast.Applies:
        organizations, *jurisdictions = children
        return ast.Applies(organizations, jurisdictions[0] if jurisdictions else (), span=span)

    def policy(self, span: Span, children: list[Any]) -> ast.Policy:
        name, title, *rest = children
        applies = next((c for c in rest if isinstance(c, ast.Applies)), None)
        rules = tuple(c for c in rest if isinstance(c, ast.Rule))
        self.report_duplicate_ids(rules)
        return ast.Policy(unescape(str(name)), unescape(str(title)), rules, applies, span=span)

    def report_duplicate_ids(self, rules: tuple[ast.Rule, ...]) -> None:
        seen: set[str] = set()
        for rule in rules:
            if rule.rule_id in seen:
                self.diagnostics.append(
                    error(
                        "DUPLICATE",
                        rule.span,
                        f"rule `{rule.rule_id}` is defined twice in this pack",
                        "give each rule its own id",
                    )
                )
            seen.add(rule.rule_id)

    def rule_description(self, span: Span, children: list[Token]) -> Clause:
        return self.clause(span, "description", unescape(str(children[0])))

    def rule_severity(self, span: Span, children: list[Token]) -> Clause:
        return self.clause(span, "severity", self.ident(children[0]))

    def rule_applies(self, span: Span, children: list[Any]) -> Clause:
        return self.clause(span, "applies", children[0])

    def rule_status(self, span: Span, children: list[Token]) -> Clause:
        return self.clause(span, "status", self.ident(children[0]))

    def effective_from(self, span: Span, children: list[Token]) -> tuple[str, Any]:
        return ("effective_from", self.date_value(children[0]))

    def effective_until(self, span: Span, children: list[Token]) -> tuple[str, Any]:
        return ("effective_until", self.date_value(children[0]))

    def rule_effective(self, span: Span, children: list[tuple[str, Any]]) -> list[Clause]:
        return [self.clause(span, key, value) for key, value in children]

    def rule(self, span: Span, children: list[Any]) -> ast.Rule:
        rule_id, citation, *items = children
        fields: dict[str, Any] = {}
        constraints = []
        for item in items:
            for clause in item if isinstance(item, list) else [item]:
                if isinstance(clause, Clause):
                    self.place_once(fields, clause)
                else:
                    constraints.append(clause)
        if not constraints:
            self.diagnostics.append(
                error(
                    "PARSE",
                    span,
                    f"rule `{unescape(str(rule_id))}` has no constraint",
                    "add one line such as `limit call to 7 per debt per 7 days`",
                )
            )
        return ast.Rule(unescape(str(rule_id)), unescape(str(citation)), tuple(constraints), **fields, span=span)

    # ------------------------------------------------------------ constraint kinds

    def channels_in(self, span: Span, children: list[Any]) -> tuple[ast.Ident, ...]:
        return children[0]

    def place(self, span: Span, children: list[Token]) -> ast.Ident:
        return self.ident(children[0])

    def until(self, span: Span, children: list[Token]) -> ast.Ident:
        return self.ident(children[0])

    def position(self, span: Span, children: list[Token]) -> ast.Ident:
        return ast.Ident(str(children[0]), span=span)

    def frequency_cap(self, span: Span, children: list[Any]) -> ast.FrequencyCap:
        channels, limit, per, window, *place = children
        return ast.FrequencyCap(
            channels, self.whole(limit), self.ident(per), window, place[0] if place else None, span=span
        )

    def cool_down(self, span: Span, children: list[Any]) -> ast.CoolDown:
        event, channels, per, duration = children
        return ast.CoolDown(self.ident(event), channels, self.ident(per), duration, span=span)

    def time_window(self, span: Span, children: list[Any]) -> ast.TimeWindowRule:
        start, end, *channels = children
        (start_clock, start_valid), (end_clock, end_valid) = (
            self.clock_value(start, str(start)),
            self.clock_value(end, str(end)),
        )
        if start_valid and end_valid and start_clock.minutes >= end_clock.minutes:
            self.literal_error(end, f"`{end}` is not after `{start}`", "write the earlier time first")
        return ast.TimeWindowRule(start_clock, end_clock, channels[0] if channels else (), span=span)

    def require_content(self, span: Span, children: list[Any]) -> ast.RequireContent:
        key, channels, *position = children
        return ast.RequireContent(self.ident(key), channels, position[0] if position else None, span=span)

    def forbid_content(self, span: Span, children: list[Any]) -> ast.ForbidContent:
        content_class, channels = children
        return ast.ForbidContent(self.ident(content_class), channels, span=span)

    def hold(self, span: Span, children: list[Any]) -> ast.Hold:
        actions, condition, *until = children
        return ast.Hold(actions, condition, until[0] if until else None, span=span)

    def require_consent(self, span: Span, children: list[Any]) -> ast.RequireConsent:
        kind, channels = children
        return ast.RequireConsent(self.ident(kind), channels, span=span)

    def waiting_period(self, span: Span, children: list[Any]) -> ast.WaitingPeriod:
        duration, event, action = children
        return ast.WaitingPeriod(duration, self.ident(event), self.ident(action), span=span)

    def forbid_action(self, span: Span, children: list[Any]) -> ast.ForbidAction:
        action, condition = children
        return ast.ForbidAction(self.ident(action), condition, span=span)

    def obligation(self, span: Span, children: list[Any]) -> ast.Obligation:
        action, duration, event = children
        return ast.Obligation(self.ident(action), duration, self.ident(event), span=span)

    def prior_notice(self, span: Span, children: list[Any]) -> ast.PriorNotice:
        template, duration, action = children
        return ast.PriorNotice(unescape(str(template)), duration, self.ident(action), span=span)
