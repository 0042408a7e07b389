"""The z3 schedule checker agrees with the brute-force reference on random small strategies.

Strategies are built from syntax nodes directly: steps on a day or repeating, with guards, `at
most`, and `when … otherwise` branches; handlers with and without `at most`; an audience, a
segment and stop conditions over facts that change (states, intents, a score) and facts that never
do (the original balance, the jurisdiction). Conditions are evaluated by the engine's reference
evaluator, so the z3 encoding is checked against the engine's own reading of a condition.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl import ast
from dsl.checks import reference, solver
from dsl.checks.counting import Counter, counted_channels
from engine.reference import holds

ATOMS: tuple[ast.Expr, ...] = (
    ast.Name("paid"),
    ast.Name("intent.hardship"),
    ast.Name("consent.sms"),
    ast.Compare(">=", ast.Name("score.distress"), ast.NumberLit(Decimal("0.7"))),
    ast.Compare("<", ast.Name("score.distress"), ast.NumberLit(Decimal("0.5"))),
    ast.Compare(">=", ast.Name("original_balance"), ast.MoneyLit(Decimal(600))),
    ast.Compare("==", ast.Name("jurisdiction"), ast.StringLit("US-MA")),
)
DOMAINS: dict[str, list[object]] = {
    "paid": [None, False, True],
    "intent.hardship": [None, False, True],
    "consent.sms": [None, False, True],
    "score.distress": [None, Decimal("0.3"), Decimal("0.6"), Decimal("0.8")],
    "original_balance": [None, Decimal(500), Decimal(700)],
    "jurisdiction": [None, "US-MA", "US-TX"],
}


def conditions(with_segment: bool) -> st.SearchStrategy[ast.Expr]:
    atoms = st.sampled_from((*ATOMS, ast.Name("seg")) if with_segment else ATOMS)
    return st.recursive(
        atoms,
        lambda inner: st.one_of(
            inner.map(ast.Not),
            st.tuples(inner, inner).map(ast.And),
            st.tuples(inner, inner).map(ast.Or),
        ),
        max_leaves=3,
    )


ACTIONS = st.one_of(
    st.just(ast.Call("script")),
    st.sampled_from(["sms", "voicemail", "email"]).map(lambda c: ast.Send(c, "template")),
)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[ast.Stmt, ...]:
    stmts: list[ast.Stmt] = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            stmts.append(draw(ACTIONS))
        else:
            then = tuple(draw(st.lists(ACTIONS, min_size=1, max_size=2)))
            otherwise = tuple(draw(st.lists(ACTIONS, max_size=2)))
            stmts.append(ast.Branch(draw(conditions(True)), then, otherwise))
    return tuple(stmts)


@st.composite
def guards(draw: st.DrawFn) -> ast.Guard | None:
    if draw(st.booleans()):
        return None
    return ast.Guard(draw(conditions(True)), negated=draw(st.booleans()))


@st.composite
def steps(draw: st.DrawFn) -> ast.Step:
    if draw(st.booleans()):
        schedule: ast.Schedule = ast.OnDay(draw(st.integers(0, 10)))
    else:
        start = draw(st.integers(0, 6))
        interval = ast.Duration(draw(st.integers(1, 3)), "day")
        schedule = ast.Every(interval, start, start + draw(st.integers(0, 10)))
    at_most = draw(st.one_of(st.none(), st.integers(1, 4).map(ast.AtMost)))
    return ast.Step("s", schedule, draw(bodies()), guard=draw(guards()), at_most=at_most)


@st.composite
def handlers(draw: st.DrawFn) -> ast.Handler:
    at_most = draw(st.one_of(st.none(), st.integers(1, 3).map(ast.AtMost)))
    event = ast.Ident(draw(st.sampled_from(["reply", "conversation"])))
    return ast.Handler(event, draw(bodies()), guard=draw(guards()), at_most=at_most)


@st.composite
def strategies(draw: st.DrawFn) -> ast.Strategy:
    return ast.Strategy(
        "random",
        1,
        audience=draw(st.one_of(st.none(), conditions(False))),
        segments=(ast.Segment("seg", draw(conditions(False))),),
        steps=tuple(draw(st.lists(steps(), min_size=1, max_size=3))),
        handlers=tuple(draw(st.lists(handlers(), max_size=2))),
        stops=tuple(ast.StopWhen(c) for c in draw(st.lists(conditions(False), max_size=1))),
    )


CAPS = st.tuples(
    st.sampled_from([("call",), ("call", "sms"), ("contact",)]),
    st.integers(1, 8),
    st.sampled_from([1, 3, 7]),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies(), CAPS)
def test_z3_checker_and_brute_force_find_the_same_violations(strategy: ast.Strategy, cap: tuple) -> None:
    words, limit, days = cap
    channels = counted_channels(tuple(ast.Ident(w) for w in words))
    counts = channels.__contains__
    expected = reference.max_contacts(strategy, counts, days, DOMAINS, holds)
    worst = Counter(strategy, solver.Scenario(strategy), counts).worst(days, limit)
    if expected is None:
        assert worst is not None and worst.unbounded is not None
    elif expected > limit:
        assert worst is not None and worst.unbounded is None
        assert limit < worst.count <= expected
        assert len(worst.contacts) == worst.count
    else:
        assert worst is None, (expected, worst.count)


@settings(max_examples=50, deadline=None)
@given(strategies(), st.sampled_from([1, 7]))
def test_the_most_found_is_the_reference_maximum(strategy: ast.Strategy, days: int) -> None:
    counts = counted_channels((ast.Ident("contact"),)).__contains__
    expected = reference.max_contacts(strategy, counts, days, DOMAINS, holds)
    worst = Counter(strategy, solver.Scenario(strategy), counts).worst(days, 0)
    if expected is None:
        assert worst is not None and worst.unbounded is not None
    elif expected == 0:
        assert worst is None
    else:
        # With no cap to stop at, the worst window found is the one with the most contacts.
        assert worst is not None and worst.count == expected
