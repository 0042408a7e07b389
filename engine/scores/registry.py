"""The score registry: every score the engine can put on an account, its kind, its range and its producer.

A strategy may only name what exists, so the registry and the language's schema (`dsl.schema`) must
list the same scores: registering a name the schema does not know, or with another kind or range,
is refused with a clear error, and `test_scores_registry` proves the two agree exactly. A value a
producer hands back is checked against its entry before it reaches an account (`problem`), so a
model that drifts out of 0..1 is caught at the edge instead of inside a decision.

`best_time` is kept per channel: the engine's facts carry `best_time.sms`, `best_time.call`, … next
to `best_time` (the time on the best channel). A qualified name is the same entry with a channel,
so `spec("best_time.sms")` is `best_time`'s entry; strategies still name only `best_time`.

The registry is a value: `register` and `with_producer` return a new one; nothing here is mutable.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property

from dsl import schema
from dsl.schema import Kind
from dsl.vocabulary import CHANNELS
from engine.account import ScoreSource
from engine.scores import replies, replies_hardship
from engine.scores.intents_ids import INTENT_MODEL_ID, MODEL_VERSION, SENTIMENT_MODEL_ID

MINUTES_PER_DAY = 24 * 60
# The shipped models' ids and version, as `engine.scores.models` writes them on their cards. Not
# imported from there: that would load scikit-learn (seconds) into everything that checks a name.
# `test_scores_service` holds the two in step.
SHIPPED_MODELS = {
    "score.propensity": ScoreSource("propensity-hgb", "1.0.0"),
    "score.distress": ScoreSource("distress-hgb", "1.0.0"),
}
TIMING_SOURCE = ScoreSource("timing-beta-table", "1.0.0")  # the greedy baseline (`engine.scores.timing`)
# Best time and channel are served by the Thompson-sampling bandit (`engine.scores.bandit`, which
# loads numpy); `test_scores_service` holds this literal equal to `bandit.BANDIT_SOURCE`.
THOMPSON_SOURCE = ScoreSource("timing-thompson", "1.0.0")
# `intent.stop` is the revocation rules' (ORed with the classifier, which may only add stops); the
# other intents and the sentiments are the reply classifier's (`engine.scores.intents`).
KEYWORD_SOURCE = ScoreSource(replies.RULES_ID, replies.RULES_VERSION)
# `intent.hardship` names the hardship rules when they heard one (ORed with the classifier, which
# they may only add to), and the classifier otherwise (`engine.scores.replies_hardship`).
HARDSHIP_RULES_SOURCE = ScoreSource(replies_hardship.RULES_ID, replies_hardship.RULES_VERSION)
INTENT_SOURCE = ScoreSource(INTENT_MODEL_ID, MODEL_VERSION)
SENTIMENT_SOURCE = ScoreSource(SENTIMENT_MODEL_ID, MODEL_VERSION)
# What a reply scored without a classifier reports for the intents and sentiments it could not
# measure (`engine.scores.replies_scoring`): false / 0, and the trace names this instead of a model.
UNMEASURED_SOURCE = ScoreSource("reply-unmeasured", "0.0.0")
# The kinds a score may have; every other kind in the schema is an account fact, not a score.
SCORE_KINDS = frozenset({Kind.SCORE, Kind.BOOLEAN, Kind.CLOCK, Kind.CHANNEL})
# `best_time` and `best_channel` sit among the schema's account facts, not its SCORES table.
MODEL_FACTS = ("best_time", "best_channel")
PER_CHANNEL = frozenset({"best_time"})
MEMO_TYPES = frozenset({bool, int, float, str})  # values whose `repr` pins them down exactly
MEMO_VALUE_LENGTH = 40  # longer values (a stray text) are checked afresh, not kept
PROBLEM_MEMO_SIZE = 50_000  # (name, value) answers remembered per registry before it starts afresh


class ScoreError(ValueError):
    """A score the schema does not list, or one declared unlike the schema's row."""


@dataclass(frozen=True)
class ScoreSpec:
    """One named score: its kind, its range (for 0..1 scores and clock times) and who produces it."""

    name: str
    kind: Kind
    producer: ScoreSource
    low: Decimal | None = None
    high: Decimal | None = None
    description: str = ""

    def problem(self, value: object, as_name: str | None = None) -> str | None:
        """Why `value` cannot be this score (produced as `as_name`, e.g. `best_time.sms`), or None."""
        name = as_name or self.name
        if self.kind is Kind.BOOLEAN:
            return None if isinstance(value, bool) else f"`{name}` must be yes or no, not `{value}`"
        if self.kind is Kind.CHANNEL:
            return (
                None if isinstance(value, str) and value in CHANNELS else f"`{name}` must be a channel, not `{value}`"
            )
        number = as_number(value)
        if number is None:
            return f"`{name}` must be {self.kind.words}, not `{value}`"
        if self.kind is Kind.CLOCK and number != int(number):
            return f"`{name}` must be a whole minute of the day, not `{value}`"
        if (self.low is not None and number < self.low) or (self.high is not None and number > self.high):
            return f"`{name}` is `{value}`, outside its range {self.low}..{self.high}"
        return None


def as_number(value: object) -> Decimal | None:
    """A finite number as a Decimal; None for anything else (yes/no values included)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    number = Decimal(str(value))
    return number if number.is_finite() else None


@dataclass(frozen=True)
class ScoreRegistry:
    """The scores on offer, by name, in the schema's order."""

    specs: tuple[ScoreSpec, ...] = ()

    def names(self) -> tuple[str, ...]:
        """Every registered score name."""
        return tuple(s.name for s in self.specs)

    def spec(self, name: str) -> ScoreSpec | None:
        """The entry for `name`; `best_time.CHANNEL` resolves to `best_time`'s entry."""
        base, _, channel = name.partition(".")
        if base in PER_CHANNEL and channel:
            return self.spec(base) if channel in CHANNELS else None
        return self.by_name.get(name)

    @cached_property
    def by_name(self) -> dict[str, ScoreSpec]:
        """Each entry under its name, the first of equals as a scan finds it (built once: registries never change)."""
        found: dict[str, ScoreSpec] = {}
        for spec in self.specs:
            found.setdefault(spec.name, spec)
        return found

    @cached_property
    def problem_memo(self) -> dict[tuple[str, type, str], str | None]:
        """A memo of `problem`: derived from the registry, never part of its value (see `problem`)."""
        return {}

    def register(self, spec: ScoreSpec) -> ScoreRegistry:
        """A registry with `spec` added; raises `ScoreError` unless the schema declares it alike."""
        refusal = schema_refusal(spec)
        if refusal:
            raise ScoreError(refusal)
        if spec.name in self.names():
            raise ScoreError(f"`{spec.name}` is registered already")
        return ScoreRegistry((*self.specs, spec))

    def with_producer(self, name: str, producer: ScoreSource) -> ScoreRegistry:
        """A registry where `name` comes from `producer` (e.g. a model trained on a provider's data)."""
        if self.spec(name) is None:
            raise ScoreError(unknown_message(name, self.names()))
        return ScoreRegistry(tuple(replace(s, producer=producer) if s.name == name else s for s in self.specs))

    def problem(self, name: str, value: object) -> str | None:
        """Why `value` may not be produced as `name`, or None when it may.

        Remembered per (name, type, `repr` of the value) for the plain types producers hand back:
        scores are rounded and minutes whole, so the same few thousand checks repeat on every
        request. The type is in the key because `True == 1`; the `repr` because the message quotes
        the value (`-0.0` is not `0.0`) and it reads a float back exactly.
        """
        kind = type(value)
        shown = repr(value) if kind in MEMO_TYPES else ""
        key = (name, kind, shown) if 0 < len(shown) <= MEMO_VALUE_LENGTH else None
        if key is not None and key in self.problem_memo:
            return self.problem_memo[key]
        spec = self.spec(name)
        found = unknown_message(name, self.names()) if spec is None else spec.problem(value, name)
        if key is not None:
            if len(self.problem_memo) >= PROBLEM_MEMO_SIZE:
                self.problem_memo.clear()
            self.problem_memo[key] = found
        return found


def unknown_message(name: str, known: Iterable[str]) -> str:
    """`no score is called …`, with a did-you-mean where one is close."""
    hint = schema.did_you_mean(name, known)
    return f"no score is called `{name}`" + (f"; {hint}" if hint else "")


def schema_scores() -> tuple[schema.Fact, ...]:
    """The schema's rows a producer fills in: its 0..1 scores, its intents, best time and channel."""
    model_facts = tuple(f for f in schema.ACCOUNT_FACTS if f.name in MODEL_FACTS)
    return (*schema.SCORES, *schema.INTENTS, *model_facts)


def schema_refusal(spec: ScoreSpec) -> str | None:
    """Why the schema would not accept `spec`, or None when it declares the same score."""
    row = next((f for f in schema_scores() if f.name == spec.name), None)
    if row is None:
        hint = schema.did_you_mean(spec.name, [f.name for f in schema_scores()])
        return (
            f"the language does not know a score called `{spec.name}`: add a row for it to "
            "`dsl/schema.py` first, so strategies can name it" + (f"; {hint}" if hint else "")
        )
    if spec.kind is not row.kind or spec.kind not in SCORE_KINDS:
        return f"`{spec.name}` is {row.kind.words} in the language, not {spec.kind.words}"
    if (spec.low, spec.high) != (row.low, row.high) and spec.kind is not Kind.CLOCK:
        return f"`{spec.name}` runs {row.low}..{row.high} in the language, not {spec.low}..{spec.high}"
    return None


def from_schema(row: schema.Fact, producer: ScoreSource) -> ScoreSpec:
    """The entry for a schema row; clock times get the day's range, 0..1439 minutes."""
    low, high = row.low, row.high
    if row.kind is Kind.CLOCK:
        low, high = Decimal(0), Decimal(MINUTES_PER_DAY - 1)
    return ScoreSpec(row.name, row.kind, producer, low, high, row.description)


def default_producer(name: str) -> ScoreSource:
    """Who fills in each score by default: the shipped models, the timing bandit, the reply rules and models."""
    if name in SHIPPED_MODELS:
        return SHIPPED_MODELS[name]
    if name in MODEL_FACTS:
        return THOMPSON_SOURCE
    if name == "intent.stop":
        return KEYWORD_SOURCE
    if name.startswith("intent."):
        return INTENT_SOURCE
    if name.startswith("sentiment."):
        return SENTIMENT_SOURCE
    return UNMEASURED_SOURCE


def default_registry() -> ScoreRegistry:
    """Every score the schema lists, each with its default producer."""
    registry = ScoreRegistry()
    for row in schema_scores():
        registry = registry.register(from_schema(row, default_producer(row.name)))
    return registry


DEFAULT_REGISTRY = default_registry()
