"""Screening hand-offs: a strategy's `screen financial_assistance` puts the patient in front of a counselor.

Parley holds no poverty-guideline figures and decides no one's eligibility. A `screen` step is
work for a person: the service opens a hand-off in the financial counselors' queue whose reason
says what to do, and the counselor posts an `fa_screening` event with the outcome. That event is
what the 501(r) rules read as the screening having happened (IRS501R-ECA-DEF: reasonable efforts
to find out whether the patient qualifies before any extraordinary collection action; a pack's
`wait 0 days after fa_screening before eca`).

This module says where the hand-off goes and in which words, without a database, so the batch
run (`runtime.portfolio_out`) shows the same queue the service opens; `runtime.store.handoffs`
finds one already waiting.

INVARIANT: an account has at most one screening hand-off waiting (open or claimed) that no
`fa_screening` event has answered; a later `screen` while one waits opens nothing new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from engine.decide import Proposal

# The desk the shipped strategies already hand hardship to (`handoff "financial-counselors"`):
# the same people screen, so a screening lands where they already work.
SCREENING_QUEUE = "financial-counselors"
SCREENING_EVENT = "fa_screening"
DEFAULT_PRIORITY = "normal"
# INVARIANT: every screening hand-off's reason starts with these words; `runtime.store.handoffs`
# finds the waiting one by them (the table has no column for the kind of hand-off).
SCREENING_REASON = (
    "screen for financial assistance under the provider's financial-assistance policy (FAP); "
    f"post an `{SCREENING_EVENT}` event with the outcome"
)


def is_screen(proposal: Proposal) -> bool:
    """Whether a proposal is a `screen` action."""
    return proposal.action == "screen"


def screening_reason(proposal: Proposal) -> str:
    """What the counselor is asked to do, and which step or handler asked."""
    return f"{SCREENING_REASON} (from `{proposal.source}`)"


def screening_desk(proposal: Proposal, proposals: Sequence[Proposal]) -> tuple[str, str]:
    """The screening hand-off's queue and priority.

    Normal priority unless the strategy says otherwise: a step or handler that screens and also
    hands the patient to the counselors (`handoff "financial-counselors" priority high`) has said
    how urgent their work is, and the screening takes that priority.
    """
    for other in proposals:
        same_desk = other.action == "handoff" and other.details.get("queue") == SCREENING_QUEUE
        if same_desk and other.source == proposal.source:
            return SCREENING_QUEUE, str(other.details.get("priority") or DEFAULT_PRIORITY)
    return SCREENING_QUEUE, DEFAULT_PRIORITY


def screening_details(proposal: Proposal, proposals: Sequence[Proposal]) -> dict[str, Any]:
    """A screen proposal's details with the desk it goes to, as the batch output and decide's answer show it."""
    queue, priority = screening_desk(proposal, proposals)
    return {**proposal.details, "queue": queue, "priority": priority}


def with_screening(
    out: list[dict[str, Any]], kept: Sequence[Proposal], screening: tuple[int, bool] | None
) -> list[dict[str, Any]]:
    """Decide's answer (one JSON object per kept proposal) with each `screen` showing its desk and hand-off.

    `screening`: the hand-off's id and whether this decision opened it (False: it was waiting).
    """
    if screening is None:
        return out
    for data, proposal in zip(out, kept, strict=True):
        if is_screen(proposal):
            data["details"] = screening_details(proposal, kept)
            data.update(handoff_id=screening[0], handoff_opened=screening[1])
    return out


def last_screened(events: Iterable[Any]) -> dt.datetime | None:
    """When the newest `fa_screening` event happened (events with `type` and `at`), or None."""
    times = [e.at for e in events if e.type == SCREENING_EVENT]
    return max(times, default=None)


__all__ = [
    "SCREENING_QUEUE",
    "SCREENING_REASON",
    "is_screen",
    "last_screened",
    "screening_desk",
    "screening_details",
    "screening_reason",
    "with_screening",
]
