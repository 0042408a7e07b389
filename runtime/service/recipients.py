"""Where a contact goes: the address or number of the point decide chose before the guard judged it.

`engine.recipients.choose` picks the patient's contact point for a channel (HIPAA confidential
communications first, then opt-outs and wrong numbers, then the default point; see there), and
decide passes that point to the guard as `ContactRequest.to` and keeps it as `Proposal.to`.
`addresses(ledger, proposals)` reads the address or number of that same point for the outbox
message, with no second choice that could differ from the point the guard judged. A contact with
no usable point is refused before it is reserved, instead of being queued to fail as a dead letter.

The address itself is PHI: it goes into the outbox message, never into a log or a refusal reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.decide import Proposal
from engine.guarding import Ledger
from engine.recipients import NO_ADDRESS_CHANNELS, choose, point_of, point_value
from runtime.store.ledger import is_contact

# Fails closed: decide ran without a route, so the guard judged no particular point.
NOT_CHOSEN = "no contact point was chosen for it before the runtime guard judged it"


@dataclass(frozen=True)
class Recipient:
    """The address or number a contact goes to (None for a channel that needs none), or why there is none."""

    to: str | None = None
    point_id: str | None = None
    refused: str | None = None


def recipient(channel: str, patient: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> Recipient:
    """The recipient `engine.recipients.choose` picks for a contact on `channel`."""
    found = choose(channel, patient, events)
    return Recipient(found.value, found.point_id, found.refused)


def address_of(ledger: Ledger, proposal: Proposal) -> Recipient:
    """The address or number of the point decide chose for a contact (the one the guard judged)."""
    channel = str(proposal.channel)
    if channel in NO_ADDRESS_CHANNELS:
        return Recipient()
    if proposal.to is None:
        found = choose(channel, ledger.patient, ledger.events)
        return Recipient(refused=found.refused or NOT_CHOSEN)
    point = point_of(ledger.patient, proposal.to)
    value = point_value(point) if point is not None else None
    if value is None:
        return Recipient(refused=f"the contact point chosen for `{channel}` holds no address or number")
    return Recipient(value, proposal.to)


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
        found = address_of(ledger, proposal)
        if found.refused is not None:
            refused.append((proposal, found.refused))
        else:
            kept.append((proposal, found.to))
    return kept, refused


__all__ = ["Recipient", "address_of", "addresses", "recipient"]
