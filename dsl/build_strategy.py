"""Assemble strategies and policy packs from their parsed clauses.

Header clauses may come in any order; a clause that may appear once and appears twice is
reported here, at the second occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lark import Token

from dsl import ast
from dsl.build import TreeBuilder, unescape
from dsl.diagnostics import error
from dsl.source import Span


@dataclass(frozen=True)
class Clause:
    """A header clause before it is placed into its strategy or rule: a field name and value."""

    field: str
    value: Any
    node: ast.Node


class StrategyBuilder(TreeBuilder):
    """Builds strategies on top of the value and condition builders."""

    def start(self, span: Span, children: list[Any]) -> ast.Program:
        return children[0]

    # ------------------------------------------------------------ strategy header

    def clause(self, span: Span, field: str, value: Any) -> Clause:
        return Clause(field, value, ast.Ident(field, span=span))

    def description(self, span: Span, children: list[Token]) -> Clause:
        (token,) = children
        return self.clause(span, "description", ast.StringLit(unescape(str(token)), span=self.token_span(token)))

    def organization(self, span: Span, children: list[Token]) -> Clause:
        return self.clause(span, "organization", self.ident(children[0]))

    def jurisdictions(self, span: Span, children: list[Any]) -> Clause:
        return self.clause(span, "jurisdictions", children[0])

    def audience(self, span: Span, children: list[Any]) -> Clause:
        return self.clause(span, "audience", children[0])

    def languages(self, span: Span, children: list[Any]) -> Clause:
        return self.clause(span, "languages", children[0])

    def tone_clause(self, span: Span, children: list[Token]) -> Clause:
        return self.clause(span, "tone", self.ident(children[0]))

    def segment(self, span: Span, children: list[Any]) -> ast.Segment:
        name, condition = children
        return ast.Segment(str(name), condition, span=span)

    def stop_when(self, span: Span, children: list[Any]) -> ast.StopWhen:
        return ast.StopWhen(children[0], span=span)

    def strategy(self, span: Span, children: list[Any]) -> ast.Strategy:
        name, version, *items = children
        fields: dict[str, Any] = {}
        groups: dict[str, list[Any]] = {"segments": [], "steps": [], "handlers": [], "stops": []}
        group_of = {ast.Segment: "segments", ast.Step: "steps", ast.Handler: "handlers", ast.StopWhen: "stops"}
        for item in items:
            if isinstance(item, Clause):
                self.place_once(fields, item)
            else:
                groups[group_of[type(item)]].append(item)
        return ast.Strategy(
            unescape(str(name)),
            self.whole(version),
            **fields,
            **{key: tuple(value) for key, value in groups.items()},
            span=span,
        )

    def place_once(self, fields: dict[str, Any], item: Clause) -> None:
        if item.field in fields:
            self.diagnostics.append(
                error(
                    "DUPLICATE",
                    item.node.span,
                    f"`{item.field}` is given twice",
                    f"keep one `{item.field}` line; the first one is used",
                )
            )
            return
        fields[item.field] = item.value

    # ------------------------------------------------------------ steps and handlers

    def on_day(self, span: Span, children: list[Token]) -> ast.OnDay:
        return ast.OnDay(self.whole(children[0]), span=span)

    def every(self, span: Span, children: list[Any]) -> ast.Every:
        interval, start, end = children
        return ast.Every(interval, self.whole(start), self.whole(end), span=span)

    def at_most(self, span: Span, children: list[Token]) -> ast.AtMost:
        return ast.AtMost(self.whole(children[0]), span=span)

    def window_clause(self, span: Span, children: list[Token]) -> ast.TimeWindow:
        return ast.TimeWindow(self.window_value(children[0]), span=span)

    def best_time_clause(self, span: Span, children: list[Token]) -> ast.TimeWindow:
        return ast.TimeWindow(self.window_value(children[0]), best_time=True, span=span)

    def when_guard(self, span: Span, children: list[Any]) -> ast.Guard:
        return ast.Guard(children[0], span=span)

    def unless_guard(self, span: Span, children: list[Any]) -> ast.Guard:
        return ast.Guard(children[0], negated=True, span=span)

    def after_delay(self, span: Span, children: list[Any]) -> ast.Duration:
        return children[0]

    def options(self, options: list[Any], allowed: dict[type, str]) -> dict[str, Any]:
        placed: dict[str, Any] = {}
        for option in options:
            key = allowed[type(option)]
            if key in placed:
                self.diagnostics.append(
                    error("DUPLICATE", option.span, "this option is given twice", "keep one of them")
                )
                continue
            placed[key] = option
        return placed

    def step(self, span: Span, children: list[Any]) -> ast.Step:
        name, schedule, *rest = children
        options = [c for c in rest if isinstance(c, (ast.AtMost, ast.TimeWindow, ast.Guard))]
        body = tuple(c for c in rest if not isinstance(c, (ast.AtMost, ast.TimeWindow, ast.Guard)))
        placed = self.options(options, {ast.AtMost: "at_most", ast.TimeWindow: "window", ast.Guard: "guard"})
        return ast.Step(unescape(str(name)), schedule, body, **placed, span=span)

    def handler(self, span: Span, children: list[Any]) -> ast.Handler:
        event, *rest = children
        options = [c for c in rest if isinstance(c, (ast.AtMost, ast.Duration, ast.Guard))]
        body = tuple(c for c in rest if not isinstance(c, (ast.AtMost, ast.Duration, ast.Guard)))
        placed = self.options(options, {ast.AtMost: "at_most", ast.Duration: "delay", ast.Guard: "guard"})
        return ast.Handler(self.ident(event), body, **placed, span=span)

    def branch(self, span: Span, children: list[Any]) -> ast.Branch:
        condition, *body = children
        otherwise: tuple[Any, ...] = ()
        if body and isinstance(body[-1], tuple):
            otherwise = body.pop()
        return ast.Branch(condition, tuple(body), otherwise, span=span)

    def otherwise(self, span: Span, children: list[Any]) -> tuple[Any, ...]:
        return tuple(children)

    # ------------------------------------------------------------ actions

    def tone_option(self, span: Span, children: list[Token]) -> str:
        return str(children[0])

    def priority(self, span: Span, children: list[Token]) -> str:
        return str(children[0])

    def send(self, span: Span, children: list[Any]) -> ast.Send:
        channel, template, *tone = children
        return ast.Send(str(channel), unescape(str(template)), tone[0] if tone else None, span=span)

    def call(self, span: Span, children: list[Any]) -> ast.Call:
        script, *tone = children
        return ast.Call(unescape(str(script)), tone[0] if tone else None, span=span)

    def plan_param(self, span: Span, children: list[Any]) -> ast.PlanParam:
        name, value = children
        return ast.PlanParam(str(name), value, span=span)

    def offer(self, span: Span, children: list[Any]) -> ast.OfferPlan:
        kind, *params = children
        return ast.OfferPlan(str(kind), tuple(params), span=span)

    def handoff(self, span: Span, children: list[Any]) -> ast.Handoff:
        queue, *priority = children
        return ast.Handoff(unescape(str(queue)), priority[0] if priority else None, span=span)

    def screen(self, span: Span, children: list[Token]) -> ast.Screen:
        return ast.Screen(str(children[0]), span=span)

    def pause(self, span: Span, children: list[Any]) -> ast.Pause:
        return ast.Pause(children[0], span=span)

    def escalate(self, span: Span, children: list[Token]) -> ast.Escalate:
        return ast.Escalate(str(children[0]), span=span)

    def stop_action(self, span: Span, children: list[Token]) -> ast.StopAction:
        return ast.StopAction(str(children[0]) if children else None, span=span)
