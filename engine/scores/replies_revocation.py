"""Revocation: the rules that read a patient's reply as "stop contacting me", in English and Spanish.

Why rules and not a model: the law asks for every revocation to be honoured, so this layer must be
one a compliance officer can read line by line and test with any wording (`parley score reply`).
The FCC treats the replies "stop", "quit", "end", "revoke", "opt out", "cancel" and "unsubscribe"
as per-se reasonable ways to revoke consent, and any other wording a reasonable person would read
as a revocation must be honoured too (47 CFR 64.1200(a)(10), catalog entry TCPA-REVOKE; the
catalog's own example of a violation is a "No más, por favor" that was ignored). Regulation F
adds that "stop calling" bars the medium (12 CFR 1006.14(h), REGF-MEDIUM).

How the rules lean: a false stop costs one message; a missed one breaks the law. So the
keywords count wherever a short reply uses them, and "stop" counts anywhere in a long one, with
a short, written-down list of uses that are plainly not about contact ("I can't stop worrying",
"I'll stop by the office"). `end`, `quit`, `cancel`, `alto` and `para` are ordinary words inside
sentences ("by the end of the month", "el saldo es muy alto"), so inside a longer reply they count
only next to a word for contact ("end these texts", "cancelen los mensajes").

Every reply is first normalised the way SMS needs: case and accents folded, apostrophes and
punctuation dropped, "s t o p" and "S.T.O.P" joined, "stooop" squeezed, "st0p" read as "stop",
and a slip of the thumb in a key word ("stpo", "unsubcribe", "lamen") repaired. Pure: text in,
verdict out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.scores.replies_typos import normalise, repair, word_set

RULES_ID = "reply-keywords"
RULES_VERSION = "2.0.0"
FCC_KEYWORDS = ("stop", "quit", "end", "revoke", "opt out", "cancel", "unsubscribe")
# Spanish words people use for the same thing (the carriers' Spanish opt-out words among them).
SPANISH_KEYWORDS = (
    "alto",
    "para",
    "pare",
    "paren",
    "parar",
    "basta",
    "cancelar",
    "baja",
    "detener",
    "revocar",
    "no mas",
)
# Words that may surround a keyword in a reply that is still "just the keyword": "STOP please".
COURTESY = word_set(
    "please pls plz plox now thanks thank you thx ty ok okay it me all asap already right just again "
    "seriously omg god oh dude man now lol the this that texts text messages msgs calls so yes sorry "
    "hi hello hey good morning afternoon evening bless regards sincerely "
    "por favor porfa porfavor xfa gracias muchas ya ahora senor senora si ok favor todo todos eso esto "
    "hola buenas buenos buen dia dias tardes noches saludos bendiciones dios le bendiga disculpe perdon "
    "sra sr srta"
)
# "Hi this is Ana", "habla Rosa", "gracias, Lupe": a name is not a word of the reply's meaning.
NAMES = re.compile(
    r"\b(this is|its|it is|habla|le habla|soy|me llamo)( (mr|mrs|ms|miss|dr|sr|sra|srta|don|dona))? \w+"
    r"|\b(thanks|thank you|thx|ty|gracias|saludos|atte|bendiciones|regards)( \w+)?$"
)
# Clause breaks: punctuation, and the words that join two requests in one text.
CLAUSE_BREAK = re.compile(r"[.,;:!?\n]+|\s(?:and|but|also|y|pero|ademas|además|tambien|también)\s", re.IGNORECASE)
# Keywords that are ordinary words inside a clause; the others may stand next to one other word.
AMBIGUOUS = frozenset({"end", "quit", "para", "pare", "alto", "fin", "salir", "baja", "no more", "ya no"})
CONTACT_EN = (
    r"(text|texts|texting|txt|txting|txts|sms|call|calls|calling|ring|ringing|phone|phoning|message|messages|"
    r"messaging|msg|msgs|msging|contact|contacting|email|emails|emailing|mail|bother|bothering|harass|"
    r"harassing|write|writing|send|sending|reach out|reaching out|reach|reaching|hit me up|notifications|alerts|"
    r"reminders|communication|communications|communicating|bug|bugging|pester|pestering|hound|hounding)"
)
CONTACT_ES = (
    r"(llam\w*|escrib\w*|mand\w*|envi\w*|contact\w*|molest\w*|texte\w*|marc\w*|"
    r"marqu\w*|acos\w*|fastidi\w*|habl\w*|mensaj\w*|texto\w*|msjs?|sms|correo\w*|whats\w*|freg\w*|ching\w*|jod\w*|insist\w*)"
)
CONTACT_NOUNS = (
    r"(texts?|txts?|messages?|msgs?|calls?|emails?|sms|notifications?|alerts?|reminders?|contact|communications?"
    r"|robocalls?|robo calls?|robotexts?|automated calls?)"
)
CONTACT_NOUNS_ES = r"(mensajes?|msjs?|llamadas?|textos?|correos?|sms|notificaciones|recordatorios)"
BETWEEN = r"(?: \w+){0,%d} "


@dataclass(frozen=True)
class Rule:
    """One revocation rule: its id, what it says in plain words, and its pattern on normalised text."""

    rule_id: str
    says: str
    pattern: str


# INVARIANT: order does not matter (any rule that matches revokes); ids are stable, tests name them.
RULES = (
    Rule(
        "fcc-keyword",
        "an FCC keyword anywhere: stop, revoke, opt out, unsubscribe",
        r"\b(stop|revoke|opt ?out|unsubscribe|unsub)\b",
    ),
    Rule("fcc-keyword-in-short-reply", "quit, end or cancel as the reply (with courtesy words at most)", ""),
    Rule("spanish-keyword-in-short-reply", "alto, para, basta, cancelar, baja, detener, no más… as the reply", ""),
    Rule(
        "stop-contacting",
        "a request to stop or not to text, call, write or contact",
        r"\b(stop|quit|cease|end|halt|enough)" + BETWEEN % 3 + CONTACT_EN + r"\b"
        r"|\b(dont|do not|never|not to|no longer)"
        + BETWEEN % 1
        + CONTACT_EN
        + r"( to)? (me|this|my|us|again|anymore|any more)\b"
        r"|\bnot (allowed|permitted|authorized|authorised) to " + CONTACT_EN + r"\b"
        r"|\b(you|u|yall) (please )?not " + CONTACT_EN + r"\b"
        r"|\b(im|i am) (done|finished|through) with (these|your|the|all|this|you)"
        r"|\b(dont|do not|never|not to)" + BETWEEN % 1 + r"(text|txt|call|contact|email|message|msg|bother|harass)\b"
        r"|\bno more" + BETWEEN % 2 + CONTACT_NOUNS + r"\b"
        r"|\b(end|cancel|quit)( all| the| these| those| your| my| this)? " + CONTACT_NOUNS + r"\b",
    ),
    Rule(
        "not-wanted",
        "says they do not want texts, calls or contact, or withdraws consent",
        r"\b(dont|do not|no longer) (want|wish|need)( to)?"
        + BETWEEN % 3
        + r"("
        + CONTACT_NOUNS[1:-1]
        + r"|contacted|called|texted|to hear from|communication)\b"
        r"|\b(no longer|do not|dont) (consent|agree)\b|\b(withdraw|revoke|cancel|take back)( my)? consent\b"
        r"|\bi dont want to hear from (you|u|yall)\b"
        r"|\b(dont|do not|no longer) (want|wish|need) (you|u|yall|anyone|anybody|your company)( to)? " + CONTACT_EN,
    ),
    Rule(
        "leave-alone",
        "leave me alone, remove or delete my number, take me off the list",
        r"\b(leave (me|us)( the \w+)? (alone|be)|go away|lose my number|lose this number"
        r"|(delete|remove|erase) (me|my( \w+)? number|this number|my info|my information)"
        r"|(take|get|drop) (me|my name|my( \w+)? number|this number) (off|from)"
        r"|opt me out|block(ing)? (you|u|yall|your number|this number))\b"
        r"|\b(dont|do not|never|stop) (use|using) (this|my) (number|phone|email|cell)\b"
        r"|\bnot to be (used|called|contacted|texted)\b"
        r"|\b(f|fuck|eff|piss|bugger|back|buzz) off\b|\bgo to hell\b"
        r"|\b(vete|vayanse|vallanse|largate|larguense) (al diablo|a la chingada|al carajo|a la mierda)\b",
    ),
    Rule(
        "no-mas",
        "no más: alone, at the start, or about messages or calls",
        r"^no mas\b|\bno mas (por favor|porfa|gracias|" + CONTACT_NOUNS_ES[1:-1] + r")\b|\bno mas$",
    ),
    Rule(
        "deja-de",
        "dejen de llamar / escribir / mandar…: a request to stop a kind of contact",
        r"\b(deja|dejen|deje|dejes|dejar|dejan|paren|pare|para|parar|terminen|basta)( ya)? de( \w+)? "
        + CONTACT_ES
        + r"|\b(cancelar|cancelen|cancela|cancele|detengan|detener|paren|suspendan|suspender)( los| las| sus| estos"
        r"| estas| todos los| todas las)? " + CONTACT_NOUNS_ES,
    ),
    Rule(
        "no-me-llamen",
        "no me llamen / escriban / manden / contacten / molesten (also with 'vuelvan a')",
        r"\b(no|nunca)( me| nos| le)? (vuelva|vuelvan|vuelvas|sigan|siga|esten|este) (a )?"
        + CONTACT_ES
        + r"|\b(no|ni) (me|nos) (llame|llamen|llames|escriba|escriban|escribas|mande|manden|mandes|envie|envien"
        r"|envies|contacte|contacten|contactes|moleste|molesten|molestes|textee|texteen|textees|marque|marquen"
        r"|hable|hablen|acosen|fastidien)\b"
        r"|\bno (llamen|llame|escriban|manden|envien|contacten|molesten|marquen) (mas|a este|a mi)\b"
        r"|\bno molestar\b|\bno molesten\b"
        r"|\bya no (llamen|llame|escriban|escriba|manden|mande|envien|contacten|molesten|marquen|texteen)\b"
        r"|\b(favor de|por favor|porfa|favor) no (llamar|enviar|mandar|escribir|contactar|marcar|textear|molestar)\b",
    ),
    Rule(
        "no-quiero",
        "no quiero / no deseo recibir mensajes o llamadas, or that they contact me",
        r"\bno (quiero|deseo|necesito)( recibir| mas| que me| q me| ningun| ninguna| sus| estos| estas)*"
        r" (" + CONTACT_NOUNS_ES[1:-1] + r"|contacten|llamen|escriban|manden|contacto)\b"
        r"|\bno (quiero|deseo) (que|q) (me |nos )?(sigan |vuelvan a |esten )?(llam|escrib|mand|envi|contact|molest"
        r"|texte|marc|marqu|acos|fastidi|freg|ching|jod)\w*",
    ),
    Rule(
        "dejenme-en-paz",
        "déjenme en paz; quítenme / sáquenme / bórrenme de la lista; darme de baja",
        r"\b(dejenme|dejeme|dejame|dejennos|dejanos) (en paz|tranquil\w*)\b"
        r"|\b(quitenme|quiteme|quitame|sacame|saquenme|saqueme|borrenme|borreme|borrame|eliminenme)\b"
        r"|\b(borren|borrar|eliminen|eliminar|quiten|quitar) (mi|mis|este) "
        r"(numero|telefono|celular|datos|informacion)\b"
        r"|\bno quiero saber nada de (ustedes|uds|su compania|esta compania|esto)\b"
        r"|\bde baja\b",
    ),
    Rule(
        "cease",
        "cease, the word of a cease-communication request (Regulation F 1006.6(c)), anywhere",
        r"\bcease\b",
    ),
    Rule(
        "consentimiento",
        "revoco / retiro / ya no doy mi consentimiento",
        r"\b(revoco|revocar|retiro|cancelo|quito)( mi| el)? (consentimiento|permiso|autorizacion)\b"
        r"|\bno (doy|tienen|les doy)( mi)? (consentimiento|permiso|autorizacion)\b",
    ),
    Rule(
        "ya-basta",
        "basta / párenle / paren anywhere in the reply",
        r"\b(ya basta|basta ya|parenle|paren ya|ya paren|ya parenle|basta de|que paren|q paren|que pare)\b",
    ),
)
SHORT_WORDS = {
    "fcc-keyword-in-short-reply": frozenset({"quit", "end", "cancel", "stop", "revoke", "unsubscribe"}),
    "spanish-keyword-in-short-reply": frozenset(
        {
            *SPANISH_KEYWORDS,
            "cancela",
            "cancelen",
            "detengan",
            "suficiente",
            "fin",
            "terminar",
            "salir",
            "parenle",
            "enough",
            "nomas",
            "ya no",
            "revoco",
        }
    ),
    "no-contact-in-short-reply": frozenset(
        {
            "no more",
            "no texts",
            "no calls",
            "no contact",
            "no messages",
            "no more texts",
            "no more calls",
            "no more messages",
            "dnc",
            "remove",
            "do not call",
            "do not text",
            "dont call",
            "dont text",
        }
    ),
}
# Uses of "stop" that are plainly not about contact. Removed before the rules look, so any other
# revocation in the same reply still counts. Kept short on purpose: each one is a judgement.
NOT_ABOUT_CONTACT = re.compile(
    r"\b(cant|cannot|couldnt|can not|could not) stop (worrying|thinking|crying|stressing|shaking)\b"
    r"|\bstop by\b|\bstopping by\b|\bbus stop\b|\bnon stop\b|\bstop payment on\b"
    r"|\bno puedo dejar de (pensar|preocuparme|llorar)\b"
    # "stop the late fees": stop about money or medicine, unless contact words follow
    r"|\bstop (the |my |this |these |those |all )?(late )?(fees?|interest|payment plan|payments?|charges?|medication"
    r"|autopay|automatic payments?)\b(?! (reminders?|texts?|messages?|calls?|notifications?|alerts?|emails?))"
    r"|\bno mas (de|que) \d+"  # "no más de 50": no more than 50
)
COMPILED = tuple((rule, re.compile(rule.pattern)) for rule in RULES if rule.pattern)
WHOLE_WORD = {k: re.compile(rf"\b{k}\b") for keywords in SHORT_WORDS.values() for k in keywords}


@dataclass(frozen=True)
class Revocation:
    """Whether a reply revokes, the rule that said so and the words it matched."""

    revoked: bool
    rule_id: str = ""
    matched: str = ""


def clauses(text: str) -> list[str]:
    """The reply's clauses, normalised and repaired, with greetings' and sign-offs' names left out."""
    found = []
    for part in CLAUSE_BREAK.split(text):
        for plain in repair(normalise(part)):
            found.extend(p for p in {plain, NAMES.sub(" ", plain).strip()} if p)
    return found


def keyword_clause(clause: str) -> tuple[str, str] | None:
    """(rule id, keyword) when a clause is a keyword with nothing but courtesy words around it.

    A keyword that is not an ordinary word (cancel, basta, detener…) may also stand next to one
    other word in a clause of three words or fewer ("the bill: cancel", "cancelar todo ya").
    """
    for rule_id, keywords in SHORT_WORDS.items():
        for keyword in keywords:
            if keyword not in clause or not WHOLE_WORD[keyword].search(clause):  # the substring test is cheap
                continue
            rest = [w for w in WHOLE_WORD[keyword].sub(" ", clause).split() if w not in COURTESY]
            rest = [w for w in rest if w not in keywords]
            if not rest or (keyword not in AMBIGUOUS and len(rest) == 1 and len(clause.split()) <= 3):
                return rule_id, keyword
    return None


def revocation(text: str) -> Revocation:
    """Whether a reply asks us to stop contacting the patient, and which rule reads it so."""
    for clause in clauses(text):
        short = keyword_clause(NOT_ABOUT_CONTACT.sub(" ", clause))
        if short:
            return Revocation(True, short[0], short[1])
    for plain in repair(normalise(text)):
        plain = NOT_ABOUT_CONTACT.sub(" ", plain)
        for rule, pattern in COMPILED:
            found = pattern.search(plain)
            if found:
                return Revocation(True, rule.rule_id, found.group(0).strip())
    return Revocation(False)
