"""Which combinations of conditions can hold for one account, decided by z3, with a concrete witness.

The model of an account over time, chosen to keep the schedule checks sound:
- The audience holds when the account is placed (day 0); the strategy's facts are read afresh each
  time a step or handler runs, because scores, intents, states and balances change between runs.
  Each run ("evaluation") gets its own copy of those facts, so two steps guarded `when hardship`
  and `unless hardship` can both act on one account (on different runs), while the branches of one
  `when … otherwise` in one run stay exclusive.
- A few facts never change for an account (`STABLE`: its original balance, its jurisdiction), so
  the audience bounds them on every run. Day counters (`DAY_COUNTERS`) grow by one a day: a run on
  day N sees the placement value plus N, so `audience days_since_first_statement >= 400` still
  bounds every later run.
- A fact may be missing; like the engine, a comparison with a missing fact is false (so `x >= 1`
  and `x < 1` can both be false, and their negations both true).
- A run that acts happens while no `stop when` condition holds: the strategy has not ended. The
  stop conditions are assumed false only for the run being asked about (never true elsewhere),
  which can only admit more runs, never fewer.
- A state's rule is asked about only the accounts in its state: `scenario_of(ctx, rule)` adds
  that the account's jurisdiction is one of the strategy's listed codes the rule reaches (a
  `US-NY` rule reaches a listed `US-NY-NYC`, `dsl.checks.context`), so a strategy that keeps
  Massachusetts out of a step is not held to 940 CMR there.
Types come from `dsl.schema`; a name it does not know is a free value (a yes/no in a condition,
a number or text next to one), so a strategy with a typo is checked, never crashed on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import z3

from dsl import ast, schema
from dsl.checks.context import ApplicableRule, CheckContext
from dsl.checks.encoding import (
    Encoder,
    at_least_constraint,
    linked_facts,
    mentioned_names,
    range_constraints,
    render,
    z3_sort,
)
from dsl.resolve_limits import nodes

STABLE = frozenset({"original_balance", "jurisdiction"})
DAY_COUNTERS = frozenset({"days_past_due", "days_since_first_statement"})
PLACEMENT = "p"


@dataclass(frozen=True)
class Evaluation:
    """One run of a step or handler: the conditions that must hold, its day (None: any day), a label."""

    conditions: tuple[ast.Expr, ...]
    day: int | None = None
    label: str = ""


@dataclass(frozen=True)
class Assignment:
    """The account facts of a counterexample: (name, value as a compliance officer reads it)."""

    facts: tuple[tuple[str, str], ...]

    def as_dict(self) -> dict[str, str]:
        """The facts as a mapping."""
        return dict(self.facts)


@dataclass(frozen=True)
class Choice:
    """One way a run may go in a `Scenario.select` query: its conditions and what it is worth."""

    conditions: tuple[ast.Expr, ...]
    weight: int


@dataclass(frozen=True)
class Slot:
    """A run that may happen in a `select` query: its options (at most one is taken), day and group."""

    choices: tuple[Choice, ...]
    day: int | None
    group: str
    label: str = ""
    copy: str = ""  # a name for this run's copy of the facts, unique within a question; reused across questions


@dataclass(frozen=True)
class Selection:
    """The answer of `select`: the option taken in each slot (None: the run does not act), and facts."""

    taken: tuple[int | None, ...]
    assignment: Assignment
    decided: bool = True  # False: z3 ran out of time, so nothing is proven either way


class Scenario:
    """The facts of accounts a strategy's audience admits, and questions about them, answered by z3.

    One scenario per strategy; answers are cached per condition set, so asking again is free.
    """

    def __init__(
        self, strategy: ast.Strategy, timeout_ms: int = 5000, jurisdictions: tuple[str, ...] | None = None
    ) -> None:
        self.strategy = strategy
        self.jurisdictions = jurisdictions
        self.segments: dict[str, ast.Expr] = {s.name: s.condition for s in strategy.segments}
        self.timeout_ms = timeout_ms
        self.side: list[z3.BoolRef] = []
        self.variables: dict[tuple[str, str], tuple[z3.BoolRef, z3.ExprRef, schema.Kind | None]] = {}
        self.cache: dict[tuple[Any, ...], Assignment | None] = {}
        self.base: z3.Solver | None = None
        self.encoded: dict[tuple[ast.Expr, str, int | None], z3.BoolRef] = {}
        self.side_added = 0
        self.linked: set[tuple[str, str, str]] = set()
        self.audience = Encoder(self, PLACEMENT, 0).condition(strategy.audience) if strategy.audience else None
        if jurisdictions is not None:
            inside = self.inside(jurisdictions)
            self.audience = inside if self.audience is None else z3.And(self.audience, inside)
        self.audience_names = mentioned_names([strategy.audience] if strategy.audience else [], self.segments)

    # ------------------------------------------------------------ facts as z3 terms

    def inside(self, jurisdictions: tuple[str, ...]) -> z3.BoolRef:
        """The account's jurisdiction is known and is one of these codes (the strategy's own, as listed)."""
        known, value = self.fact_term("jurisdiction", "text", PLACEMENT, 0)
        return z3.And(known, z3.Or(*[value == z3.StringVal(j) for j in jurisdictions] or [z3.BoolVal(False)]))

    def variable(self, name: str, kind: schema.Kind | None, sort: str, copy: str) -> tuple[z3.BoolRef, z3.ExprRef]:
        """The (is known, value) pair of one fact on one copy, created with its range on first use."""
        key = (name if kind is not None else f"{name}:{sort}", copy)
        if key not in self.variables:
            label = f"{key[0]}@{copy}"
            known = z3.Bool(f"known:{label}")
            value = z3.Const(label, z3_sort(kind, sort))
            self.variables[key] = (known, value, kind)
            self.side.extend(range_constraints(name, kind, known, value))
        known, value, _ = self.variables[key]
        return known, value

    def fact_term(self, name: str, sort: str, copy: str, day: int | z3.ArithRef) -> tuple[z3.BoolRef, z3.ExprRef]:
        """(is known, value) of fact `name` on run `copy` of day `day`, following the stability model."""
        row = schema.fact(name)
        kind = row.kind if row is not None else None
        if name in STABLE:
            return self.variable(name, kind, sort, "")
        self.link(name, sort, copy, day)
        if name in DAY_COUNTERS and copy != PLACEMENT:
            base_known, base = self.variable(name, kind, sort, PLACEMENT)
            later_known, later = self.variable(name, kind, sort, copy)
            # Known at placement: it has grown by `day`. Unknown then: it may be learned with any value.
            return z3.Or(base_known, later_known), z3.If(base_known, base + day, later)
        return self.variable(name, kind, sort, copy)

    def link(self, name: str, sort: str, copy: str, day: int | z3.ArithRef) -> None:
        """Relate a fact to those it is never below (`AT_LEAST`) on this run, once per run and day."""
        for big, small in linked_facts(name):
            key = (big, copy, str(day))
            if key in self.linked:
                continue
            self.linked.add(key)
            self.side.append(
                at_least_constraint(self.fact_term(big, sort, copy, day), self.fact_term(small, sort, copy, day))
            )

    def atom(self, label: str, copy: str) -> z3.BoolRef:
        """A free yes/no standing for something that cannot be read (a segment defined through itself)."""
        return self.variable(label, None, "bool", copy)[1]

    # ------------------------------------------------------------ queries

    def run_formula(self, conditions: Sequence[ast.Expr], copy: str, day: int | None, acting: bool) -> z3.BoolRef:
        """The formula of one run: its conditions hold and, when it acts, no stop condition does."""
        day_term: int | z3.ArithRef = day if day is not None else z3.Int(f"day@{copy}")
        encoder = Encoder(self, copy, day_term)
        parts = [encoder.condition(c) for c in conditions]
        if acting:
            parts.extend(z3.Not(encoder.condition(stop.condition)) for stop in self.strategy.stops)
        if day is None:
            parts.append(day_term >= 0)
        return z3.And(*parts) if parts else z3.BoolVal(True)

    def solve(self, formulas: Sequence[z3.BoolRef], timeout_ms: int | None = None) -> z3.ModelRef | bool | None:
        """A model of the formulas with the audience and ranges; None when impossible; True when z3 gave up.

        One incremental solver holds the audience and every fact's range; each question is a
        push/pop on top of it, which is several times cheaper than a fresh solver per question.
        """
        if self.base is None:
            self.base = z3.SimpleSolver()
            self.base.set("timeout", self.timeout_ms)
            if self.audience is not None:
                self.base.add(self.audience)
        # INVARIANT: range constraints only speak of facts that are known, so they hold in every question.
        self.base.add(*self.side[self.side_added :])
        self.side_added = len(self.side)
        self.base.push()
        try:
            self.base.set("timeout", timeout_ms or self.timeout_ms)
            self.base.add(*formulas)
            verdict = self.base.check()
            if verdict == z3.unsat:
                return None
            if verdict == z3.unknown:
                return True  # sound: what we cannot refute, we treat as possible
            return self.base.model()
        finally:
            self.base.pop()

    def satisfiable(
        self, conditions: Sequence[ast.Expr], day: int | None = None, acting: bool = True
    ) -> Assignment | None:
        """Facts of an account for which all `conditions` hold on one run (on `day`), or None.

        `acting` adds that the strategy has not stopped (no `stop when` condition holds).
        """
        key = ("one", tuple(conditions), day, acting)
        if key not in self.cache:
            formula = self.run_formula(conditions, "e", day, acting)
            model = self.solve([formula])
            self.cache[key] = None if model is None else self.assignment(model, [(conditions, "e", day, "")])
        return self.cache[key]

    def exclusive(self, a: ast.Expr, b: ast.Expr, day: int | None = None) -> bool:
        """Whether `a` and `b` can never hold together on one run."""
        return self.satisfiable((a, b), day, acting=False) is None

    def jointly(self, evaluations: Sequence[Evaluation], shared: bool = False) -> Assignment | None:
        """Facts under which every run in `evaluations` can act, or None.

        Each run reads its own copy of the changing facts, unless `shared` asks for one copy for all
        (a simpler counterexample: the same account facts throughout).
        """
        key = ("joint", tuple(evaluations), shared)
        if key not in self.cache:
            runs = [(e.conditions, "s" if shared else f"r{i}", e.day, e.label) for i, e in enumerate(evaluations)]
            model = self.solve([self.run_formula(c, copy, day, True) for c, copy, day, _ in runs])
            self.cache[key] = None if model is None else self.assignment(model, runs, shared)
        return self.cache[key]

    def select(
        self, slots: Sequence[Slot], limits: dict[str, int], at_least: int, timeout_ms: int | None = None
    ) -> Selection | None:
        """Choose at most one option per slot, at most `limits[group]` acting slots per group, weights ≥ `at_least`.

        This is the exact question behind a frequency cap once facts that never change (or day
        counters) tie runs together; None when no account can reach `at_least`.
        """
        picks: list[list[z3.BoolRef]] = []
        formulas: list[z3.BoolRef] = []
        weighted: list[tuple[z3.BoolRef, int]] = []
        for i, slot in enumerate(slots):
            row = [z3.Bool(f"take{i}_{j}") for j in range(len(slot.choices))]
            picks.append(row)
            if len(row) > 1:
                formulas.append(z3.AtMost(*row, 1))
            for flag, choice in zip(row, slot.choices, strict=True):
                formulas.append(
                    z3.Implies(flag, self.run_formula(choice.conditions, slot.copy or f"r{i}", slot.day, True))
                )
                weighted.append((flag, choice.weight))
        for group, limit in limits.items():
            acting = [z3.Or(*picks[i]) for i, s in enumerate(slots) if s.group == group and picks[i]]
            if len(acting) > limit:
                formulas.append(z3.PbLe([(a, 1) for a in acting], limit))
        if not weighted:
            return None
        formulas.append(z3.PbGe(weighted, at_least))
        model = self.solve(formulas, timeout_ms)
        if model is None:
            return None
        if model is True:
            return Selection(tuple(0 if s.choices else None for s in slots), Assignment(()), decided=False)
        taken = tuple(next((j for j, f in enumerate(row) if z3.is_true(model.eval(f))), None) for row in picks)
        runs = [
            (slot.choices[j].conditions, slot.copy or f"r{i}", slot.day, slot.label)
            for i, (slot, j) in enumerate(zip(slots, taken, strict=True))
            if j is not None
        ]
        return Selection(taken, self.assignment(model, runs))

    # ------------------------------------------------------------ counterexample facts

    def assignment(
        self, model: z3.ModelRef | bool, runs: Sequence[tuple[Any, str, int | None, str]], shared: bool = True
    ) -> Assignment:
        """The facts a compliance officer needs to see: audience values, then each run's facts and segments."""
        if model is True:
            return Assignment(())
        facts: dict[str, str] = {}
        for name in sorted(self.audience_names - set(self.segments)):
            self.show(model, facts, name, name if name in STABLE else f"{name} at placement", PLACEMENT, 0)
        several = len({copy for _, copy, _, _ in runs}) > 1 and not shared
        for conditions, copy, day, label in runs:
            names = mentioned_names(conditions, self.segments)
            suffix = f" ({label})" if several and label else ""
            for name in sorted(names):
                if name in self.segments:
                    held = z3.is_true(model.eval(Encoder(self, copy, day or 0).segment(name), model_completion=True))
                    facts.setdefault(f"{name}{suffix}", "true" if held else "false")
                elif name not in STABLE or name not in facts:
                    self.show(model, facts, name, f"{name}{suffix}", copy, day or 0)
        return Assignment(tuple(facts.items()))

    def show(self, model: z3.ModelRef, facts: dict[str, str], name: str, title: str, copy: str, day: int) -> None:
        """Put one fact's value on one run into `facts`, as text."""
        if title in facts:
            return
        row = schema.fact(name)
        sort = "real"
        if row is None:
            used = [s for s in ("bool", "real", "text") if (f"{name}:{s}", copy) in self.variables]
            sort = used[0] if used else "bool"
        known, value = self.fact_term(name, sort, copy, day)
        if not z3.is_true(model.eval(known, model_completion=True)):
            facts[title] = "not known"
            return
        facts[title] = render(model.eval(value, model_completion=True), row.kind if row else None)


def satisfiable(conditions: Sequence[ast.Expr], strategy: ast.Strategy, day: int | None = None) -> Assignment | None:
    """Facts of an account the audience admits for which `conditions` hold on a run that acts, or None."""
    return Scenario(strategy).satisfiable(conditions, day)


def exclusive(a: ast.Expr, b: ast.Expr, strategy: ast.Strategy) -> bool:
    """Whether two conditions can never hold together on one run of `strategy`."""
    return Scenario(strategy).exclusive(a, b)


def scenario_of(ctx: CheckContext, rule: ApplicableRule | None = None) -> Scenario:
    """The scenario of the context's strategy, built once per check run and shared by every pass.

    With a `rule` whose pack or rule names jurisdictions, the scenario of the accounts in the
    jurisdictions it reaches (one per set of jurisdictions, shared by the rules of one state).
    """
    reached = reached_by(rule)
    if reached and not reads_jurisdiction(ctx):
        reached = None  # nothing reads the jurisdiction: its constraint cannot change an answer
    key = "scenario" if reached is None else f"scenario:{','.join(reached)}"
    scenario = ctx.extras.get(key)
    if not isinstance(scenario, Scenario) or scenario.strategy is not ctx.strategy:
        scenario = Scenario(ctx.strategy, jurisdictions=reached)
        ctx.extras[key] = scenario
    return scenario


def reads_jurisdiction(ctx: CheckContext) -> bool:
    """Whether any condition of the strategy reads `jurisdiction` (answered once per check run)."""
    if "reads-jurisdiction" not in ctx.extras:
        ctx.extras["reads-jurisdiction"] = any(
            isinstance(node, ast.Name) and node.path == "jurisdiction" for node in nodes(ctx.strategy)
        )
    return bool(ctx.extras["reads-jurisdiction"])


def reached_by(rule: ApplicableRule | None) -> tuple[str, ...] | None:
    """The strategy jurisdictions a state rule reaches; None for a rule that names no jurisdiction."""
    if rule is None:
        return None
    applies = rule.rule.applies or rule.policy.applies
    if applies is None or not applies.jurisdictions:
        return None
    return tuple(sorted(rule.jurisdictions))
