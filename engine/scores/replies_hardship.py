"""Hardship by rule: the phrases that read a reply as "I cannot pay", in English and Spanish.

Why rules beside the classifier: a hardship reply the classifier misses gets no person and keeps
the automated pay-link going (a strategy's `on reply when hardship … handoff`, the ETHICS-HARDSHIP
rules), while a false hardship costs one person's look. So, like the revocation rules for stop,
these rules are a safety net ORed with the classifier (`engine.scores.replies_scoring`): they may
only add a hardship, never remove one, and a compliance officer can read them line by line and
try any wording with `parley score reply`.

What they hear: job loss (lost my job, laid off, unemployed, perdí mi trabajo, me despidieron,
desempleado/a), not being able to pay or afford (can't / cannot / can not / unable to pay, no
puedo pagar, no me alcanza), having no money (no money, don't have the money, no tengo dinero),
and hardship or help asked for by name (financial or medical hardship, financial assistance,
charity care, low income, ayuda financiera, bajos recursos).

Negation is part of each pattern, never guessed from nearby words: "I can't pay" matches because
the rule asks for the negative; "I can pay on Friday", "I will pay" and "can I pay online?" have
no negative and do not. A short, written-down list of uses that are not hardship ("I can't pay
online", "I'm no longer unemployed", "no puedo pagar en línea") is removed before the rules look,
so any other hardship in the same reply still counts. Pure: text in, verdict out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.scores.replies_revocation import Rule
from engine.scores.replies_typos import normalise

RULES_ID = "reply-hardship-rules"
# 1.1.0: round 2 (help paying, hard times, ayuda para pagar…); 1.2.0: a review's misses (a hard time
# paying, help me pay this, disabled and cannot work).
RULES_VERSION = "1.2.0"

# "can't" as phones and thumbs write it (apostrophes are gone after `normalise`)
CANT = (
    r"(cant|cannot|can not|cnt|cannt|caint|couldnt|could not|cudnt|unable to|not able to|aint able to"
    r"|wont be able to|will not be able to|wont ever be able to|no way (i|we) can|not in a position to)"
)
# words that may stand between "can't" and "pay" without changing its meaning
FILLER = r"( (really|even|possibly|just|currently|actually|honestly|realistically|simply|ever|fully|yet|afford to))?"
PAY = r"(pay|paying|afford|aford|affort|afrd|swing|cover|make (the |my |these |this )?payments?)"
MONEY = r"(money|cash|funds|income|dollars|savings)"
JOB = r"(job|jobs|work|employment|income|paycheck|hours|position)"
NO_ES = r"(no|ya no|todavia no|aun no|ahorita no|ahora no|por ahora no)"
MONEY_ES = r"(dinero|plata|lana|feria|fondos|ingresos?|sueldo|trabajo|empleo|chamba|(con que|como|para) pagar\w*)"


# INVARIANT: order does not matter (any rule that matches is a hardship); ids are stable, tests name them.
RULES = (
    Rule(
        "cannot-pay",
        "can't, cannot, can not or am unable to pay or afford it",
        r"\b" + CANT + FILLER + r" " + PAY + r"\b"
        r"|\bcan (barely|hardly|scarcely|not) (pay|afford)\b"
        r"|\b(dont|do not|doubt) (think|know if|know how|see how) (that )?(i|we)( can| could| will| will be able to"
        r"| am going to| are going to| im going to| gonna)? (pay|afford)\b"
        r"|\bnot sure (if |that )?(i|we) can (pay|afford)\b"
        r"|\bhow (am i|are we|is anyone|do you expect (me|us)|would (i|we)|could (i|we)) (supposed |going |gonna )?"
        r"(to )?(pay|afford)\b"
        r"|\b(unaffordable|too expensive for (me|us)|out of (my|our) budget|more than (i|we) (can|could) afford)\b",
    ),
    Rule(
        "job-loss",
        "lost a job, laid off, fired, unemployed or out of work",
        r"\b(lost|loosing|losing|lose) (my|our|his|her|their|the) " + JOB + r"\b"
        r"|\b(laid|layed) off\b|\blay ?off\b|\blayoffs?\b"
        r"|\b(got|been|was|were|just got|have been) (fired|let go|terminated)\b"
        r"|\b(unemployed|unemployment|jobless|out of (a )?(work|job)|between jobs|no longer working)\b"
        r"|\b(no|dont have a|do not have a|without a|dont have any|have no) (job|work|income|paycheck)\b"
        r"|\b(hours|pay|paycheck|shifts|salary) (got |were |was )?(cut|reduced)\b",
    ),
    Rule(
        "no-money",
        "has no money, not enough money, or money is tight",
        r"\b(no|zero|not enough|not any|hardly any|barely any) " + MONEY + r"\b"
        r"|\b(dont|do not|didnt|did not|dont even|do not even) have (the |any |enough |that kind of |that much )?"
        + MONEY
        + r"\b"
        r"|\b(im|i am|were|we are|so|flat|dead|totally|completely|really|super|been|being|pretty) broke\b|^broke\b"
        r"|\b(money|cash|things|finances)( is| are|s)? (really |super |very |so )?(tight|short)\b"
        r"|\b(tight|short|low) on (money|cash|funds)\b|\bcant make ends meet\b|\bliving paycheck to paycheck\b"
        r"|\b(nothing|no money|not much) left (after|at the end|for)\b|\btapped out\b",
    ),
    Rule(
        "hardship-named",
        "names hardship, or asks for financial help, charity care or a low-income discount",
        r"\b(hardship|hardships|struggling financially|financially struggling|struggling to pay"
        r"|struggling with money)\b"
        r"|\b(financial|medical|economic|money) (hardship|difficulty|difficulties|problems|trouble|troubles|crisis)\b"
        r"|\b(financial|charity|charitable) (assistance|aid|help|care|program)\b|\bcharity care\b"
        r"|\b(low|fixed|limited|little|no) income\b|\bsliding scale\b"
        r"|\b(on|living on|only get) (disability|ssi|ssdi|social security|food stamps|snap|welfare)\b"
        r"|\bdisability (check|checks|income|benefits|payments?)\b"
        r"|\b(ssi|ssdi)\b"
        r"|\b(need|needs|get|getting|any|some|ask for|asking for) help (paying|with (the |this |my )?bills?)\b"
        r"|\b(bad|tough|hard|difficult|rough) (spot|place|situation|way)( right now)? financially\b"
        r"|\b(hard|tough|rough) times\b"
        r"|\b(hard|tough|difficult|rough) time (paying|affording|making (the |my )?payments?|with (the |my )?bills?)\b"
        r"|\bhelp (me |us )?(to )?pay (this|the|my|our|it|for)\b"
        r"|\b(disabled|disability)\b.{0,20}\b(cant|cannot|can not|unable to|not able to) work\b"
        r"|\b(paycheck|income|check|salary|wages|pension) (doesnt|does not|dont|wont|barely|hardly|cant|cannot)"
        r" (cover|stretch)\b"
        r"|\b(im|i am|were|we are|been|really|so|still|family is|we have been|ive been) struggling\b",
    ),
    Rule(
        "no-puedo-pagar",
        "no puedo / no podemos / no voy a poder pagar; no me alcanza; no me da para esto",
        r"\b"
        + NO_ES
        + r" (puedo|podemos|podre|podria|podriamos|voy a poder|vamos a poder|alcanzo a|tengo como|tengo con que"
        r"|tenemos como|tenemos con que)( ahorita| ahora| todavia| aun| realmente| la verdad| de verdad| ni)?"
        r" (pagar|pagarlo|pagarla|pagarles|pagarle|cubrir|costear|con (esto|esta cuenta|los gastos|todo))\b"
        r"|\b(no|apenas|casi no|ya no) (me|nos) (alcanza|alcanzan"
        r"|(da|dan|ajusta) (para|el dinero|la plata|el sueldo))\b"
        r"|\bno (alcanza|ajusta|me ajusta)\b|\b(apenas|casi no) (puedo|podemos) (con|pagar)\b"
        r"|\b(como|cmo) (quieren|quiere|esperan|espera|voy a|vamos a|le hago para) (que )?(pague|paguemos|pagar)\b",
    ),
    Rule(
        "sin-trabajo",
        "perdí mi trabajo, me despidieron, estoy desempleado/a o sin trabajo",
        r"\b(perdi|perdio|perdimos|perdieron|perder) (mi|el|su|nuestro|los) (trabajo|empleo|chamba|jale|sueldo)\b"
        r"|\b(me|nos|lo|la|le) (despidieron|corrieron|echaron|liquidaron|recortaron( las)? horas)\b"
        r"|\b(me|nos) (quede|quedamos) sin (trabajo|empleo|chamba)\b"
        r"|\b(desempleado|desempleada|desempleados|desempleadas|desempleo|sin trabajo|sin empleo|sin chamba)\b"
        r"|\bno (tengo|tenemos|hay) (trabajo|empleo|chamba)\b",
    ),
    Rule(
        "sin-dinero",
        "no tengo dinero, sin dinero, estoy en quiebra, ando corto de dinero",
        r"\b"
        + NO_ES
        + r" (tengo|tenemos|hay|cuento con)( nada de| el| suficiente| mucho| ni un| ni)? "
        + MONEY_ES
        + r"\b"
        r"|\bsin (dinero|plata|lana|feria|fondos|ingresos|un peso|un centavo|un dolar)\b"
        r"|\ben (la )?quiebra\b|\b(estoy|estamos|ando|andamos) (bien |muy )?(quebrado|quebrada|quebrados)\b"
        r"|\b(corto|corta|cortos|cortas|apretado|apretada|apretados|apretadas) de (dinero|plata|lana|feria|lo)\b"
        r"|\b(ando|andamos|estamos|estoy) (bien |muy |super )?(corto|corta|cortos|apretado|apretada|apretados)\b",
    ),
    Rule(
        "dificultad-economica",
        "dificultad económica, ayuda o asistencia financiera, bajos ingresos, programa de caridad",
        r"\b(dificultad|dificultades|problemas|apuros|crisis) (economica|economicas|economicos|financiera|financieras"
        r"|de dinero)\b"
        r"|\b(ayuda|asistencia|apoyo) (financiera|economica)\b|\bprograma de caridad\b|\bcaridad\b"
        r"|\bdificultad(es)? para pagar\b"
        r"|\b(momento|situacion|epoca|tiempo)( esta| es)? (muy |bien |tan )?(dificil|dura|duro)\b"
        r"|\bayuda (para|con) (pagar|el pago|los pagos|la cuenta|las cuentas)\b"
        r"|\bni para (comer|la comida|la renta|la luz|los pagos|el gas)\b"
        r"|\b(bajos|pocos) (ingresos|recursos)\b|\bingreso(s)? (fijo|fijos|bajo|bajos|limitado|limitados)\b"
        r"|\b(incapacitado|incapacitada|discapacitado|discapacitada|incapacidad)\b",
    ),
)
# Uses of the rules' words that are not hardship. Removed before the rules look, so any other
# hardship in the same reply still counts. Kept short on purpose: each one is a judgement.
NOT_HARDSHIP = re.compile(
    r"\b(cant|cannot|can not|unable to|couldnt|could not) (pay|make (a |the )?payment)( it| this| the bill)?"
    r" (online|on ?line|on (the|your) (website|site|portal|app|link)|(through|with|using) (the|your) (link|app|website"
    r"|site|portal))\b"
    r"|\b(no longer|not|never been|never was|arent|isnt|wasnt|werent|no more) (unemployed|laid off|broke"
    r"|out of work|jobless)\b"
    r"|\b(not a|no) (hardship|financial hardship)\b"
    r"|\bno puedo pagar (en linea|por internet|en (la|su) (pagina|app|aplicacion)|(con|en) el (link|enlace))\b"
    r"|\bya no (estoy|estamos) (desempleado|desempleada|desempleados|sin trabajo|sin empleo)\b"
    r"|\bno (estoy|estamos) (desempleado|desempleada|desempleados|sin trabajo|sin empleo)\b"
)
COMPILED = tuple((rule, re.compile(rule.pattern)) for rule in RULES)


@dataclass(frozen=True)
class Hardship:
    """Whether a reply shows hardship by rule, the rule that said so and the words it matched."""

    found: bool
    rule_id: str = ""
    matched: str = ""


NO_HARDSHIP = Hardship(False)


def hardship(text: str) -> Hardship:
    """Whether a reply says the patient cannot pay, and which rule reads it so."""
    plain = NOT_HARDSHIP.sub(" ", normalise(text))
    for rule, pattern in COMPILED:
        found = pattern.search(plain)
        if found:
            return Hardship(True, rule.rule_id, found.group(0).strip())
    return NO_HARDSHIP
