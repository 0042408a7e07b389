"""A decision's messages: each reserved contact's message rendered in the patient's language and queued.

`compose` renders a contact's template (Jinja2's sandbox, Babel) with the account's variables and
the packs' disclosure wording, in the patient's language or, when the template is not written in
it, the first of the strategy's `languages` that it is; `enqueue_message` queues the messages in
the outbox in decide's transaction, so a message exists exactly when its contact is reserved.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session

from engine.account import Account
from engine.decide import Proposal
from engine.plan import Plan
from engine.plan_terms import plan_terms
from runtime.store.languages import primary_language
from runtime.store.ledger import Reserved, is_contact

log = logging.getLogger("parley.decide")


def compose(
    templates: Any,
    disclosures: Mapping[str, Mapping[str, Any]] | None,
    row: Any,
    account: Account,
    proposal: Proposal,
    plan: Plan | None = None,
    offered: Mapping[str, Mapping[str, object]] | None = None,
) -> Any:
    """The message for a contact, rendered in the patient's language; a `RenderError` when it cannot be.

    A patient whose language the template is not written in gets the first of the strategy's
    `languages` it is written in (English when the strategy names none): a message they may need
    help to read, rather than no outreach at all. The message names the language it is in.
    `offered`: the details of each `offer plan` in the decision, by its source: a message from the
    same step states that plan's terms (`engine.plan_terms`), whatever plan the account holds.
    """
    from runtime.render import RenderedMessage, render_message, wording_for

    # The primary language alone (`es-MX` → `es`): templates are written per language, not per region.
    wanted = primary_language(str(account.facts.get("patient.language") or "en"))
    channel, template = str(proposal.channel), proposal.template or proposal.action
    if templates is None:
        return RenderedMessage(template=template, language=wanted, channel=channel, body="")
    promised = tuple(code.name for code in plan.strategy.languages) if plan is not None else ()
    language = written_in(templates.languages_of(template), wanted, promised)
    if language != wanted:
        log.info("account %s: `%s` has no `%s` version; sent in `%s`", account.account_id, template, wanted, language)
    variables = {**row.variables}
    if account.facts.get("balance") is not None:
        variables.setdefault("account.balance", str(account.facts["balance"]))
    offer = (offered or {}).get(proposal.source)
    if offer is not None:
        variables.update(plan_terms(offer, account.facts.get("balance")))
    return render_message(
        templates, template, language, channel, variables, wording_for(disclosures or {}, language, channel)
    )


def compose_each(
    templates: Any,
    disclosures: Mapping[str, Mapping[str, Any]] | None,
    row: Any,
    account: Account,
    proposals: Sequence[Proposal],
    plan: Plan | None = None,
) -> tuple[dict[int, Any], list[tuple[Proposal, str]]]:
    """Each contact's message, by the proposal's identity, and the contacts whose message cannot be
    rendered, with why.

    One message that cannot be rendered (an account variable that is not a date, a template a
    language lacks) costs that contact only: it is not reserved, the decision says why, and the
    decision's hand-offs, other contacts and progress are kept, rather than the whole decision
    refused with a hardship hand-off in it.
    """
    from runtime.render import RenderError

    offered = {p.source: p.details for p in proposals if p.action == "offer_plan"}
    messages: dict[int, Any] = {}
    failed: list[tuple[Proposal, str]] = []
    for proposal in proposals:
        if not is_contact(proposal):
            continue
        try:
            messages[id(proposal)] = compose(templates, disclosures, row, account, proposal, plan, offered)
        except RenderError as problem:
            log.error("account %s: the message for `%s` cannot be rendered", account.account_id, proposal.source)
            failed.append((proposal, f"its message cannot be rendered: {problem}"))
    return messages, failed


def written_in(known: Sequence[str], wanted: str, promised: Sequence[str]) -> str:
    """The patient's language if the template has it, else the first promised one it has, else English."""
    if wanted in known or not known:
        return wanted  # an unknown template: rendering names it
    return next((code for code in (*promised, "en") if code in known), wanted)


def enqueue_message(session: Session, items: Sequence[tuple[Reserved, Any, str | None]]) -> list[int]:
    """Queue each contact's message for its recipient in the outbox, in this transaction (helper O's store)."""
    if not items:
        return []
    from runtime.outbox.store import enqueue_many

    return enqueue_many(session, items)
