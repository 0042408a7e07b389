"""Assemble policy packs: rules, their metadata and the eleven constraint kinds."""

from __future__ import annotations

from typing import Any

from lark import Token, v_args
from lark.tree import Meta

from dsl import ast
from dsl.build import unescape
from dsl.build_strategy import Clause, StrategyBuilder
from dsl.diagnostics import error

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

    @v_args(meta=True)
    def applies(self, meta: Meta, children: list[Any]) -> ast.Applies:
        organizations, *jurisdictions = children
        return ast.Applies(organizations, jurisdictions[0] if jurisdictions else (), span=self.span(meta))

    @v_args(meta=True)
    def policy(self, meta: Meta, children: list[Any]) -> ast.Policy:
        name, title, *rest = children
        applies = next((c for c in rest if isinstance(c, ast.Applies)), None)
        rules = tuple(c for c in rest if isinstance(c, ast.Rule))
        self.report_duplicate_ids(rules)
        return ast.Policy(unescape(str(name)), unescape(str(title)), rules, applies, span=self.span(meta))

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

    @v_args(meta=True)
    def rule_description(self, meta: Meta, children: list[Token]) -> Clause:
        return self.clause(meta, "description", unescape(str(children[0])))

    @v_args(meta=True)
    def rule_severity(self, meta: Meta, children: list[Token]) -> Clause:
        return self.clause(meta, "severity", self.ident(children[0]))

    @v_args(meta=True)
    def rule_applies(self, meta: Meta, children: list[Any]) -> Clause:
        return self.clause(meta, "applies", children[0])

    @v_args(meta=True)
    def rule_status(self, meta: Meta, children: list[Token]) -> Clause:
        return self.clause(meta, "status", self.ident(children[0]))

    def effective_from(self, children: list[Token]) -> tuple[str, Any]:
        return ("effective_from", self.date_value(children[0]))

    def effective_until(self, children: list[Token]) -> tuple[str, Any]:
        return ("effective_until", self.date_value(children[0]))

    @v_args(meta=True)
    def rule_effective(self, meta: Meta, children: list[tuple[str, Any]]) -> list[Clause]:
        return [self.clause(meta, key, value) for key, value in children]

    @v_args(meta=True)
    def rule(self, meta: Meta, children: list[Any]) -> ast.Rule:
        rule_id, citation, *items = children
        fields: dict[str, Any] = {}
        constraints = []
        for item in items:
            for clause in item if isinstance(item, list) else [item]:
                if isinstance(clause, Clause):
                    self.place_once(fields, clause)
                else:
                    constraints.append(clause)
        span = self.span(meta)
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

    def channels_in(self, children: list[Any]) -> tuple[ast.Ident, ...]:
        return children[0]

    def place(self, children: list[Token]) -> ast.Ident:
        return self.ident(children[0])

    def until(self, children: list[Token]) -> ast.Ident:
        return self.ident(children[0])

    @v_args(meta=True)
    def position(self, meta: Meta, children: list[Token]) -> ast.Ident:
        return ast.Ident(str(children[0]), span=self.span(meta))

    @v_args(meta=True)
    def frequency_cap(self, meta: Meta, children: list[Any]) -> ast.FrequencyCap:
        channels, limit, per, window, *place = children
        return ast.FrequencyCap(
            channels, int(str(limit)), self.ident(per), window, place[0] if place else None, span=self.span(meta)
        )

    @v_args(meta=True)
    def cool_down(self, meta: Meta, children: list[Any]) -> ast.CoolDown:
        event, channels, per, duration = children
        return ast.CoolDown(self.ident(event), channels, self.ident(per), duration, span=self.span(meta))

    @v_args(meta=True)
    def time_window(self, meta: Meta, children: list[Any]) -> ast.TimeWindowRule:
        start, end, *channels = children
        (start_clock, start_valid), (end_clock, end_valid) = (
            self.clock_value(start, str(start)),
            self.clock_value(end, str(end)),
        )
        if start_valid and end_valid and start_clock.minutes >= end_clock.minutes:
            self.literal_error(end, f"`{end}` is not after `{start}`", "write the earlier time first")
        return ast.TimeWindowRule(start_clock, end_clock, channels[0] if channels else (), span=self.span(meta))

    @v_args(meta=True)
    def require_content(self, meta: Meta, children: list[Any]) -> ast.RequireContent:
        key, channels, *position = children
        return ast.RequireContent(self.ident(key), channels, position[0] if position else None, span=self.span(meta))

    @v_args(meta=True)
    def forbid_content(self, meta: Meta, children: list[Any]) -> ast.ForbidContent:
        content_class, channels = children
        return ast.ForbidContent(self.ident(content_class), channels, span=self.span(meta))

    @v_args(meta=True)
    def hold(self, meta: Meta, children: list[Any]) -> ast.Hold:
        actions, condition, *until = children
        return ast.Hold(actions, condition, until[0] if until else None, span=self.span(meta))

    @v_args(meta=True)
    def require_consent(self, meta: Meta, children: list[Any]) -> ast.RequireConsent:
        kind, channels = children
        return ast.RequireConsent(self.ident(kind), channels, span=self.span(meta))

    @v_args(meta=True)
    def waiting_period(self, meta: Meta, children: list[Any]) -> ast.WaitingPeriod:
        duration, event, action = children
        return ast.WaitingPeriod(duration, self.ident(event), self.ident(action), span=self.span(meta))

    @v_args(meta=True)
    def forbid_action(self, meta: Meta, children: list[Any]) -> ast.ForbidAction:
        action, condition = children
        return ast.ForbidAction(self.ident(action), condition, span=self.span(meta))

    @v_args(meta=True)
    def obligation(self, meta: Meta, children: list[Any]) -> ast.Obligation:
        action, duration, event = children
        return ast.Obligation(self.ident(action), duration, self.ident(event), span=self.span(meta))

    @v_args(meta=True)
    def prior_notice(self, meta: Meta, children: list[Any]) -> ast.PriorNotice:
        template, duration, action = children
        return ast.PriorNotice(unescape(str(template)), duration, self.ident(action), span=self.span(meta))
