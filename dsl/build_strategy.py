"""Assemble strategies and policy packs from their parsed clauses.

Header clauses may come in any order; a clause that may appear once and appears twice is
reported here, at the second occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lark import Token, v_args
from lark.tree import Meta

from dsl import ast
from dsl.build import TreeBuilder, unescape
from dsl.diagnostics import error


@dataclass(frozen=True)
class Clause:
    """A header clause before it is placed into its strategy or rule: a field name and value."""

    field: str
    value: Any
    node: ast.Node


class StrategyBuilder(TreeBuilder):
    """Builds strategies on top of the value and condition builders."""

    def start(self, children: list[Any]) -> ast.Program:
        return children[0]

    # ------------------------------------------------------------ strategy header

    def clause(self, meta: Meta, field: str, value: Any) -> Clause:
        return Clause(field, value, ast.Ident(field, span=self.span(meta)))

    @v_args(meta=True)
    def description(self, meta: Meta, children: list[Token]) -> Clause:
        return self.clause(meta, "description", self.string(children))

    @v_args(meta=True)
    def organization(self, meta: Meta, children: list[Token]) -> Clause:
        return self.clause(meta, "organization", self.ident(children[0]))

    @v_args(meta=True)
    def jurisdictions(self, meta: Meta, children: list[Any]) -> Clause:
        return self.clause(meta, "jurisdictions", children[0])

    @v_args(meta=True)
    def audience(self, meta: Meta, children: list[Any]) -> Clause:
        return self.clause(meta, "audience", children[0])

    @v_args(meta=True)
    def languages(self, meta: Meta, children: list[Any]) -> Clause:
        return self.clause(meta, "languages", children[0])

    @v_args(meta=True)
    def tone_clause(self, meta: Meta, children: list[Token]) -> Clause:
        return self.clause(meta, "tone", self.ident(children[0]))

    @v_args(meta=True)
    def segment(self, meta: Meta, children: list[Any]) -> ast.Segment:
        name, condition = children
        return ast.Segment(str(name), condition, span=self.span(meta))

    @v_args(meta=True)
    def stop_when(self, meta: Meta, children: list[Any]) -> ast.StopWhen:
        return ast.StopWhen(children[0], span=self.span(meta))

    @v_args(meta=True)
    def strategy(self, meta: Meta, children: list[Any]) -> ast.Strategy:
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
            int(str(version)),
            **fields,
            **{key: tuple(value) for key, value in groups.items()},
            span=self.span(meta),
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

    @v_args(meta=True)
    def on_day(self, meta: Meta, children: list[Token]) -> ast.OnDay:
        return ast.OnDay(int(str(children[0])), span=self.span(meta))

    @v_args(meta=True)
    def every(self, meta: Meta, children: list[Any]) -> ast.Every:
        interval, start, end = children
        return ast.Every(interval, int(str(start)), int(str(end)), span=self.span(meta))

    @v_args(meta=True)
    def at_most(self, meta: Meta, children: list[Token]) -> ast.AtMost:
        return ast.AtMost(int(str(children[0])), span=self.span(meta))

    @v_args(meta=True)
    def window_clause(self, meta: Meta, children: list[Token]) -> ast.TimeWindow:
        return ast.TimeWindow(self.window_value(children[0]), span=self.span(meta))

    @v_args(meta=True)
    def best_time_clause(self, meta: Meta, children: list[Token]) -> ast.TimeWindow:
        return ast.TimeWindow(self.window_value(children[0]), best_time=True, span=self.span(meta))

    @v_args(meta=True)
    def when_guard(self, meta: Meta, children: list[Any]) -> ast.Guard:
        return ast.Guard(children[0], span=self.span(meta))

    @v_args(meta=True)
    def unless_guard(self, meta: Meta, children: list[Any]) -> ast.Guard:
        return ast.Guard(children[0], negated=True, span=self.span(meta))

    @v_args(meta=True)
    def after_delay(self, meta: Meta, children: list[Any]) -> ast.Duration:
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

    @v_args(meta=True)
    def step(self, meta: Meta, children: list[Any]) -> ast.Step:
        name, schedule, *rest = children
        options = [c for c in rest if isinstance(c, (ast.AtMost, ast.TimeWindow, ast.Guard))]
        body = tuple(c for c in rest if not isinstance(c, (ast.AtMost, ast.TimeWindow, ast.Guard)))
        placed = self.options(options, {ast.AtMost: "at_most", ast.TimeWindow: "window", ast.Guard: "guard"})
        return ast.Step(unescape(str(name)), schedule, body, **placed, span=self.span(meta))

    @v_args(meta=True)
    def handler(self, meta: Meta, children: list[Any]) -> ast.Handler:
        event, *rest = children
        options = [c for c in rest if isinstance(c, (ast.AtMost, ast.Duration, ast.Guard))]
        body = tuple(c for c in rest if not isinstance(c, (ast.AtMost, ast.Duration, ast.Guard)))
        placed = self.options(options, {ast.AtMost: "at_most", ast.Duration: "delay", ast.Guard: "guard"})
        return ast.Handler(self.ident(event), body, **placed, span=self.span(meta))

    @v_args(meta=True)
    def branch(self, meta: Meta, children: list[Any]) -> ast.Branch:
        condition, *body = children
        otherwise: tuple[Any, ...] = ()
        if body and isinstance(body[-1], tuple):
            otherwise = body.pop()
        return ast.Branch(condition, tuple(body), otherwise, span=self.span(meta))

    def otherwise(self, children: list[Any]) -> tuple[Any, ...]:
        return tuple(children)

    # ------------------------------------------------------------ actions

    def tone_option(self, children: list[Token]) -> str:
        return str(children[0])

    def priority(self, children: list[Token]) -> str:
        return str(children[0])

    @v_args(meta=True)
    def send(self, meta: Meta, children: list[Any]) -> ast.Send:
        channel, template, *tone = children
        return ast.Send(str(channel), unescape(str(template)), tone[0] if tone else None, span=self.span(meta))

    @v_args(meta=True)
    def call(self, meta: Meta, children: list[Any]) -> ast.Call:
        script, *tone = children
        return ast.Call(unescape(str(script)), tone[0] if tone else None, span=self.span(meta))

    @v_args(meta=True)
    def plan_param(self, meta: Meta, children: list[Any]) -> ast.PlanParam:
        name, value = children
        return ast.PlanParam(str(name), value, span=self.span(meta))

    @v_args(meta=True)
    def offer(self, meta: Meta, children: list[Any]) -> ast.OfferPlan:
        kind, *params = children
        return ast.OfferPlan(str(kind), tuple(params), span=self.span(meta))

    @v_args(meta=True)
    def handoff(self, meta: Meta, children: list[Any]) -> ast.Handoff:
        queue, *priority = children
        return ast.Handoff(unescape(str(queue)), priority[0] if priority else None, span=self.span(meta))

    @v_args(meta=True)
    def screen(self, meta: Meta, children: list[Token]) -> ast.Screen:
        return ast.Screen(str(children[0]), span=self.span(meta))

    @v_args(meta=True)
    def pause(self, meta: Meta, children: list[Any]) -> ast.Pause:
        return ast.Pause(children[0], span=self.span(meta))

    @v_args(meta=True)
    def escalate(self, meta: Meta, children: list[Token]) -> ast.Escalate:
        return ast.Escalate(str(children[0]), span=self.span(meta))

    @v_args(meta=True)
    def stop_action(self, meta: Meta, children: list[Token]) -> ast.StopAction:
        return ast.StopAction(str(children[0]) if children else None, span=self.span(meta))
