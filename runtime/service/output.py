"""Decide's answer as JSON: the kept proposals with their ledger and outbox ids, and hand-off reasons."""

from __future__ import annotations

import json
from typing import Any

from engine.decide import Proposal
from runtime.store.ledger import Reserved, is_contact


def handoff_reason(proposal: Proposal) -> str:
    """The strategy's own words for a hand-off: where it came from, the queue and the priority."""
    details = json.dumps(dict(proposal.details), sort_keys=True, default=str)
    return f"{proposal.source}: {details}"


def handoff_desk(proposal: Proposal) -> tuple[str, str]:
    """A hand-off's queue and priority, as the strategy's `handoff "queue" priority P` gives them."""
    details = proposal.details
    return str(details.get("queue", "")), str(details.get("priority") or "normal")


def proposal_json(proposal: Proposal) -> dict[str, Any]:
    """One proposal as JSON."""
    return {
        "source": proposal.source,
        "action": proposal.action,
        "channel": proposal.channel,
        "template": proposal.template,
        "at": proposal.at.isoformat(),
        "details": json.loads(json.dumps(dict(proposal.details), default=str)),
    }


def out_proposals(kept: list[Proposal], contacts: list[Reserved], outbox_ids: list[int | None]) -> list[dict]:
    """Kept proposals as JSON, each contact with its ledger and outbox ids."""
    ids = iter(zip(contacts, outbox_ids, strict=True))
    out = []
    for proposal in kept:
        data = proposal_json(proposal)
        if is_contact(proposal):
            contact, outbox_id = next(ids)
            data.update(contact_id=contact.id, outbox_id=outbox_id)
        out.append(data)
    return out


__all__ = ["handoff_reason", "out_proposals", "proposal_json"]
