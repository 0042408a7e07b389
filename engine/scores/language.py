"""The language of a patient's reply, among the languages the organisation supports.

`py3langid` (BSD, its model ships inside the package: nothing is downloaded) is restricted to the
organisation's languages, so a Spanish "gracias" is never read as Galician. Very short replies
("ok", "si", "no", a thumbs-up) carry too little text for any detector: for those, and when the
detector is unsure, the language on file for the patient wins. Without a language on file the
detector's best guess stands, and `source` says which happened.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

SUPPORTED = ("en", "es")
MIN_LETTERS = 12  # below this a reply is too short to detect (tuned on the corpus' SMS replies)
MIN_WORDS = 2
MIN_CONFIDENCE = 0.8  # the restricted detector's normalised probability


@dataclass(frozen=True)
class LanguageGuess:
    """The reply's language, how sure the detector was, and whether it was detected or on file."""

    language: str
    confidence: float
    source: str  # "detected", "on_file", or "default" (nothing to go on: the first supported)


@functools.lru_cache(maxsize=8)
def identifier(languages: tuple[str, ...]) -> LanguageIdentifier:
    """A detector restricted to `languages`, loaded once per set (loading takes ~0.3 s)."""
    found = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    found.set_languages(list(languages))
    return found


def too_short(text: str) -> bool:
    """Whether a reply has too few letters or words for detection to mean anything."""
    letters = len(re.findall(r"[^\W\d_]", text))
    return letters < MIN_LETTERS or len(text.split()) < MIN_WORDS


def detect(text: str, on_file: str | None = None, supported: tuple[str, ...] = SUPPORTED) -> LanguageGuess:
    """The reply's language; the language on file for short or unclear replies, when there is one.

    A language on file that the organisation does not support is ignored.
    """
    fallback = on_file if on_file in supported else None
    if not text.strip() or not re.search(r"[^\W\d_]", text):
        return LanguageGuess(fallback or supported[0], 0.0, "on_file" if fallback else "default")
    language, confidence = identifier(tuple(supported)).classify(text)
    confidence = round(float(confidence), 4)
    if fallback and (too_short(text) or confidence < MIN_CONFIDENCE):
        return LanguageGuess(fallback, confidence, "on_file")
    return LanguageGuess(str(language), confidence, "detected")
