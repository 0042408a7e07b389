"""Reply intents by rule: the revocation layer for stop, and keywords for dispute and hardship.

Stop requests are safety-critical and always come from the rules in `replies_revocation` (a
compliance officer can read them), ORed with the classifier when one is loaded
(`engine.scores.service.score_reply`). Dispute and hardship keywords are the fallback for when no
classifier is at hand: `score_reply` without a model still reads the three intents a strategy
most needs, and names this rule set as their source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
HARDSHIP_PHRASES = (
    "cant afford",
    "can not afford",
    "cannot afford",
    "cant pay",
    "cannot pay",
    "lost my job",
    "laid off",
    "unemployed",
    "no money",
    "broke",
    "struggling",
    "hardship",
    "disability",
    "on disability",
    "no tengo dinero",
    "no puedo pagar",
    "perdi mi trabajo",
    "sin trabajo",
    "desempleado",
    "desempleada",
    "no me alcanza",
    "dificultades",
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
HARDSHIP = _pattern(HARDSHIP_PHRASES)


def classify(text: str) -> ReplyIntents:
    """The intents a reply shows by rule: stop by the revocation rules, dispute and hardship by keyword."""
    plain = normalise(text)
    matched: dict[str, str] = {}
    revoked = revocation(text)
    if revoked.revoked:
        matched["stop"] = revoked.matched
    for intent, pattern in (("dispute", DISPUTE), ("hardship", HARDSHIP)):
        found = pattern.search(plain)
        if found:
            matched[intent] = found.group(1)
    return ReplyIntents("stop" in matched, "dispute" in matched, "hardship" in matched, matched)
