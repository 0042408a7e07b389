"""Where a contact goes: the patient's address or number for a channel, after their own instructions.

`recipient(channel, patient, events)` reads the guard-case patient (`Ledger.patient`: contact
points and HIPAA confidential-communication preferences) and the guard's events, and answers
with the address or number to use, or with why there is none. A contact with no usable address
is refused before it is reserved, instead of being queued to fail as a dead letter.

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

Pure: no I/O. The address itself is PHI: it goes into the outbox message, never into a log or a
refusal reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.decide import Proposal
from engine.guard.case import REACHES
from engine.guarding import Ledger
from runtime.store.ledger import is_contact

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
class Recipient:
    """The address or number a contact goes to (None for a channel that needs none), or why there is none."""

    to: str | None = None
    point_id: str | None = None
    refused: str | None = None


def recipient(channel: str, patient: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> Recipient:
    """The recipient of a contact on `channel` (see the module docstring for the order of precedence)."""
    if channel in NO_ADDRESS_CHANNELS:
        return Recipient()
    preferences = patient.get("confidential_communication") or {}
    allowed_channels = [str(c) for c in preferences.get("channels") or []]
    if allowed_channels and channel not in allowed_channels:
        listed = ", ".join(f"`{c}`" for c in allowed_channels)
        return Recipient(refused=f"the patient asked to be reached only by {listed} (HIPAA confidential communication)")
    points = [p for p in patient.get("contact_points") or [] if isinstance(p, Mapping)]
    chosen_ids = [str(t) for t in preferences.get("to") or []]
    kinds = REACHES.get(channel, ())
    if chosen_ids:
        by_id = {str(p.get("id")): p for p in points}
        candidates = [by_id[i] for i in chosen_ids if i in by_id and by_id[i].get("kind") in kinds]
        if not candidates:
            return Recipient(
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
            return Recipient(value, str(point.get("id")))
    what = KIND_WORDS.get(channel, "phone number")
    if candidates:
        return Recipient(refused=f"every {what} on file for `{channel}` is opted out, not the patient's, or empty")
    return Recipient(refused=f"the patient has no {what} on file for `{channel}`")


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


def addresses(
    ledger: Ledger, proposals: Sequence[Proposal]
) -> tuple[list[tuple[Proposal, str | None]], list[tuple[Proposal, str]]]:
    """Each proposal with the address its contact goes to (None: not a contact, or a channel needing none),
    and the contacts refused because the patient has no usable address for their channel.

    Refused before the ledger settles, so an unreachable contact is never reserved nor counted.
    """
    kept: list[tuple[Proposal, str | None]] = []
    refused: list[tuple[Proposal, str]] = []
    for proposal in proposals:
        if not is_contact(proposal):
            kept.append((proposal, None))
            continue
        found = recipient(str(proposal.channel), ledger.patient, ledger.events)
        if found.refused is not None:
            refused.append((proposal, found.refused))
        else:
            kept.append((proposal, found.to))
    return kept, refused


__all__ = ["Recipient", "addresses", "recipient"]
