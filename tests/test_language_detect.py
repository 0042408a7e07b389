"""Language detection of replies: restricted to the organisation's languages, the language on file for short ones."""

from __future__ import annotations

import pytest

from engine.scores.language import SUPPORTED, detect, too_short
from runtime.reply_models import load_corpus

CASES = [
    # (reply, language on file, language, source)
    ("I can pay fifty dollars on friday", None, "en", "detected"),
    ("puedo pagar cincuenta dólares el viernes", None, "es", "detected"),
    ("no entiendo por qué me cobran esto", "en", "es", "detected"),  # clear Spanish beats the file
    ("why is my bill so high this month", "es", "en", "detected"),
    ("ok", "es", "es", "on_file"),
    ("si", "en", "en", "on_file"),
    ("hola", "en", "en", "on_file"),  # one word: the file wins even over a greeting
    ("👍", "es", "es", "on_file"),
    ("12345", "es", "es", "on_file"),
    ("", "es", "es", "on_file"),
    ("", None, "en", "default"),
    ("ok", "fr", SUPPORTED[0], "detected"),  # a language we do not support on file is ignored
]


@pytest.mark.parametrize(("text", "on_file", "language", "source"), CASES)
def test_detect(text: str, on_file: str | None, language: str, source: str) -> None:
    guess = detect(text, on_file)
    assert (guess.language, guess.source) == (language, source), guess
    assert 0.0 <= guess.confidence <= 1.0


@pytest.mark.parametrize(("text", "short"), [("ok", True), ("gracias", True), ("no me llamen más", False)])
def test_too_short(text: str, short: bool) -> None:
    assert too_short(text) is short


def test_only_supported_languages_come_out() -> None:
    # Portuguese and Italian are near Spanish; the restricted detector answers en or es
    for text in ("obrigado, vou pagar amanhã", "grazie, pago domani", "danke, ich zahle morgen"):
        assert detect(text).language in SUPPORTED


def test_accuracy_on_sms_length_replies() -> None:
    sms = [r for r in load_corpus("test") if len(r["text"]) <= 160]
    alone = sum(detect(r["text"]).language == r["language"] for r in sms) / len(sms)
    with_file = sum(detect(r["text"], r["language"]).language == r["language"] for r in sms) / len(sms)
    assert alone >= 0.95 and with_file >= 0.98, (alone, with_file)
    assert with_file >= alone
