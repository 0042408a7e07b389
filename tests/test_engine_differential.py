"""The three evaluators decide alike: a differential test over random strategies and accounts.

Strategies are random syntax trees the checker accepts: conditions are typed as `dsl.types`
demands (numbers with numbers, text with text, yes/no states on their own, values in range,
names from `dsl.schema`), actions use the words of `dsl.vocabulary`, and the structural pieces
(schedules, windows, durations, `at most`, step names) come from `tests/ast_strategies.py`.
Each tree is written out with the formatter and parsed back, so spans (and so traces) are real and
the plan's content hash is that of its text.

For each strategy one plan per evaluator is built (one durable-rules ruleset per strategy), then
many accounts × instants go through `decide` with each plan; proposals and traces must be equal.
Account facts are drawn near the strategy's own literals, so boundaries (`>=` at its value) are hit,
and some facts are missing. The hypothesis draws for accounts come from a seeded `random.Random`
per strategy: drawing ten thousand accounts through hypothesis's buffer overruns it, and a
failure still names the seed, the strategy text and the account.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass
from decimal import Decimal

from ast_strategies import at_mosts, clocks, durations, optional, schedules, texts, windows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl import ast
from dsl.check import check_text
from dsl.formatter import format_program
from dsl.schema import FACTS, ORDERED_KINDS, Fact, Kind
from dsl.types import TEXT_KINDS
from dsl.types import literal_value as number_of
from dsl.vocabulary import ESCALATE_TARGETS, EVENTS, HANDOFF_PRIORITIES, PLAN_KINDS, SEND_CHANNELS, TONES
from engine.account import Account, AccountEvent, Progress, ScoreSource
from engine.decide import CONTACT_CHANNELS, ContactRequest, Decision, GuardAnswer, decide
from engine.evaluators import EVALUATORS, build_plan
from engine.plan import Plan

STRATEGIES = 100  # random strategies, one plan per evaluator each
SITUATIONS = 105  # accounts × instants per strategy
MINIMUM_PAIRS = 10_000

BOOLEAN_FACTS = sorted(name for name, fact in FACTS.items() if fact.kind is Kind.BOOLEAN)
VALUE_FACTS = sorted(name for name, fact in FACTS.items() if fact.kind is not Kind.BOOLEAN)
LANGUAGES = ["en", "es", "vi", "zh", "ru"]
JURISDICTIONS = ["US", "US-CA", "US-TX", "US-MA", "US-NY-NYC"]
ZONES = ["America/Chicago", "America/New_York", "America/Los_Angeles", "Pacific/Honolulu", "UTC"]
WORDS: dict[Kind, list[str]] = {
    Kind.LANGUAGE: LANGUAGES,
    Kind.JURISDICTION: JURISDICTIONS,
    Kind.TIMEZONE: ZONES,
    Kind.CHANNEL: ["sms", "email", "letter", "chat", "voicemail", "call"],
    Kind.TEXT: ["a", "b"],
}


# ---------------------------------------------------------------- typed conditions


def literal(fact: Fact) -> st.SearchStrategy[ast.Expr]:
    """A written value the checker accepts beside `fact`: its kind and inside its range."""
    match fact.kind:
        case Kind.MONEY:
            return st.decimals(0, 1000, places=2).map(ast.MoneyLit)
        case Kind.DAYS:
            return st.integers(0, 400).map(Decimal).map(ast.NumberLit)
        case Kind.SCORE:
            return st.decimals(0, 1, places=2).map(ast.NumberLit)
        case Kind.NUMBER:
            return st.decimals(0, 130, places=1).map(ast.NumberLit)
        case Kind.CLOCK:
            return clocks()
    return st.sampled_from(WORDS[fact.kind]).map(ast.StringLit)


def partners(fact: Fact) -> list[str]:
    """Facts a name may be compared with: one kind, or days and plain numbers."""
    numbers = {Kind.NUMBER, Kind.DAYS}
    return [n for n, f in FACTS.items() if f.kind is fact.kind or {f.kind, fact.kind} <= numbers]


def operand(fact: Fact) -> st.SearchStrategy[ast.Expr]:
    """A value or a comparable name beside `fact`."""
    return literal(fact) | st.sampled_from(partners(fact)).map(ast.Name)


@st.composite
def atom(draw: st.DrawFn, segments: tuple[str, ...]) -> ast.Expr:
    """One typed comparison, membership, range, yes/no name or segment."""
    fact = FACTS[draw(st.sampled_from(VALUE_FACTS))]
    name = ast.Name(fact.name)
    ordered = fact.kind in ORDERED_KINDS
    shape = draw(st.sampled_from(["name", "name", "bool", "compare", "compare", "between", "in"]))
    if shape == "name":
        return ast.Name(draw(st.sampled_from([*BOOLEAN_FACTS, *segments, *segments])))
    if shape == "bool":
        return ast.BoolLit(draw(st.booleans()))
    if shape == "in" or (shape == "between" and not ordered):
        return ast.InList(name, tuple(draw(st.lists(literal(fact), min_size=1, max_size=3))))
    if shape == "between":
        low, high = draw(operand(fact)), draw(operand(fact))
        if isinstance(low, ast.Name) or isinstance(high, ast.Name):
            return ast.Between(name, low, high)
        return ast.Between(name, *sorted((low, high), key=number_of))
    op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="] if ordered else ["==", "!="]))
    other = draw(operand(fact))
    flip = draw(st.booleans()) and not isinstance(other, ast.Name)
    return ast.Compare(op, other, name) if flip else ast.Compare(op, name, other)


def conditions(segments: tuple[str, ...] = (), max_leaves: int = 5) -> st.SearchStrategy[ast.Expr]:
    """A typed condition over facts and the segments defined so far."""
    return st.recursive(
        atom(segments),
        lambda inner: st.one_of(
            st.lists(inner, min_size=2, max_size=3).map(lambda xs: ast.And(tuple(xs))),
            st.lists(inner, min_size=2, max_size=3).map(lambda xs: ast.Or(tuple(xs))),
            inner.map(ast.Not),
        ),
        max_leaves=max_leaves,
    )


# ---------------------------------------------------------------- actions, steps, strategies


def plan_offer() -> st.SearchStrategy[ast.OfferPlan]:
    """`offer plan KIND …` with parameters of the kind, each once, in range."""
    value = {
        Kind.PERCENT: st.integers(0, 100).map(Decimal).map(ast.PercentLit),
        Kind.MONEY: st.integers(0, 500).map(Decimal).map(ast.MoneyLit),
        Kind.NUMBER: st.integers(1, 120).map(Decimal).map(ast.NumberLit),
    }

    def params(kind: str) -> st.SearchStrategy[ast.OfferPlan]:
        chosen = st.lists(st.sampled_from(PLAN_KINDS[kind]), unique=True, max_size=3)
        built = chosen.flatmap(
            lambda ps: st.tuples(*(value[p.kind].map(lambda v, p=p: ast.PlanParam(p.name, v)) for p in ps))
        )
        return built.map(lambda ps: ast.OfferPlan(kind, tuple(ps)))

    return st.sampled_from(sorted(PLAN_KINDS)).flatmap(params)


def actions() -> st.SearchStrategy[ast.Action]:
    """Every action kind, with words the checker knows."""
    tones = optional(st.sampled_from(sorted(TONES)))
    return st.one_of(
        st.builds(ast.Send, st.sampled_from(sorted(SEND_CHANNELS)), st.sampled_from(["t1", "t2"]), tones),
        st.builds(ast.Call, st.just("script"), tones),
        plan_offer(),
        st.builds(ast.Handoff, st.just("billing-team"), optional(st.sampled_from(sorted(HANDOFF_PRIORITIES)))),
        st.just(ast.Screen("financial_assistance")),
        st.builds(ast.Pause, durations(min_amount=1)),
        st.builds(ast.Escalate, st.sampled_from(sorted(ESCALATE_TARGETS))),
        st.builds(ast.StopAction, optional(st.sampled_from(sorted(SEND_CHANNELS | {"call": ""})))),
    )


def bodies(segments: tuple[str, ...]) -> st.SearchStrategy[tuple[ast.Stmt, ...]]:
    """Actions and nested `when … otherwise … end` branches."""
    block = st.recursive(
        actions(),
        lambda inner: st.builds(
            ast.Branch,
            conditions(segments, 3),
            st.lists(inner, max_size=2).map(tuple),
            st.lists(inner, max_size=2).map(tuple),
        ),
        max_leaves=4,
    )
    return st.lists(block, min_size=1, max_size=3).map(tuple)


def forwards(schedule: ast.Schedule) -> ast.Schedule:
    """A schedule the checker accepts: `every` at most daily, from the earlier day to the later."""
    if isinstance(schedule, ast.OnDay):
        return schedule
    interval = schedule.interval if schedule.interval.minutes >= 1440 else ast.Duration(1, "day")
    first, last = sorted((schedule.start_day, schedule.end_day))
    return ast.Every(interval, first, last)


@st.composite
def strategies(draw: st.DrawFn) -> ast.Strategy:
    """A strategy the checker accepts, with segments that use the segments before them."""
    segment_names = draw(st.lists(st.sampled_from(["hardship", "confused", "vip", "young"]), unique=True, max_size=3))
    segments = tuple(
        ast.Segment(name, draw(conditions(tuple(segment_names[:index]), 4))) for index, name in enumerate(segment_names)
    )
    names = tuple(segment_names)
    step_list = []
    for index in range(draw(st.integers(0, 3))):
        schedule = forwards(draw(schedules()))
        step_list.append(
            ast.Step(
                f"step {index} {draw(texts())}",
                schedule,
                draw(bodies(names)),
                window=draw(optional(st.builds(ast.TimeWindow, windows(), st.booleans()))),
                guard=draw(optional(st.builds(ast.Guard, conditions(names, 4), st.booleans()))),
                at_most=None
                if isinstance(schedule, ast.OnDay)
                else draw(optional(at_mosts().filter(lambda a: a.times >= 1))),
            )
        )
    handler_list = [
        ast.Handler(
            ast.Ident(draw(st.sampled_from(["reply", "reply", *sorted(EVENTS)]))),
            draw(bodies(names)),
            guard=draw(optional(st.builds(ast.Guard, conditions(names, 4), st.just(False)))),
            delay=draw(optional(durations())),
            at_most=draw(optional(at_mosts().filter(lambda a: a.times >= 1))),
        )
        for _ in range(draw(st.integers(0, 2)))
    ]
    return ast.Strategy(
        draw(texts()),
        draw(st.integers(1, 9)),
        audience=draw(optional(conditions(names))),
        segments=segments,
        steps=tuple(step_list),
        handlers=tuple(handler_list),
        stops=tuple(ast.StopWhen(c) for c in draw(st.lists(conditions(names, 3), max_size=2))),
    )


# ---------------------------------------------------------------- accounts, instants, events

PLACED = dt.date(2026, 3, 2)
INTENTS = sorted(name for name in FACTS if name.startswith("intent."))
SENTIMENTS = sorted(name for name in FACTS if name.startswith("sentiment."))


def literals_by_kind(strategy: ast.Strategy) -> dict[type, list[object]]:
    """Every written value in the strategy's conditions, by literal type, so facts can sit on them."""
    found: dict[type, list[object]] = {}

    def walk(node: object) -> None:
        if isinstance(node, ast.MoneyLit | ast.NumberLit | ast.Clock | ast.StringLit):
            value = node.minutes if isinstance(node, ast.Clock) else getattr(node, "amount", None)
            value = node.value if value is None else value
            found.setdefault(type(node), []).append(value)
        elif isinstance(node, tuple):
            for item in node:
                walk(item)
        elif isinstance(node, ast.Node):
            for name in node.__dataclass_fields__:
                if name != "span":
                    walk(getattr(node, name))

    walk(strategy)
    return found


# Values of another kind than the fact's, as a careless feed sends them (a CSV's "180", SQLite's 1 for
# yes): the checker cannot rule these out, so every evaluator must answer for them as the reference does.
WRONG_KIND: list[object] = [0, 1, "1", "180", "true", "en", True, False, Decimal("0.5"), 2.5]


def fact_value(rng: random.Random, fact: Fact, near: dict[type, list[object]]) -> object:
    """A value for `fact`: usually its kind's type, often on or beside one of the strategy's values."""
    if rng.random() < 0.03:
        return rng.choice(WRONG_KIND)
    if fact.kind is Kind.BOOLEAN:
        return rng.choice([True, False, True, False, None])
    if rng.random() < 0.1:
        return None
    if fact.kind in TEXT_KINDS:
        return rng.choice(WORDS[fact.kind])
    pool = near.get({Kind.MONEY: ast.MoneyLit, Kind.CLOCK: ast.Clock}.get(fact.kind, ast.NumberLit), [])
    if pool and rng.random() < 0.6:
        base = Decimal(str(rng.choice(pool)))
        step = Decimal("0.01") if fact.kind in (Kind.MONEY, Kind.SCORE) else Decimal(1)
        value = base + rng.choice([-step, 0, 0, step])
    else:
        value = {
            Kind.MONEY: Decimal(rng.randint(0, 100_000)) / 100,
            Kind.SCORE: Decimal(rng.randint(0, 100)) / 100,
            Kind.NUMBER: Decimal(rng.randint(0, 1300)) / 10,
            Kind.DAYS: Decimal(rng.randint(0, 400)),
            Kind.CLOCK: Decimal(rng.randint(0, 1439)),
        }[fact.kind]
    if fact.kind in (Kind.DAYS, Kind.CLOCK) or (fact.kind is Kind.NUMBER and value == value.to_integral_value()):
        return int(value)  # the runtime hands whole numbers over as ints
    if fact.kind is Kind.SCORE and rng.random() < 0.3:
        return float(value)  # scores straight from a model
    return value


def facts_for(rng: random.Random, near: dict[type, list[object]], names: list[str]) -> dict[str, object]:
    """Facts for the names given, some missing altogether."""
    facts = {name: fact_value(rng, FACTS[name], near) for name in names}
    return {name: value for name, value in facts.items() if rng.random() > 0.05}


@dataclass(frozen=True)
class Situation:
    """One account at one instant, with the guard answering for it."""

    account: Account
    now: dt.datetime
    refuse_mornings: bool


def situation(rng: random.Random, plan: Plan, near: dict[type, list[object]]) -> Situation:
    """A random account, instant and guard for a plan, on one of its scheduled days more often than not."""
    zone = dt.UTC if rng.random() < 0.1 else None
    zone_name = rng.choice(ZONES)
    days = sorted(set().union(*(step.days for step in plan.steps))) if plan.steps else [0]
    day = rng.choice(days) if rng.random() < 0.7 else rng.randint(-2, 402)
    local = dt.datetime.combine(PLACED + dt.timedelta(days=day), dt.time(rng.randint(0, 23), rng.choice([0, 30, 59])))
    now = local.replace(tzinfo=__import__("zoneinfo").ZoneInfo(zone_name))
    if zone is not None:
        now = now.astimezone(zone)
    events = tuple(
        AccountEvent(
            f"E{index}",
            rng.choice(["reply", "reply", *sorted(EVENTS)]),
            now - dt.timedelta(minutes=rng.randint(-60, 8 * 1440)),
            facts_for(rng, near, rng.sample([*INTENTS, *SENTIMENTS], rng.randint(0, 4))),
        )
        for index in range(rng.choice([0, 0, 1, 2, 3]))
    )
    step_names = [step.name for step in plan.steps]
    handler_keys = [handler.key for handler in plan.handlers]
    progress = Progress(
        steps_acted={name: rng.randint(0, 5) for name in step_names if rng.random() < 0.3},
        last_acted_day={name: rng.choice([day, day - 1]) for name in step_names if rng.random() < 0.2},
        handled=frozenset(f"{key}|{event.event_id}" for key in handler_keys for event in events if rng.random() < 0.2),
        handler_counts={key: rng.randint(0, 3) for key in handler_keys if rng.random() < 0.3},
    )
    facts = facts_for(rng, near, sorted(FACTS))
    sources = {"score.distress": ScoreSource("distress-gbm", "1")} if "score.distress" in facts else {}
    account = Account(f"A{rng.randint(0, 10**6)}", PLACED, zone_name, facts, events, progress, sources)
    return Situation(account, now, rng.random() < 0.4)


def route(channel: str) -> str | None:
    """Each contact's point, as `engine.recipients.ledger_route` would give one (none for chat or an escalation)."""
    return f"{channel}-point" if channel in CONTACT_CHANNELS and channel != "chat" else None


def guard_for(situation: Situation):
    """Allow everything, or refuse mornings and point at noon, so the retry path runs too.

    A contact whose point did not reach the guard is refused: decide must pass it on every evaluator.
    """

    def guard(request: ContactRequest) -> GuardAnswer:
        if request.to != route(request.channel):
            return GuardAnswer(False, None, {"allowed": False})
        if situation.refuse_mornings and request.at.hour < 12:
            return GuardAnswer(False, request.at.replace(hour=12, minute=0), {"allowed": False})
        return GuardAnswer(True, None, {"allowed": True})

    return guard


def outcome(decision: Decision) -> tuple[object, ...]:
    """What must agree across evaluators: everything decide returns, the trace as JSON."""
    return (decision.day, decision.strategy_hash, decision.proposals, decision.trace.to_dict())


def disagreement(evaluator: str, text: str, case: Situation) -> str:
    """The failure in full: the strategy's text, the account's facts and events, the instant."""
    account = case.account
    events = [(e.type, e.at.isoformat(), dict(e.facts)) for e in account.events]
    return (
        f"the {evaluator} evaluator decides otherwise than the reference\n{text}\n"
        f"facts: {dict(account.facts)}\nevents: {events}\nprogress: {account.progress}\n"
        f"now: {case.now.isoformat()} ({account.timezone}), refuse mornings: {case.refuse_mornings}"
    )


# ---------------------------------------------------------------- the test


def test_three_evaluators_decide_alike() -> None:
    pairs: list[int] = []
    started = time.perf_counter()

    @settings(
        max_examples=STRATEGIES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(strategies(), st.integers(0, 2**32 - 1))
    def run(strategy: ast.Strategy, seed: int) -> None:
        text = format_program(strategy)
        checked = check_text(text, "random.parley")
        assert checked.ok, [d.message for d in checked.diagnostics if d.is_error]
        program = checked.parsed.program
        assert isinstance(program, ast.Strategy)
        plans = {evaluator: build_plan(program, text, evaluator) for evaluator in EVALUATORS}
        near = literals_by_kind(program)
        rng = random.Random(seed)
        for _ in range(SITUATIONS):
            case = situation(rng, plans["reference"], near)
            guard = guard_for(case)
            expected = outcome(decide(plans["reference"], case.account, case.now, guard, route))
            for evaluator in ("compiled", "durable"):
                got = outcome(decide(plans[evaluator], case.account, case.now, guard, route))
                assert got == expected, disagreement(evaluator, text, case)
        pairs.append(SITUATIONS)

    run()
    elapsed = time.perf_counter() - started
    print(f"{len(pairs)} strategies, {sum(pairs)} strategy × account pairs, 3 evaluators, {elapsed:.1f} s")
    assert sum(pairs) >= MINIMUM_PAIRS
