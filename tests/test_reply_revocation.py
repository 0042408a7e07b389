"""The revocation rules: every FCC keyword, its Spanish equivalents and the ways people really write them.

A missed revocation breaks the law (47 CFR 64.1200(a)(10), catalog entry TCPA-REVOKE); a false one
costs a message. So the tables below are written to catch misses. Three rounds of replies were
written *after* the rules of the day and run against them once, before any fix:

- `WRITTEN_AFTER` (round 1): 87/87 stops caught, 0/35 ordinary replies taken for a stop;
- `ROUND_2`: 57/69 caught (83%), 5/34 false stops ("stop the late fees", "no más de 50");
  the classifier alone caught 8 of the 12 misses, so as served (rules OR classifier) 65/69;
- `ROUND_3`: 42/50 caught (84%), 0/24 false; as served 48/50.

Every miss was then fixed in the rules by a general pattern (not by listing the reply), and every
round must now pass in full. The lesson for whoever reads this: new wording still finds holes.
Keep adding rounds from real replies the rules missed, and keep the held-out corpus at 100%.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.scores.replies_revocation import FCC_KEYWORDS, RULES, SPANISH_KEYWORDS, revocation
from runtime.reply_models import load_corpus

# Each FCC keyword as patients type it: case, punctuation, courtesy words, stretched, mistyped.
KEYWORD_FORMS = [
    form
    for keyword in FCC_KEYWORDS
    for form in (
        keyword,
        keyword.upper(),
        keyword.title(),
        f"{keyword}.",
        f"{keyword.upper()}!!!",
        f"  {keyword}  ",
        f"{keyword} please",
        f"please {keyword}",
        f"{keyword} pls",
        f"{keyword} now",
        f"{keyword}, thanks",
        f"ok {keyword}",
        f"hi, {keyword}",
        f"{keyword} por favor",
    )
]
TYPOS = [
    "stpo",
    "sotp",
    "stopp",
    "STOOOP",
    "st0p",
    "s t o p",
    "S.T.O.P",
    "unsubcribe",
    "unsuscribe",
    "unsubscibe",
    "cancle",
    "cancell",
    "revok",
    "revokee",
    "opt-out",
    "OPTOUT",
    "opt 0ut",
]
SPANISH_FORMS = [
    form
    for keyword in SPANISH_KEYWORDS
    for form in (keyword, keyword.upper(), f"{keyword} por favor", f"¡{keyword}!", f"ya {keyword}")
]
WRITTEN_AFTER = [
    "Stop!",
    "STOP.",
    "sTop",
    "s t o p",
    "S.T.O.P.",
    "stooooop",
    "st0p",
    "stpo",
    "Stop msging me",
    "please stop.",
    "OPT-OUT",
    "opt out please",
    "OptOut",
    "UNSUBSCRIBE",
    "unsubcribe",
    "Unsuscribe me",
    "REVOKE",
    "I revoke consent",
    "Quit",
    "quit it",
    "END",
    "end.",
    "Cancel",
    "CANCEL!!",
    "cancel all texts",
    "remove me",
    "Remove me from this list please",
    "take me off ur list",
    "dont txt me",
    "don't call me again",
    "Do NOT contact me",
    "never text me again",
    "please quit calling",
    "quit contacting me",
    "no more texts!!",
    "no more calls please",
    "I don't want these messages",
    "I do not wish to receive texts",
    "leave me alone!!!",
    "stop bothering me",
    "please dont message me anymore",
    "delete my number",
    "I withdraw my consent",
    "i no longer want to receive calls",
    "you need to stop calling me",
    "can you stop texting me",
    "i said stop",
    "STOP. I'll call you when I'm ready",
    "stop texting me, I will pay when I can",
    "This is harassment, stop",
    "ALTO",
    "Alto por favor",
    "PARA",
    "para ya",
    "Basta!",
    "ya basta",
    "No más",
    "NO MAS",
    "no mas mensajes",
    "nomas",
    "no me escriban mas",
    "no me llamen",
    "No me manden mensajes",
    "deja de llamarme",
    "dejen de mandarme mensajes",
    "Déjenme en paz!!",
    "dejenme en paz",
    "quítenme de la lista",
    "borren mi número",
    "darme de baja",
    "quiero darme de baja",
    "BAJA",
    "cancelar",
    "Cancelar mensajes",
    "detener",
    "ya no quiero que me llamen",
    "no quiero recibir llamadas",
    "no me vuelvan a escribir",
    "ya no me contacten por favor",
    "no me molesten",
    "revoco mi consentimiento",
    "dejen de molestar",
    "ya párenle con los mensajes",
    "stop por favor",
    "STOP no me llamen",
    "no mas por favor",
    "paren de llamar",
]
ROUND_2 = [
    "please take this number off your records",
    "I'm done with these texts",
    "Stop harrassing me!!",
    "you people need to stop",
    "how do I make these texts stop",
    "can u not text me",
    "dont bother texting me",
    "Quit it with the texts",
    "I've asked 3 times to stop calling",
    "End all communication with me",
    "I would like to unsubscribe",
    "pls remove",
    "remove this number",
    "I do not want to receive any further communication",
    "Do not call or text this number ever again",
    "no more text messages please",
    "do not reach out to me again",
    "stop calling my job",
    "stop calling my mother",
    "stop texting my wife's phone",
    "I'm asking you to cease contact",
    "enough with the calls!",
    "leave me the hell alone",
    "Please dont text me again. Thank you",
    "im blocking u",
    "delete me from your system",
    "take me off all lists",
    "UNSUBSCRIBE!!!!",
    "opt-out of texts",
    "stop stop stop",
    "Stopp",
    "STOPPP",
    "S-T-O-P",
    "stop 🛑",
    "🛑 STOP",
    "no mas textos",
    "NO MÁS MENSAJES",
    "ya no me manden mensajes por favor",
    "ya no quiero que me marquen",
    "dejen de marcarme",
    "dejen de enviarme textos",
    "deje de mandar mensajes",
    "no me escriban",
    "por favor no me vuelvan a llamar",
    "no vuelvan a marcar",
    "quítenme de sus listas",
    "borren mis datos",
    "bórrenme de su lista",
    "no quiero saber nada de ustedes",
    "me quiero dar de baja",
    "darse de baja",
    "baja por favor",
    "Alto!",
    "ALTO YA",
    "Basta por favor",
    "ya basta con los mensajes",
    "paren ya de llamar",
    "ya no más",
    "no más llamadas por favor",
    "dejenme en paz ya",
    "déjeme tranquila",
    "no me molesten por favor",
    "cancelar mensajes por favor",
    "cancelen las llamadas",
    "revocar",
    "revoco",
    "no les doy permiso de llamarme",
    "stop, no me llamen más",
    "STOP no más",
]
ROUND_3 = [
    "kindly stop messaging this phone",
    "stop contacting me i have a lawyer",
    "Please don't contact me anymore regarding this",
    "i want these calls to stop",
    "make it stop",
    "I am requesting that you no longer contact me",
    "DO NOT TEXT",
    "don't contact me on this number",
    "no more robocalls",
    "you are not allowed to call me",
    "i revoke permission to text me",
    "I never agreed to texts, stop",
    "Unsub",
    "unsubscribe pls",
    "quit",
    "Quit please",
    "end please",
    "cancel pls",
    "stop it",
    "stop now",
    "stop already!",
    "STOP!!!!!!",
    "sTOP pLEASE",
    "stop🙏",
    "stop texting",
    "Stop calling",
    "take my name off your list",
    "get me off your list",
    "remove my phone number from your system",
    "don't ever contact me again",
    "i want you to stop messaging me",
    "no more reminders",
    "no quiero más llamadas",
    "ya no llamen",
    "no me vuelvan a mandar mensajes",
    "por favor ya no me contacten",
    "dejen de textearme",
    "paren los mensajes",
    "detengan las llamadas",
    "basta ya",
    "no más, gracias",
    "NO MAS!!!",
    "alto por favor",
    "ALTO. no me llamen",
    "quiero que ya no me llamen",
    "no me hablen más",
    "no me estén marcando",
    "dejen de insistir",
    "ya no me molesten",
    "déjeme en paz por favor",
]
ORDINARY_2_3 = [
    "can you stop the late fees?",
    "I want to stop the payment plan and pay in full",
    "the payments will end in june",
    "we're near the end of this",
    "I'll pay the rest at the end of the week",
    "cancel my old card on file and use this one",
    "can I cancel my appointment and reschedule?",
    "I quit smoking lol what does that have to do with this",
    "please call me back",
    "text me the balance",
    "remove the late fee please",
    "can you remove the interest?",
    "no, I haven't received a bill",
    "no I don't have insurance",
    "no, that's not right, I paid $40",
    "no tengo seguro",
    "no, ya pagué",
    "para cuándo tengo que pagar?",
    "es para mi hijo",
    "el cobro es muy alto",
    "quiero pagar, me pueden llamar?",
    "me pueden mandar la factura?",
    "mándenme el link para pagar",
    "no me llegó ningún mensaje antes",
    "no entiendo, me pueden explicar por teléfono?",
    "dejé de trabajar por la enfermedad",
    "ya no trabajo ahí",
    "I stopped working in may",
    "my insurance stopped covering me",
    "the doctor said to stop the medication",
    "who do I call to stop the interest?",
    "basta con que me digan cuánto debo",
    "no más de 50 al mes puedo pagar",
    "how much do I owe",
    "stop by anytime? what are your hours",
    "my payments stopped because I lost my job",
    "the end date on my plan is wrong",
    "can I end the payment plan early by paying it off",
    "I had to cancel my insurance",
    "please cancel the duplicate charge",
    "do you take cash at the front desk",
    "call me anytime after 3",
    "I can't afford this right now",
    "text me a payment link please",
    "what's the minimum payment",
    "is there a discount if I pay all now",
    "no, call me instead",
    "no quiero pagar intereses",
    "alto el cobro, qué pasó?",
    "para qué es este cargo",
    "no me alcanza este mes",
    "mándenme un mensaje con el total",
    "llámenme mañana",
    "ya no tengo ese seguro",
    "no sé nada de esa cuenta",
    "el saldo no para de subir",
    "me pueden dar más tiempo para pagar",
    "quiero un plan de pagos",
]
ORDINARY = [
    "I will pay by the end of the month",
    "can I pay at the end of the week?",
    "I can't stop worrying about this bill",
    "I'll stop by the office tomorrow to pay",
    "is there a bus stop near the hospital",
    "I quit my job last month, can't pay",
    "the balance is too high",
    "el saldo es muy alto",
    "necesito tiempo para pagar",
    "lo pago para el viernes",
    "gracias, pago el viernes",
    "can you cancel the late fee?",
    "I had to cancel my appointment",
    "please call me after 5",
    "can you text me the amount",
    "text me the link please",
    "what is this for",
    "who is this",
    "my insurance should cover this",
    "no puedo pagar ahorita",
    "no tengo dinero",
    "¿me pueden llamar mañana?",
    "mándenme la factura por correo",
    "no entiendo el cobro",
    "ok thanks",
    "no",
    "no gracias",
    "no sé de qué es esto",
    "is this the end of it?",
    "I'm at my wit's end with these bills",
    "llámenme por favor",
    "no me llegó la factura",
    "no me alcanza para pagar",
    "I don't understand why you keep calling about 20 dollars",
    "I dont have money, please call me",
]
# (reply, the rule that must read it): a compliance officer can see which line of the rules decides.
RULE_CASES = [
    ("STOP", "fcc-keyword-in-short-reply"),
    ("please stop texting me, I will pay friday", "fcc-keyword"),
    ("unsubscribe me from everything", "fcc-keyword"),
    ("cancel", "fcc-keyword-in-short-reply"),
    ("end these texts", "stop-contacting"),
    ("don't call me anymore", "stop-contacting"),
    ("I no longer consent to calls", "not-wanted"),
    ("leave me alone", "leave-alone"),
    ("No más, por favor", "spanish-keyword-in-short-reply"),
    ("no más mensajes de ustedes", "no-mas"),
    ("dejen de llamarme", "deja-de"),
    ("no me vuelvan a llamar", "no-me-llamen"),
    ("no quiero recibir mensajes", "no-quiero"),
    ("déjenme en paz", "dejenme-en-paz"),
    ("retiro mi consentimiento", "consentimiento"),
    ("ya párenle con los mensajes", "ya-basta"),
]


@pytest.mark.parametrize("text", KEYWORD_FORMS)
def test_every_fcc_keyword_in_every_form_revokes(text: str) -> None:
    assert revocation(text).revoked, text


@pytest.mark.parametrize("text", TYPOS)
def test_mistyped_and_spelled_out_keywords_revoke(text: str) -> None:
    assert revocation(text).revoked, text


@pytest.mark.parametrize("text", SPANISH_FORMS)
def test_spanish_keywords_revoke(text: str) -> None:
    assert revocation(text).revoked, text


@pytest.mark.parametrize("text", WRITTEN_AFTER + ROUND_2 + ROUND_3)
def test_replies_written_after_the_rules_revoke(text: str) -> None:
    assert revocation(text).revoked, text


@pytest.mark.parametrize("text", ORDINARY + ORDINARY_2_3)
def test_ordinary_replies_do_not_revoke(text: str) -> None:
    assert not revocation(text).revoked, (text, revocation(text))


@pytest.mark.parametrize(("text", "rule_id"), RULE_CASES)
def test_each_rule_names_itself(text: str, rule_id: str) -> None:
    assert revocation(text).rule_id == rule_id, revocation(text)
    assert rule_id in {r.rule_id for r in RULES}


def test_cant_stop_worrying_is_not_a_revocation_by_the_rules() -> None:
    # Judgement call. "I can't stop worrying about this bill" uses `stop` about a feeling, not about
    # contact; a reasonable person does not read it as "stop contacting me", and the patient who
    # writes it is engaging and may need a hardship plan, which a false stop would cut off. So the
    # rules leave it out, narrowly (can't/cannot + stop + a feeling), and any other revocation in the
    # same reply still counts. The classifier may still hear a stop in it: the served `intent.stop`
    # is rules OR classifier, and a false stop only costs a message.
    assert not revocation("I can't stop worrying about this bill").revoked
    assert revocation("I can't stop worrying about this bill. stop texting me").revoked
    assert not revocation("no puedo dejar de pensar en la cuenta").revoked


def test_a_plain_no_is_not_a_revocation() -> None:
    # "no" answers whatever the last message asked; "no más" and "no me llamen" are revocations.
    assert not revocation("no").revoked and not revocation("No gracias").revoked
    assert revocation("no más").revoked and revocation("no me llamen").revoked


def test_held_out_stop_replies_are_all_caught() -> None:
    stops = [r for r in load_corpus("test") if "stop" in r["intents"]]
    assert len(stops) >= 50
    missed = [r["text"] for r in stops if not revocation(r["text"]).revoked]
    assert missed == []


def test_false_stops_on_the_corpus_stay_rare() -> None:
    others = [r for r in load_corpus() if "stop" not in r["intents"]]
    false = [r["text"] for r in others if revocation(r["text"]).revoked]
    assert len(false) / len(others) <= 0.01, false


@given(st.sampled_from(FCC_KEYWORDS), st.sampled_from(["", "!", ".", "!!!", " 🙏", "?"]), st.booleans())
def test_keyword_with_any_punctuation_and_case_revokes(keyword: str, ending: str, upper: bool) -> None:
    text = (keyword.upper() if upper else keyword) + ending
    assert revocation(text).revoked


@given(st.text(max_size=200))
def test_any_text_gets_an_answer(text: str) -> None:
    verdict = revocation(text)
    assert isinstance(verdict.revoked, bool) and (verdict.rule_id != "") == verdict.revoked
