"""The score registry offers exactly what the language's schema lists, and refuses anything else."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from dsl import schema
from dsl.schema import Kind
from engine.account import ScoreSource
from engine.scores.registry import (
    DEFAULT_REGISTRY,
    ScoreError,
    ScoreRegistry,
    ScoreSpec,
    from_schema,
    schema_scores,
)

SOURCE = ScoreSource("test-model", "9.9.9")


def test_registry_and_schema_agree_exactly() -> None:
    in_schema = {f.name: f for f in schema.FACTS.values() if f.group in {"score", "sentiment", "intent"}}
    in_schema |= {name: schema.FACTS[name] for name in ("best_time", "best_channel")}
    assert set(DEFAULT_REGISTRY.names()) == set(in_schema)
    assert len(DEFAULT_REGISTRY.names()) == len(set(DEFAULT_REGISTRY.names()))
    for spec in DEFAULT_REGISTRY.specs:
        row = in_schema[spec.name]
        assert spec.kind is row.kind, spec.name
        if spec.kind is Kind.SCORE:
            assert (spec.low, spec.high) == (row.low, row.high) == (Decimal(0), Decimal(1)), spec.name


def test_every_schema_score_row_is_registered() -> None:
    # the schema's own score tables, read independently of the registry's helper
    for row in (*schema.SCORES, *schema.INTENTS):
        assert DEFAULT_REGISTRY.spec(row.name) is not None, row.name
    assert {r.name for r in schema_scores()} == set(DEFAULT_REGISTRY.names())


def test_every_entry_names_its_producer() -> None:
    for spec in DEFAULT_REGISTRY.specs:
        assert spec.producer.model_id and spec.producer.version, spec.name
    assert DEFAULT_REGISTRY.spec("intent.stop").producer.model_id == "reply-keywords"
    assert DEFAULT_REGISTRY.spec("intent.wrong_person").producer.model_id == "reply-intents-tfidf-lr"
    assert DEFAULT_REGISTRY.spec("score.propensity").producer.model_id == "propensity-hgb"


REFUSED = [
    # (spec, words the error must contain)
    (
        ScoreSpec("score.churn", Kind.SCORE, SOURCE, Decimal(0), Decimal(1)),
        "does not know a score called `score.churn`",
    ),
    (ScoreSpec("score.distres", Kind.SCORE, SOURCE, Decimal(0), Decimal(1)), "did you mean `score.distress`?"),
    (ScoreSpec("score.distress", Kind.BOOLEAN, SOURCE), "a score from 0 to 1 in the language"),
    (ScoreSpec("score.distress", Kind.SCORE, SOURCE, Decimal(0), Decimal(100)), "runs 0..1 in the language"),
    (ScoreSpec("intent.stop", Kind.SCORE, SOURCE, Decimal(0), Decimal(1)), "a yes/no state in the language"),
    (ScoreSpec("balance", Kind.MONEY, SOURCE), "does not know a score called `balance`"),
    (ScoreSpec("best_channel", Kind.TEXT, SOURCE), "a channel in the language"),
]


@pytest.mark.parametrize(("spec", "words"), REFUSED, ids=[f"{s.name}-{s.kind}" for s, _ in REFUSED])
def test_registration_is_refused_unless_the_schema_agrees(spec: ScoreSpec, words: str) -> None:
    with pytest.raises(ScoreError) as refused:
        ScoreRegistry().register(spec)
    assert words in str(refused.value)


def test_a_score_cannot_be_registered_twice() -> None:
    with pytest.raises(ScoreError, match="registered already"):
        DEFAULT_REGISTRY.register(from_schema(schema.FACTS["score.distress"], SOURCE))


def test_registering_returns_a_new_registry() -> None:
    empty = ScoreRegistry()
    one = empty.register(from_schema(schema.FACTS["score.distress"], SOURCE))
    assert empty.names() == () and one.names() == ("score.distress",)


VALUES = [
    # (name, value, accepted)
    ("score.distress", 0, True),
    ("score.distress", 1, True),
    ("score.distress", 0.73, True),
    ("score.distress", Decimal("0.5"), True),
    ("score.distress", 1.0001, False),
    ("score.distress", -0.01, False),
    ("score.distress", math.nan, False),
    ("score.distress", math.inf, False),
    ("score.distress", True, False),
    ("score.distress", "0.5", False),
    ("sentiment.anxiety", 0.0, True),
    ("sentiment.anxiety", 2, False),
    ("intent.stop", True, True),
    ("intent.stop", False, True),
    ("intent.stop", 1, False),
    ("intent.stop", "yes", False),
    ("best_time", 0, True),
    ("best_time", 600, True),
    ("best_time", 1439, True),
    ("best_time", 1440, False),
    ("best_time", -1, False),
    ("best_time", 600.5, False),
    ("best_time.sms", 540, True),
    ("best_time.call", 2000, False),
    ("best_time.fax", 540, False),
    ("best_channel", "sms", True),
    ("best_channel", "call", True),
    ("best_channel", "fax", False),
    ("best_channel", 3, False),
    ("best_channel", ["sms"], False),
    ("score.churn", 0.5, False),
]


@pytest.mark.parametrize(("name", "value", "accepted"), VALUES, ids=[f"{n}={v!r}" for n, v, _ in VALUES])
def test_values_are_range_checked_when_produced(name: str, value: object, accepted: bool) -> None:
    problem = DEFAULT_REGISTRY.problem(name, value)
    assert (problem is None) is accepted, problem
    if problem:
        assert f"`{name}`" in problem and not problem.endswith(".")


def test_best_time_is_kept_per_channel() -> None:
    assert DEFAULT_REGISTRY.spec("best_time.email") is DEFAULT_REGISTRY.spec("best_time")
    assert DEFAULT_REGISTRY.spec("best_channel.sms") is None


def test_a_producer_can_be_swapped_for_a_model_trained_elsewhere() -> None:
    swapped = DEFAULT_REGISTRY.with_producer("score.propensity", SOURCE)
    assert swapped.spec("score.propensity").producer == SOURCE
    assert DEFAULT_REGISTRY.spec("score.propensity").producer != SOURCE
    with pytest.raises(ScoreError, match=r"did you mean `score\.propensity`"):
        DEFAULT_REGISTRY.with_producer("score.propensty", SOURCE)
