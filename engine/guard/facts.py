"""Facts about one debt at one instant, and conditions evaluated on them in three values.

A condition in a pack (`hold collection when disputed until verified`, `forbid credit_report
when original_balance < $500`) reads these names. A name the case cannot answer is *unknown*,
and a rule whose condition is unknown is treated as holding: the guard fails closed and says
which fact it missed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from dsl import ast
from dsl.checks.context import jurisdiction_covers
from engine.guard.case import Event
from engine.guard.history import View, is_revocation
from engine.values import OPERATORS

UNKNOWN = None
# Facts that change with the calendar alone: a rule on them may clear by waiting.
TIME_DEPENDENT = frozenset({"days_since_first_statement", "days_past_due"})


def fact(view: View, debt_id: str, name: str) -> tuple[Any, int | None]:
    """The value of a fact for a debt (None: unknown) and the local day it became so, if dated."""
    event_fact = EVENT_FACTS.get(name)
    if event_fact is not None:
        return event_fact(view, debt_id)
    debt = view.case.debt(debt_id)
    patient = view.case.patient
    if name == "balance":
        return (debt.balance if debt else None), None
    if name in ("original_balance", "initial_balance"):
        return (debt.initial_balance if debt and debt.initial_balance is not None else None), None
    if name in ("kind", "debt.kind"):
        return (debt.kind if debt else None), None
    if name == "medical":
        return (debt is not None and debt.kind == "medical"), None
    if name == "days_since_first_statement":
        if debt is None or debt.first_statement is None:
            return None, None
        return view.day - debt.first_statement.toordinal(), None
    if name == "days_past_due":
        if debt is None or debt.delinquent_since is None:
            return None, None
        return view.day - debt.delinquent_since.toordinal(), None
    if name == "time_barred":
        return (debt.time_barred if debt else None), None
    if name.startswith("intent."):
        return intent(view, debt_id, name.removeprefix("intent."))
    if name.startswith("score."):
        score = patient.scores.get(name.removeprefix("score."))
        return (None if score is None else Decimal(str(score))), None
    if name == "patient.age":
        return patient.age, None
    if name == "jurisdiction":
        return view.case.jurisdiction, None
    if name == "organization":
        return view.case.organization, None
    if name == "patient.language":
        return patient.language, None
    if name == "patient.timezone":
        return patient.zone_names[0], None
    if name.startswith("consent."):
        return tcpa_consent(view, name.removeprefix("consent."), None), None
    return UNKNOWN, None


# Intents the case's events already show; any other comes from `patient.intents`.
INTENT_EVENTS = {
    "wrong_person": ("number_not_patient",),
    "hardship": ("hardship_reply",),
    "dispute": ("dispute",),
    "stop": ("consent_revoked", "opt_out", "cease"),
}


def intent(view: View, debt: str, name: str) -> tuple[Any, int | None]:
    """Whether the patient's replies showed an intent, and on which day it was first seen."""
    days = [e.day for e in view.events if e.type in INTENT_EVENTS.get(name, ()) and e.debt in (None, debt)]
    if name == "stop":
        days += [e.day for e in view.events if e.type == "reply" and is_revocation(e.text)]
    if days:
        return True, min(days)
    said = view.case.patient.intents
    return (said is not None and name in said), None


def tcpa_consent(view: View, kind: str, channel: str | None) -> bool:
    """Consent of a kind (`autodialed_calls`, `sms`…) after every later grant and revocation."""
    granted = view.case.patient.consent.get(kind, False)
    for event in view.events:
        same_channel = channel is None or event.channel in (None, channel)
        if event.type == "consent_given" and event.kind == kind:
            granted = True
        elif revokes(event, kind, same_channel):
            granted = False
    return granted


def revokes(event: Event, kind: str, same_channel: bool) -> bool:
    """A revocation of this consent kind, or of every consent on the channel, or a STOP reply."""
    if event.type == "consent_revoked":
        return event.kind == kind or (event.kind is None and same_channel)
    return event.type == "reply" and is_revocation(event.text) and same_channel


def latest_day(view: View, kind: str, debt: str) -> int | None:
    """The local day of the latest event of a type about a debt."""
    event = view.latest(kind, debt)
    return event.day if event else None


def open_dispute(view: View, debt: str) -> tuple[Any, int | None]:
    """A written dispute not yet answered by verification (1006.38(c))."""
    dispute = view.latest("dispute", debt)
    if dispute is None:
        return False, None
    answered = any(e.at > dispute.at for e in view.events_of("verification_sent", debt))
    return (not answered), dispute.day


def verified(view: View, debt: str) -> tuple[Any, int | None]:
    """Verification sent after the latest dispute (or at all, when there was none)."""
    dispute = view.latest("dispute", debt)
    sent = [e for e in view.events_of("verification_sent", debt) if dispute is None or e.at > dispute.at]
    return bool(sent), (sent[-1].day if sent else None)


FactReader = Callable[[View, str], tuple[Any, int | None]]


def happened(kind: str) -> FactReader:
    """A fact that holds once an event of `kind` about the debt was received."""

    def read(view: View, debt: str) -> tuple[Any, int | None]:
        day = latest_day(view, kind, debt)
        return day is not None, day

    return read


def paid(view: View, debt_id: str) -> tuple[Any, int | None]:
    """Paid: a payment event, or a zero balance."""
    day = latest_day(view, "paid", debt_id)
    debt = view.case.debt(debt_id)
    zero = debt is not None and debt.balance is not None and debt.balance == 0
    return (day is not None or zero), day


def fa_pending(view: View, debt: str) -> tuple[Any, int | None]:
    """A financial-assistance application with no decision yet (501(r) suspends ECAs)."""
    application = view.latest("fa_application", debt)
    if application is None:
        return False, None
    decided = any(e.at > application.at for e in view.events_of("fa_decision", debt))
    return (not decided), application.day


EVENT_FACTS = {
    "disputed": open_dispute,
    "verified": verified,
    "cease_requested": happened("cease"),
    "ceased": happened("cease"),
    "attorney_represented": happened("attorney_representation"),
    "bankrupt": happened("bankruptcy"),
    "deceased": happened("deceased"),
    "paid": paid,
    "fa_application_pending": fa_pending,
    "plan_active": happened("plan_accepted"),
}


# ---------------------------------------------------------------- conditions


def evaluate(expr: ast.Expr, view: View, debt: str) -> bool | None:
    """A condition's truth for a debt: True, False, or None when a fact it needs is unknown."""
    if isinstance(expr, ast.And):
        results = [evaluate(o, view, debt) for o in expr.operands]
        return False if False in results else (None if None in results else True)
    if isinstance(expr, ast.Or):
        results = [evaluate(o, view, debt) for o in expr.operands]
        return True if True in results else (None if None in results else False)
    if isinstance(expr, ast.Not):
        inner = evaluate(expr.operand, view, debt)
        return None if inner is None else not inner
    if isinstance(expr, ast.Compare):
        left, right = value_of(expr.left, view, debt), value_of(expr.right, view, debt)
        if is_jurisdiction(expr.left) and isinstance(right, str) and expr.op in ("==", "!="):
            # `jurisdiction == "US-NY"` holds for a patient in `US-NY-NYC` too: the pack means the state.
            inside = isinstance(left, str) and jurisdiction_covers(right, left)
            return inside if expr.op == "==" else not inside
        return compare(expr.op, left, right)
    if isinstance(expr, ast.Between):
        subject = value_of(expr.subject, view, debt)
        low = compare(">=", subject, value_of(expr.low, view, debt))
        high = compare("<=", subject, value_of(expr.high, view, debt))
        return None if None in (low, high) else bool(low and high)
    if isinstance(expr, ast.InList):
        subject = value_of(expr.subject, view, debt)
        if subject is None:
            return None
        return any(compare("==", subject, value_of(o, view, debt)) for o in expr.options)
    value = value_of(expr, view, debt)
    return value if isinstance(value, bool) or value is None else None


def is_jurisdiction(expr: ast.Expr) -> bool:
    """Whether an operand is the `jurisdiction` fact."""
    return isinstance(expr, ast.Name) and expr.path == "jurisdiction"


def value_of(expr: ast.Expr, view: View, debt: str) -> Any:
    """The value of an operand: a fact, a literal, or a nested condition."""
    if isinstance(expr, ast.Name):
        return fact(view, debt, expr.path)[0]
    if isinstance(expr, (ast.NumberLit, ast.PercentLit)):
        return expr.value
    if isinstance(expr, ast.MoneyLit):
        return expr.amount
    if isinstance(expr, ast.StringLit):
        return expr.value
    if isinstance(expr, ast.BoolLit):
        return expr.value
    if isinstance(expr, ast.Duration):
        return Decimal(expr.minutes) / 1440
    if isinstance(expr, ast.DateLit):
        return expr.value
    if isinstance(expr, (ast.And, ast.Or, ast.Not, ast.Compare, ast.Between, ast.InList)):
        return evaluate(expr, view, debt)
    return None


def compare(op: str, left: Any, right: Any) -> bool | None:
    """`left OP right` when both are known and comparable, else None."""
    if left is None or right is None:
        return None
    numeric = (int, Decimal)
    if isinstance(left, bool) or isinstance(right, bool):
        if not (isinstance(left, bool) and isinstance(right, bool)) or op not in ("==", "!="):
            return None
    elif isinstance(left, numeric) and isinstance(right, numeric):
        left, right = Decimal(left), Decimal(right)
    elif type(left) is not type(right) or (isinstance(left, str) and op not in ("==", "!=")):
        return None
    if isinstance(left, dt.date) and not isinstance(right, dt.date):
        return None
    return OPERATORS[op](left, right)


def names_in(expr: ast.Expr) -> list[str]:
    """Every fact name a condition reads, in order."""
    if isinstance(expr, ast.Name):
        return [expr.path]
    if isinstance(expr, (ast.And, ast.Or)):
        return [n for o in expr.operands for n in names_in(o)]
    if isinstance(expr, ast.Not):
        return names_in(expr.operand)
    if isinstance(expr, ast.Compare):
        return names_in(expr.left) + names_in(expr.right)
    if isinstance(expr, ast.Between):
        return names_in(expr.subject) + names_in(expr.low) + names_in(expr.high)
    if isinstance(expr, ast.InList):
        return names_in(expr.subject)
    return []
