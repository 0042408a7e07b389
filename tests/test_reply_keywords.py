"""The keyword layer catches every way of saying stop that we know of, in English and Spanish."""

from __future__ import annotations

import pytest

from engine.scores.replies import FCC_KEYWORDS, classify

STOPS = [
    *FCC_KEYWORDS,
    *(k.upper() for k in FCC_KEYWORDS),
    "Stop.",
    "STOP!!!",
    "stop texting me",
    "Please stop calling",
    "don't text me",
    "dont call me anymore",
    "do not contact me again",
    "leave me alone",
    "remove me from your list",
    "opt-out",
    "Unsubscribe me",
    "quit texting me",
    "No más",
    "no mas por favor",
    "NO MÁS",
    "Alto",
    "Basta ya",
    "no me llame más",
    "no me escriba",
    "dejen de llamar",
    "déjenme en paz",
    "darme de baja",
    "cancelar",
    "stop porfa",
    "pls stop",
]
NOT_STOPS = [
    "I will pay by the end of the month",
    "Necesito tiempo para pagar",
    "can I set up a plan?",
    "what is this charge for",
    "gracias, pago el viernes",
    "Call me after 5",
]


@pytest.mark.parametrize("text", STOPS)
def test_every_stop_wording_is_caught(text: str) -> None:
    assert classify(text).stop, text


@pytest.mark.parametrize("text", NOT_STOPS)
def test_ordinary_replies_are_not_stops(text: str) -> None:
    assert not classify(text).stop, text


@pytest.mark.parametrize(
    ("text", "dispute", "hardship"),
    [
        ("this is not my bill", True, False),
        ("ya pagué esa cuenta", True, False),
        ("I lost my job and can't afford this", False, True),
        ("no tengo dinero ahorita", False, True),
        ("I'm broke", False, True),
        ("ok thanks", False, False),
    ],
)
def test_dispute_and_hardship(text: str, dispute: bool, hardship: bool) -> None:
    result = classify(text)
    assert (result.dispute, result.hardship) == (dispute, hardship)
