"""The compiled evaluator gives the same answer as the reference walk on every condition and fact set."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsl import ast, parse
from engine.compiled import compile_condition
from engine.reference import holds

BOOLEANS = ["paid", "disputed", "intent.hardship", "consent.sms"]
NUMBERS = ["score.distress", "balance", "days_past_due"]
SEGMENTS = {"hardship": ast.Compare(">=", ast.Name("score.distress"), ast.NumberLit(Decimal("0.7")))}

literals = st.one_of(
    st.decimals(min_value=0, max_value=500, places=2).map(ast.NumberLit),
    st.decimals(min_value=0, max_value=500, places=2).map(ast.MoneyLit),
    st.sampled_from(["en", "es"]).map(ast.StringLit),
)
numeric_names = st.sampled_from([*NUMBERS, "patient.language"]).map(ast.Name)
atoms = st.one_of(
    st.sampled_from([*BOOLEANS, "hardship"]).map(ast.Name),
    st.builds(ast.Compare, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), numeric_names, literals),
    st.builds(ast.Between, numeric_names, literals, literals),
    st.builds(ast.InList, numeric_names, st.lists(literals, max_size=3).map(tuple)),
)
conditions = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: ast.And(tuple(xs))),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: ast.Or(tuple(xs))),
        inner.map(ast.Not),
    ),
    max_leaves=12,
)
fact_sets = st.fixed_dictionaries(
    {name: st.one_of(st.none(), st.booleans()) for name in BOOLEANS}
    | {name: st.one_of(st.none(), st.decimals(min_value=0, max_value=500, places=2)) for name in NUMBERS}
    | {"patient.language": st.sampled_from(["en", "es", None])}
)


@settings(max_examples=2000, deadline=None)
@given(conditions, fact_sets)
def test_compiled_agrees_with_reference(condition: ast.Expr, facts: dict[str, object]) -> None:
    assert compile_condition(condition, SEGMENTS)(facts) == holds(condition, facts, SEGMENTS)


CASES = [
    ("balance between $100 and $250 and days_past_due >= 120", {"balance": 180, "days_past_due": 130}, True),
    ("balance between $100 and $250", {"balance": Decimal("250.00")}, True),
    ("balance between $100 and $250", {"balance": Decimal("250.01")}, False),
    ("score.distress >= 0.7 or intent.hardship", {"score.distress": 0.2, "intent.hardship": True}, True),
    ("score.distress >= 0.7", {}, False),
    ("not paid", {"paid": False}, True),
    ("not paid", {}, True),
    ('patient.language in ["es", "vi"]', {"patient.language": "es"}, True),
    ('patient.language in ["es", "vi"]', {"patient.language": "en"}, False),
    ("balance > 5", {"balance": "text"}, False),
]


@pytest.mark.parametrize(("condition", "facts", "expected"), CASES)
def test_condition_table(condition: str, facts: dict[str, object], expected: bool) -> None:
    program = parse(f'strategy "t" version 1\n  audience {condition}\nend\n').program
    assert isinstance(program, ast.Strategy) and program.audience is not None
    assert holds(program.audience, facts, {}) is expected
    assert compile_condition(program.audience, {})(facts) is expected
