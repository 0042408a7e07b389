"""Decide for one account and reserve what it proposes, in one transaction; replay a stored decision.

`decide_and_reserve(target, account_id, now, plans, rules, models, templates, disclosures)`:

1. lock the account (PostgreSQL `FOR UPDATE`; SQLite's write transaction holds the database);
2. load it and its ledger, score it with `models` (when given);
3. `engine.decide.decide` with `engine.guarding.account_guard` on the real ledger;
4. settle the contacts against the ledger: a second contact in the same decision is judged with
   the first one counted, and a contact placed before one already reserved for later must not push
   that later one over a cap (the guard counts only what comes before a proposal);
5. store the decision (inputs, strategy hash, model ids, every guard answer: replayable), reserve
   the contacts, queue one outbox message per contact, open a hand-off per `handoff`, and for a
   `screen` a hand-off to the financial counselors unless one is still waiting for its
   `fa_screening` event (`runtime.store.handoffs_screening`: Parley never decides eligibility);
6. advance the account's progress (steps acted, events handled) and append an audit row.

Either all of it is committed or none of it. Logs carry ids only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from dsl import ast
from engine.account import Account
from engine.decide import AUTOMATED, ContactRequest, Decision, Guard, GuardAnswer, Proposal, decide
from engine.guard import GuardRules
from engine.guarding import Ledger, account_guard
from engine.holds import held_after
from engine.plan import strategy_organization
from engine.recipients import ledger_route
from runtime.db.database import transaction
from runtime.service.messages import compose_each, enqueue_message
from runtime.service.output import handoff_desk, handoff_reason, out_proposals, proposal_json
from runtime.service.plans import plan_for
from runtime.service.recheck import cancel_held
from runtime.service.recipients import addresses
from runtime.service.scoring import cached_models
from runtime.store import audit
from runtime.store.accounts import HISTORY_DAYS, advance_progress, engine_state, progress_json
from runtime.store.decisions import Asked, Replay, decision_values, replay
from runtime.store.handoffs import open_handoff, open_screening, waiting_screening
from runtime.store.handoffs_screening import is_screen, last_screened, with_screening
from runtime.store.hot import finish, insert_decision, lock_and_read
from runtime.store.ledger import is_contact, reserve
from runtime.store.problems import StoreProblem, not_found

log = logging.getLogger("parley.decide")


@dataclass(frozen=True)
class DecisionOut:
    """What a decide call did: the decision's id, the reserved contacts, the hand-offs, the trace."""

    decision_id: int
    account_id: str
    now: dt.datetime
    strategy_name: str
    strategy_version: int
    strategy_hash: str
    day: int
    proposals: list[dict[str, Any]]  # kept proposals; contacts carry `contact_id` and `outbox_id`
    refused: list[dict[str, Any]]  # contacts the ledger refused, with the reason
    handoff_ids: list[int]
    model_ids: dict[str, Any]
    trace: dict[str, Any]
    outcome: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "decision_id": self.decision_id,
            "account_id": self.account_id,
            "now": self.now.isoformat(),
            "strategy": {"name": self.strategy_name, "version": self.strategy_version, "hash": self.strategy_hash},
            "day": self.day,
            "outcome": self.outcome,
            "proposals": self.proposals,
            "refused": self.refused,
            "handoff_ids": self.handoff_ids,
            "model_ids": self.model_ids,
            "trace": self.trace,
        }


@dataclass
class Settled:
    """The proposals the ledger keeps, and those it refuses with why."""

    kept: list[Proposal] = field(default_factory=list)
    refused: list[tuple[Proposal, str]] = field(default_factory=list)


def without_unrenderable(settled: Settled, unrenderable: list[tuple[Proposal, str]], steps: Collection[str]) -> Settled:
    """The decision without the contacts whose message cannot be rendered, refused with why.

    A step acts whole or not at all: its other actions wait with it (a day-0 validation letter that
    cannot be rendered must not leave the step done with only its text sent), so the step is not
    marked done and acts once the data or template is fixed. A handler keeps its other actions (a
    hardship hand-off must not wait on a template).
    """
    dropped = {id(p) for p, _ in unrenderable}
    waiting = {p.source for p, _ in unrenderable if p.source in steps}
    held = [
        (p, f"not kept: a message of step `{p.source}` cannot be rendered, so the step waits to act whole")
        for p in settled.kept
        if id(p) not in dropped and p.source in waiting
    ]
    gone = dropped | {id(p) for p, _ in held}
    return Settled([p for p in settled.kept if id(p) not in gone], [*settled.refused, *unrenderable, *held])


def decide_and_reserve(
    target: Engine | Session,
    account_id: str,
    now: dt.datetime,
    plans: Any,
    rules: GuardRules,
    models: Mapping[str, Any] | None = None,
    templates: Any = None,
    disclosures: Mapping[str, Mapping[str, Any]] | None = None,
    actor: str = "decide",
    bandit: Any = None,
) -> DecisionOut:
    """Decide for an account and reserve its contacts, all in one transaction (see the module docstring).

    `target`: an engine (a transaction is opened and committed here) or a session inside the
    caller's write transaction. `plans`: an `engine.deploy.PlanBook`, `LivePlans`, anything with
    `.plan(name)`, or a mapping of strategy name to plan. `templates` (a `dsl.templates.TemplateSet`)
    and `disclosures` (the wording book: language → key → wording, with per-channel tables, see
    `runtime.render.wording_for`) render the messages; without templates a message holds only its
    template name (for tests and simulations). `bandit` (an `engine.scores.bandit.BanditState`),
    with `models`, draws each account's best time and channel. Raises `StoreProblem`.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise StoreProblem(422, "the decision time needs its UTC offset", "now")
    if isinstance(target, Session):
        return decide_in(target, account_id, now, plans, rules, models, templates, disclosures, actor, bandit)
    with transaction(target) as session:
        return decide_in(session, account_id, now, plans, rules, models, templates, disclosures, actor, bandit)


def decide_in(
    session: Session,
    account_id: str,
    now: dt.datetime,
    plans: Any,
    rules: GuardRules,
    models: Mapping[str, Any] | None,
    templates: Any,
    disclosures: Mapping[str, Mapping[str, Any]] | None,
    actor: str,
    bandit: Any = None,
) -> DecisionOut:
    """`decide_and_reserve` inside the caller's transaction (statements: see `runtime.store.hot`)."""
    subject = f"account:{account_id}"
    # INVARIANT: the lock is the first statement; nothing is read before it.
    read = lock_and_read(session, account_id, now, now - dt.timedelta(days=HISTORY_DAYS), subject)
    if read is None:
        raise not_found(f"there is no account `{account_id}`", "account_id")
    row = read.row
    plan = plan_for(plans, row.strategy_name, read.deployment)
    account, ledger = engine_state(row, row, read.events, read.contacts)
    if models:
        from engine.scores.service import score_account_states  # scoring loads numpy/sklearn: only when used

        account = score_account_states([account], cached_models(models), bandit=bandit, now=now)[0]
    organization = ledger.organization or strategy_organization(plan)
    asked: list[Asked] = []
    guard = recording(account_guard(account, ledger, rules, organization, now), asked)
    # Each contact's point is chosen before the guard is asked; the message then goes to that point.
    decision = decide(plan, account, now, guard, ledger_route(ledger))
    addressed, unreachable = addresses(ledger, decision.proposals)
    settled = settle(account, ledger, rules, organization, now, decision, [p for p, _ in addressed])
    settled.refused[:0] = unreachable
    messages, unrenderable = compose_each(templates, disclosures, row, account, settled.kept, plan)
    if unrenderable:
        settled = without_unrenderable(settled, unrenderable, plan.step_names)
    refused = [{**proposal_json(p), "reason": why} for p, why in settled.refused]
    recipients = {id(p): to for p, to in addressed}  # by identity: a proposal's details are a dict
    trace = decision.trace.to_dict()
    values = decision_values(
        account, ledger, organization, row.strategy_name, decision, asked, now, {"refused": refused}, trace
    )
    # A screening already waiting for its answer is not opened again (read only when a step screens).
    screens = any(is_screen(p) for p in settled.kept)
    waiting = waiting_screening(session, account_id, last_screened(read.events)) if screens else None
    # The decision row goes first when contacts or hand-offs refer to it; else it waits for `finish`
    # (PostgreSQL writes it there in the same statement as the audit row).
    pending: dict[str, Any] | None = None
    opens = (screens and waiting is None) or any(is_contact(p) or p.action == "handoff" for p in settled.kept)
    if read.decision_id is None or opens:
        decision_id = insert_decision(session, {**values, "id": read.decision_id} if read.decision_id else values)
    else:
        decision_id, pending = read.decision_id, {**values, "id": read.decision_id}
    contacts = reserve(session, account_id, decision_id, settled.kept, account.debts, now)
    kept_contacts = [p for p in settled.kept if is_contact(p)]
    outbox_ids: list[int | None] = list(
        enqueue_message(
            session,
            [
                (contact, messages[id(proposal)], recipients[id(proposal)])
                for contact, proposal in zip(contacts, kept_contacts, strict=True)
            ],
        )
    )
    handoffs = [
        open_handoff(session, account_id, decision_id, handoff_reason(p), now, *handoff_desk(p)).id
        for p in settled.kept
        if p.action == "handoff"
    ]
    screening = open_screening(session, account_id, decision_id, settled.kept, waiting, now)
    if screening is not None and screening[1]:
        handoffs.append(screening[0])
    kept_sources = {p.source for p in settled.kept}
    acted = [(s.name, s.event) for s in decision.trace.steps if s.acted and s.name in kept_sources]
    advanced = held_after(advance_progress(account.progress, acted, decision.day), settled.kept, now)
    held_back = cancel_held(session, account_id, account.progress, advanced, plan.step_names, now)
    progress = progress_json(advanced)
    handoff_ids = [h for h in handoffs if h is not None]
    payload = {
        "decision_id": decision_id,
        "strategy_hash": decision.strategy_hash,
        "contacts": [c.id for c in contacts],
        "outbox": outbox_ids,
        "handoffs": handoff_ids,
        "refused": len(refused),
        **({"cancelled": held_back} if held_back else {}),
        **({"screening": {"opened" if screening[1] else "waiting": screening[0]}} if screening else {}),
    }
    finish(
        session,
        pending,
        (account_id, progress, now) if progress != row.progress else None,  # unchanged: no UPDATE
        audit.chained(read.head, actor, "decide", subject, payload, now),
    )
    log.info("decision %s account %s: %d contact(s), %d refused", decision_id, account_id, len(contacts), len(refused))
    return DecisionOut(
        decision_id=decision_id,
        account_id=account_id,
        now=now,
        strategy_name=row.strategy_name,
        strategy_version=plan.version,
        strategy_hash=decision.strategy_hash,
        day=decision.day,
        proposals=with_screening(out_proposals(settled.kept, contacts, outbox_ids), settled.kept, screening),
        refused=refused,
        handoff_ids=handoff_ids,
        model_ids=values["model_ids"],
        trace=trace,
        outcome=decision.trace.outcome,
    )


# ---------------------------------------------------------------- plans and the guard


def recording(guard: Guard, asked: list[Asked]) -> Guard:
    """The guard, keeping every question and answer (for replay)."""

    def ask(request: ContactRequest) -> GuardAnswer:
        answer = guard(request)
        asked.append(Asked(request, answer))
        return answer

    return ask


def settle(
    account: Account,
    ledger: Ledger,
    rules: GuardRules,
    organization: str,
    now: dt.datetime,
    decision: Decision,
    proposals: Sequence[Proposal] | None = None,
) -> Settled:
    """Keep each contact only if it still fits with the ones kept before it and with later reservations.

    The guard counts what lies strictly before a proposal. Contacts at the same instant (another
    of this decision, or one reserved by an earlier call at the same `now`) are therefore shown to
    it a microsecond earlier, and contacts reserved for later are checked by `pushes_over`.
    `proposals`: the decision's proposals still in play (default: all of them).
    """
    settled = Settled()
    added: list[dict[str, Any]] = []
    for proposal in decision.proposals if proposals is None else proposals:
        if not is_contact(proposal):
            settled.kept.append(proposal)
            continue
        rows = (*ledger.history, *added)
        if any(instant(h) == proposal.at for h in rows):
            history = tuple(earlier(h) if instant(h) == proposal.at else h for h in rows)
            if not judge(account, replace(ledger, history=history), rules, organization, now, proposal).allowed:
                settled.refused.append((proposal, "a contact at the same time already fills its window"))
                continue
        row = history_row(proposal, account.debts)
        reach = proposal.at + cap_horizon(rules)
        later = [h for h in rows if proposal.at < instant(h) <= reach]
        if later and pushes_over(account, ledger, rules, organization, now, rows, row, later):
            settled.refused.append((proposal, "it would put a contact already reserved for later over a cap"))
            continue
        settled.kept.append(proposal)
        added.append(row)
    return settled


def cap_horizon(rules: GuardRules) -> dt.timedelta:
    """How far after a contact a cap's window can still hold it: the longest cap window, plus a day.

    A contact can only push a later one over a cap whose window holds both; the day is for windows
    counted in the patient's calendar days. Read once per set of rules.
    """
    found = HORIZONS.get(id(rules))
    if found is None or found[0] is not rules:
        windows = [r.constraint.window.minutes for r in rules.rules if isinstance(r.constraint, ast.FrequencyCap)]
        longest = max(windows, default=0)
        found = HORIZONS[id(rules)] = (rules, dt.timedelta(minutes=longest) + dt.timedelta(days=1))
    return found[1]


HORIZONS: dict[int, tuple[GuardRules, dt.timedelta]] = {}


def earlier(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A ledger row moved a microsecond back, so the guard counts it as before a proposal at its instant."""
    return {**entry, "at": (instant(entry) - dt.timedelta(microseconds=1)).isoformat()}


def pushes_over(
    account: Account,
    ledger: Ledger,
    rules: GuardRules,
    organization: str,
    now: dt.datetime,
    rows: Sequence[dict[str, Any]],
    new_row: dict[str, Any],
    later: Sequence[dict[str, Any]],
) -> bool:
    """Whether counting `new_row` makes a later reserved contact break a rule it did not break before.

    Each later contact is judged on the other rows (`rows`: the ledger and this decision's kept
    contacts), with those at its own instant counted, first without the new row, then with it.
    """
    for entry in later:
        at = instant(entry)
        others = [earlier(h) if instant(h) == at else h for h in rows if h is not entry]
        probe = Proposal("ledger", "contact", entry["channel"], None, at, to=entry.get("to"))
        before = judge(account, replace(ledger, history=tuple(others)), rules, organization, now, probe)
        after = judge(account, replace(ledger, history=(*others, new_row)), rules, organization, now, probe)
        if violated(after) - violated(before):
            return True
    return False


def judge(
    account: Account, ledger: Ledger, rules: GuardRules, organization: str, now: dt.datetime, proposal: Proposal
) -> GuardAnswer:
    """The guard's answer for one contact on a given ledger."""
    guard = account_guard(account, ledger, rules, organization, now)
    channel = str(proposal.channel)
    automated = AUTOMATED.get(channel)
    return guard(ContactRequest(proposal.at, channel, account.debts, automated, proposal.template, to=proposal.to))


def violated(answer: GuardAnswer) -> set[str]:
    """The rule ids an answer says are broken."""
    found = answer.details.get("violations", [])
    return {str(v.get("rule")) for v in found if isinstance(v, Mapping)} if isinstance(found, list) else set()


def history_row(proposal: Proposal, debts: Sequence[str]) -> dict[str, Any]:
    """A proposal as the guard's ledger row once reserved (with the point it goes to, as the ledger keeps it)."""
    row = {"at": proposal.at.isoformat(), "channel": proposal.channel, "direction": "outbound", "debts": list(debts)}
    return {**row, "to": proposal.to} if proposal.to is not None else row


def instant(entry: Mapping[str, Any]) -> dt.datetime:
    """A ledger row's instant."""
    return dt.datetime.fromisoformat(str(entry["at"]))


__all__ = ["DecisionOut", "Replay", "decide_and_reserve", "replay"]
