"""Which of the patient's contact points a contact goes to, chosen before the guard is asked.

`choose(channel, patient, events)` reads the guard-case patient (`Ledger.patient`: contact points
and HIPAA confidential-communication preferences) and the guard's events, and answers with the
point to use, or with why there is none. decide asks `ledger_route(ledger)` for the point and
passes it to the guard as `ContactRequest.to`, so the guard judges the very point the message will
go to, and the runtime sends to that point (`runtime.service.recipients`): one choice, made once.

The order of precedence:

1. HIPAA confidential communications (45 CFR 164.522(b)): a provider must accommodate a
   patient's reasonable request to be reached by alternative means or at an alternative location.
   When the patient named channels (`confidential_communication.channels`), other channels are
   refused; when they named contact points (`confidential_communication.to`), only those points
   are used, in the order given, and never the default address or number.
2. A point the patient opted out of (`opt_out` event naming it in `to`) or learned not to be the
   patient's (`number_not_patient`, or `belongs_to_patient: false`) is never used.
3. Otherwise the first point of a kind the channel reaches, a personal one before one at work or
   provided by an employer.

A point with no address or number in it is skipped. Pure: no I/O. The address itself is PHI: it
stays in `Choice.value` (for the outbox message), never in a refusal reason or a trace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.decide import Route
from engine.guard.case import REACHES
from engine.guarding import Ledger

NO_ADDRESS_CHANNELS = frozenset({"chat"})  # the patient portal's chat reaches the signed-in patient
VALUE_KEYS = {
    "email": ("address", "email", "value"),
    "mobile": ("number", "phone", "value"),
    "landline": ("number", "phone", "value"),
    "address": ("address", "lines", "value"),
}
BLOCKING_EVENTS = frozenset({"opt_out", "number_not_patient"})
KIND_WORDS = {"email": "email address", "sms": "mobile number", "letter": "postal address"}


@dataclass(frozen=True)
class Choice:
    """The point a contact goes to and the address or number it holds, or why there is none.

    All None for a channel that needs no address (chat).
    """

    point_id: str | None = None
    value: str | None = None  # PHI: only for the outbox message
    refused: str | None = None


def choose(channel: str, patient: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> Choice:
    """The point a contact on `channel` goes to (see the module docstring for the order of precedence)."""
    if channel in NO_ADDRESS_CHANNELS:
        return Choice()
    preferences = patient.get("confidential_communication") or {}
    preferences = preferences if isinstance(preferences, Mapping) else {}
    allowed_channels = [str(c) for c in listed(preferences.get("channels"))]
    if allowed_channels and channel not in allowed_channels:
        names = ", ".join(f"`{c}`" for c in allowed_channels)
        return Choice(refused=f"the patient asked to be reached only by {names} (HIPAA confidential communication)")
    points = [p for p in listed(patient.get("contact_points")) if isinstance(p, Mapping)]
    chosen_ids = [str(t) for t in listed(preferences.get("to"))]
    kinds = REACHES.get(channel, ())
    if chosen_ids:
        by_id = {str(p.get("id")): p for p in points}
        candidates = [by_id[i] for i in chosen_ids if i in by_id and by_id[i].get("kind") in kinds]
        if not candidates:
            return Choice(
                refused=f"none of the addresses the patient asked to be reached at takes `{channel}`"
                " (HIPAA confidential communication)"
            )
    else:
        candidates = sorted((p for p in points if p.get("kind") in kinds), key=at_work)  # stable: list order kept
    blocked = {str(e.get("to")) for e in events if e.get("type") in BLOCKING_EVENTS and e.get("to") is not None}
    usable = [p for p in candidates if p.get("belongs_to_patient", True) and str(p.get("id")) not in blocked]
    for point in usable:
        value = point_value(point)
        if value is not None:
            return Choice(str(point.get("id")), value)
    what = KIND_WORDS.get(channel, "phone number")
    if candidates:
        return Choice(refused=f"every {what} on file for `{channel}` is opted out, not the patient's, or empty")
    return Choice(refused=f"the patient has no {what} on file for `{channel}`")


def listed(value: object) -> list[Any]:
    """A list as the case gives it; anything else as none (the guard's reader names a malformed field)."""
    return value if isinstance(value, list) else []


def at_work(point: Mapping[str, Any]) -> bool:
    """Whether a point is at the patient's work (tried last: FDCPA limits contacts at work)."""
    return point.get("place") == "work" or bool(point.get("employer_provided", False))


def point_value(point: Mapping[str, Any]) -> str | None:
    """The address or number a contact point holds, as text; None when it holds none."""
    for key in VALUE_KEYS.get(str(point.get("kind")), ("value",)):
        value = point.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, Mapping):
            value = list(value.values())
        if isinstance(value, list):
            lines = [str(v).strip() for v in value if isinstance(v, str | int) and str(v).strip()]
            if lines:
                return ", ".join(lines)
    return None


def point_of(patient: Mapping[str, Any], point_id: str) -> Mapping[str, Any] | None:
    """The patient's contact point with this id, if any."""
    for point in listed(patient.get("contact_points")):
        if isinstance(point, Mapping) and str(point.get("id")) == point_id:
            return point
    return None


def ledger_route(ledger: Ledger) -> Route:
    """decide's route for an account: each channel's point by `choose` on the ledger, worked out once."""
    chosen: dict[str, str | None] = {}

    def route(channel: str) -> str | None:
        if channel not in chosen:
            chosen[channel] = choose(channel, ledger.patient, ledger.events).point_id
        return chosen[channel]

    return route


__all__ = ["Choice", "choose", "ledger_route", "point_of", "point_value"]
