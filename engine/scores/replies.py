"""Reply intents by rule: the revocation layer for stop, the hardship rules, and keywords for dispute.

Stop requests are safety-critical and always come from the rules in `replies_revocation` (a
compliance officer can read them), ORed with the classifier when one is loaded
(`engine.scores.service.score_reply`). Hardship comes from the rules in `replies_hardship`, also
ORed with the classifier: a missed hardship keeps the automated pay-link going. Dispute keywords
are the fallback for when no classifier is at hand: `score_reply` without a model still reads the
three intents a strategy most needs, and names the rule set behind each as its source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.scores.replies_hardship import hardship
from engine.scores.replies_revocation import FCC_KEYWORDS, RULES_ID, RULES_VERSION, revocation
from engine.scores.replies_typos import normalise

__all__ = ["FCC_KEYWORDS", "RULES_ID", "RULES_VERSION", "ReplyIntents", "classify"]


DISPUTE_PHRASES = (
    "not my bill",
    "not mine",
    "i dont owe",
    "i do not owe",
    "dont owe",
    "already paid",
    "i paid",
    "never received",
    "never got",
    "wrong amount",
    "dispute",
    "this is wrong",
    "no es mi cuenta",
    "no debo",
    "ya pague",
    "ya la pague",
    "no reconozco",
    "disputa",
    "esta mal",
    "cobro equivocado",
)


@dataclass(frozen=True)
class ReplyIntents:
    """Which intents a reply shows, and the phrase that decided each."""

    stop: bool
    dispute: bool
    hardship: bool
    matched: dict[str, str]


def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = sorted({re.escape(p) for p in phrases}, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(alternatives) + r")\b")


DISPUTE = _pattern(DISPUTE_PHRASES)


def classify(text: str) -> ReplyIntents:
    """The intents a reply shows by rule: stop and hardship by their rules, dispute by keyword."""
    plain = normalise(text)
    matched: dict[str, str] = {}
    revoked = revocation(text)
    if revoked.revoked:
        matched["stop"] = revoked.matched
    found = DISPUTE.search(plain)
    if found:
        matched["dispute"] = found.group(1)
    hard = hardship(text)
    if hard.found:
        matched["hardship"] = hard.matched
    return ReplyIntents("stop" in matched, "dispute" in matched, "hardship" in matched, matched)
