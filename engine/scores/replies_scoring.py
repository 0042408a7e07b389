"""Reading a reply: its intents, sentiments and language, each with the rule set or model behind it.

`read_replies` scores a batch with one pass of the classifier; `read_reply` is the one-reply case.
`intent.stop` is the revocation rules OR the classifier: the rules alone are what the law relies on
(`engine.scores.replies_revocation`), the classifier may only add stops, never remove one. Its
source names the rules whenever they decided (or both said no), and the classifier when it alone
heard a stop. `intent.hardship` is the classifier OR the hardship rules
(`engine.scores.replies_hardship`), because a missed hardship keeps the pay-link going while a
false one costs a person's look; its source names the hardship rules whenever they heard one, so
the trace says why, and the reading keeps the rule and the words it matched. Without a classifier
(`model=None`) the rules give stop, dispute and hardship, and the other intents and the sentiments
are reported as unmeasured rather than passed off as a model's zeros. Pure: the model comes in as
an argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dsl import schema
from engine.account import ScoreSource
from engine.scores import replies
from engine.scores.language import LanguageGuess, detect
from engine.scores.registry import HARDSHIP_RULES_SOURCE, INTENT_SOURCE, SENTIMENT_SOURCE, UNMEASURED_SOURCE
from engine.scores.registry import KEYWORD_SOURCE as RULES_SOURCE
from engine.scores.replies_hardship import NO_HARDSHIP, Hardship, hardship
from engine.scores.replies_revocation import Revocation, revocation

if TYPE_CHECKING:  # the classifier loads scikit-learn; only callers that have one pay for it
    from engine.scores.intents import ReplyModel

INTENTS = tuple(row.name for row in schema.INTENTS)
SENTIMENTS = tuple(row.name for row in schema.SCORES if row.group == "sentiment")


@dataclass(frozen=True)
class ReplyReading:
    """One reply read: every intent and sentiment, the source of each, its language, its stop and hardship rules."""

    values: dict[str, object]
    sources: dict[str, ScoreSource]
    language: LanguageGuess
    revocation: Revocation
    hardship: Hardship = NO_HARDSHIP


def read_replies(
    texts: Sequence[str], model: ReplyModel | None = None, languages_on_file: Sequence[str | None] | None = None
) -> list[ReplyReading]:
    """Every reply of a batch read, with one classifier pass for the whole batch."""
    on_file = list(languages_on_file) if languages_on_file is not None else [None] * len(texts)
    scores = model.score(list(texts)) if model is not None else [None] * len(texts)
    readings = []
    for text, score, language in zip(texts, scores, on_file, strict=True):
        revoked, hard = revocation(text), hardship(text)
        if score is None or model is None:
            values, sources = by_rules(text)
        else:
            flags = score.flags(model.card.threshold)
            values = {f"intent.{n}": flags[n] for n in model.card.intents}
            sources = {name: INTENT_SOURCE for name in values}
            values.update({f"sentiment.{n}": v for n, v in score.sentiments.items()})
            sources.update({f"sentiment.{n}": SENTIMENT_SOURCE for n in score.sentiments})
            sources["intent.stop"] = INTENT_SOURCE if flags["stop"] and not revoked.revoked else RULES_SOURCE
        values["intent.stop"] = bool(values.get("intent.stop")) or revoked.revoked
        values["intent.hardship"] = bool(values.get("intent.hardship")) or hard.found
        if hard.found:
            sources["intent.hardship"] = HARDSHIP_RULES_SOURCE
        readings.append(ReplyReading(values, sources, detect(text, language), revoked, hard))
    return readings


def read_reply(text: str, model: ReplyModel | None = None, language_on_file: str | None = None) -> ReplyReading:
    """One reply read (see `read_replies`)."""
    return read_replies([text], model, [language_on_file])[0]


def by_rules(text: str) -> tuple[dict[str, object], dict[str, ScoreSource]]:
    """Stop, dispute and hardship by rule; every other intent false and the sentiments 0, unmeasured."""
    found = replies.classify(text)
    by_rule = {"intent.stop": found.stop, "intent.dispute": found.dispute, "intent.hardship": found.hardship}
    values: dict[str, object] = {name: by_rule.get(name, False) for name in INTENTS}
    sources = {name: RULES_SOURCE if name in by_rule else UNMEASURED_SOURCE for name in INTENTS}
    sources["intent.hardship"] = HARDSHIP_RULES_SOURCE  # `classify` reads it with the hardship rules
    values.update(dict.fromkeys(SENTIMENTS, 0.0))
    sources.update(dict.fromkeys(SENTIMENTS, UNMEASURED_SOURCE))
    return values, sources
