"""Reply intents from keyword rules, in English and Spanish.

Stop requests are safety-critical: the FCC names `stop`, `quit`, `end`, `revoke`, `opt out`,
`cancel` and `unsubscribe` as per-se reasonable ways to revoke consent (47 CFR 64.1200(a)(10) as
the catalog reports it), and any other wording a reasonable person would read as "stop contacting
me" must be honoured too. So this layer leans towards catching a stop: a false stop costs one
message, a missed one breaks the law. The classifier of the scores issue adds the other intents;
this layer stays in front of it for stop requests.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

RULES_ID = "reply-keywords"
RULES_VERSION = "1.0.0"

FCC_KEYWORDS = ("stop", "quit", "end", "revoke", "opt out", "optout", "cancel", "unsubscribe")
STOP_PHRASES = (
    *FCC_KEYWORDS,
    # English wording a reasonable person reads as "stop contacting me"
    "stop texting",
    "stop calling",
    "stop emailing",
    "stop contacting",
    "stop messaging",
    "dont text",
    "dont call",
    "dont email",
    "dont contact",
    "do not text",
    "do not call",
    "do not contact",
    "do not email",
    "no more texts",
    "no more calls",
    "no more messages",
    "leave me alone",
    "remove me",
    "remove my number",
    "take me off",
    "unsub",
    "stahp",
    "stp",
    # Spanish
    "alto",
    "para",
    "parar",
    "pare",
    "basta",
    "detener",
    "cancelar",
    "no mas",
    "no me escriba",
    "no me escribas",
    "no me llame",
    "no me llames",
    "no me contacte",
    "no me contactes",
    "no me moleste",
    "no me molesten",
    "dejen de llamar",
    "deje de llamar",
    "dejen de escribir",
    "deje de escribir",
    "dejenme en paz",
    "dejeme en paz",
    "borrar mi numero",
    "quitenme",
    "darme de baja",
    "dar de baja",
    "baja",
)
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


def normalise(text: str) -> str:
    """Lowercase, accents and apostrophes removed, punctuation to spaces, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"['’`´]", "", plain)
    return " ".join(re.sub(r"[^a-z0-9ñ ]+", " ", plain).split())


def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = sorted({re.escape(p) for p in phrases}, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(alternatives) + r")\b")


STOP = _pattern(STOP_PHRASES)
DISPUTE = _pattern(DISPUTE_PHRASES)
HARDSHIP = _pattern(HARDSHIP_PHRASES)
# "end" and "para" are stop words on their own but ordinary words in a sentence
# ("by the end of the month", "para pagar"): inside longer replies they count only as the whole reply
# or at its start; the FCC keywords are honoured whenever the reply is short.
AMBIGUOUS = {"end", "para", "baja", "alto"}


def classify(text: str) -> ReplyIntents:
    """The intents a reply shows by keyword."""
    plain = normalise(text)
    matched: dict[str, str] = {}
    for intent, pattern in (("stop", STOP), ("dispute", DISPUTE), ("hardship", HARDSHIP)):
        for found in pattern.finditer(plain):
            phrase = found.group(1)
            if phrase in AMBIGUOUS and not standalone(plain, found.start()):
                continue
            matched[intent] = phrase
            break
    return ReplyIntents("stop" in matched, "dispute" in matched, "hardship" in matched, matched)


def standalone(plain: str, start: int) -> bool:
    """An ambiguous keyword counts when the reply is short (≤ 3 words) or starts with it."""
    return len(plain.split()) <= 3 or start == 0
