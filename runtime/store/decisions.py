"""Decisions, stored so each can be replayed: the exact inputs, the strategy hash, the model ids.

A decision row keeps the account as the engine saw it (facts typed: a decimal stays a decimal,
a score a float), its ledger, the organization, and every answer the guard gave in order.
`replay(session, decision_id)` rebuilds those values, runs `engine.decide` on the stored strategy
text with the same hash, and compares the result with the stored one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from dsl import ast
from dsl.parser import parse
from engine.account import Account, AccountEvent, ScoreSource
from engine.decide import SEMANTICS, ContactRequest, Decision, GuardAnswer, decide
from engine.evaluators import build_plan
from engine.guard import GuardRules
from engine.guarding import Ledger, account_guard
from engine.plan import Plan
from engine.recipients import ledger_route
from runtime.db.tables import DecisionRow, StrategyVersion
from runtime.portfolio import read_progress
from runtime.store.accounts import progress_json
from runtime.store.problems import not_found

DECIMAL = "$decimal"


@dataclass(frozen=True)
class Asked:
    """One question decide asked the guard, and its answer (kept so a replay needs no policy packs)."""

    request: ContactRequest
    answer: GuardAnswer


def plain(data: Any) -> Any:
    """Data as the JSON column gives it back (so stored and replayed compare equal)."""
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


def typed(value: object) -> object:
    """A fact value as JSON that keeps its type."""
    if isinstance(value, Decimal):
        return {DECIMAL: str(value)}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def untyped(value: object) -> object:
    """The inverse of `typed`."""
    if isinstance(value, dict) and set(value) == {DECIMAL}:
        return Decimal(value[DECIMAL])
    return value


def account_json(account: Account) -> dict[str, Any]:
    """The engine's account as typed JSON."""
    return {
        "account_id": account.account_id,
        "placed_on": account.placed_on.isoformat(),
        "timezone": account.timezone,
        "facts": {name: typed(value) for name, value in account.facts.items()},
        "events": [
            {
                "id": e.event_id,
                "type": e.type,
                "at": e.at.isoformat(),
                "facts": {k: typed(v) for k, v in e.facts.items()},
                "sources": {k: [s.model_id, s.version] for k, s in e.score_sources.items()},
                **({"in_ledger": True} if e.in_ledger else {}),
            }
            for e in account.events
        ],
        "progress": progress_json(account.progress),
        "score_sources": {k: [s.model_id, s.version] for k, s in account.score_sources.items()},
        "debts": list(account.debts),
        **({"extra_zones": list(account.extra_zones)} if account.extra_zones else {}),
    }


def account_from_json(data: Mapping[str, Any]) -> Account:
    """The account stored by `account_json`."""
    return Account(
        account_id=data["account_id"],
        placed_on=dt.date.fromisoformat(data["placed_on"]),
        timezone=data["timezone"],
        facts={name: untyped(value) for name, value in data["facts"].items()},
        events=tuple(
            AccountEvent(
                e["id"],
                e["type"],
                dt.datetime.fromisoformat(e["at"]),
                {k: untyped(v) for k, v in e["facts"].items()},
                {k: ScoreSource(*s) for k, s in e["sources"].items()},
                e.get("in_ledger", False) is True,
            )
            for e in data["events"]
        ),
        progress=read_progress(data["progress"]),
        score_sources={k: ScoreSource(*s) for k, s in data["score_sources"].items()},
        debts=tuple(data["debts"]),
        extra_zones=tuple(data.get("extra_zones", ())),
    )


def ledger_json(ledger: Ledger) -> dict[str, Any]:
    """The guard's ledger as JSON (it already is JSON-shaped)."""
    return plain(
        {
            "history": list(ledger.history),
            "events": list(ledger.events),
            "debts": list(ledger.debts),
            "patient": dict(ledger.patient),
            "organization": ledger.organization,
        }
    )


def ledger_from_json(data: Mapping[str, Any]) -> Ledger:
    """The ledger stored by `ledger_json`."""
    return Ledger(
        tuple(data["history"]), tuple(data["events"]), tuple(data["debts"]), data["patient"], data["organization"]
    )


def asked_json(asked: Asked) -> dict[str, Any]:
    """One guard question and answer as JSON."""
    answer = asked.answer
    return plain(
        {
            "at": asked.request.at.isoformat(),
            "channel": asked.request.channel,
            "debts": list(asked.request.debts),
            "automated": asked.request.automated,
            "template": asked.request.template,
            **({"to": asked.request.to} if asked.request.to is not None else {}),
            "allowed": answer.allowed,
            "next_allowed_at": answer.next_allowed_at.isoformat() if answer.next_allowed_at else None,
            "details": dict(answer.details),
        }
    )


def answer_from_json(data: Mapping[str, Any]) -> GuardAnswer:
    """A stored guard answer."""
    retry = data.get("next_allowed_at")
    return GuardAnswer(bool(data["allowed"]), dt.datetime.fromisoformat(retry) if retry else None, data["details"])


def decision_json(decision: Decision, trace: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The decision as JSON: its proposals and its trace (`trace`: `decision.trace.to_dict()` if already made)."""
    return plain(
        {
            "account_id": decision.account_id,
            "now": decision.now.isoformat(),
            "day": decision.day,
            "strategy_hash": decision.strategy_hash,
            "proposals": [
                {
                    "source": p.source,
                    "action": p.action,
                    "channel": p.channel,
                    "template": p.template,
                    "at": p.at.isoformat(),
                    "details": dict(p.details),
                    **({"to": p.to} if p.to is not None else {}),  # the point the guard judged
                }
                for p in decision.proposals
            ],
            "trace": decision.trace.to_dict() if trace is None else trace,
        }
    )


def model_ids(account: Account) -> dict[str, Any]:
    """Which model and version gave each score the decision read."""
    return {name: {"model": s.model_id, "version": s.version} for name, s in sorted(account.score_sources.items())}


def decision_values(
    account: Account,
    ledger: Ledger,
    organization: str,
    strategy_name: str,
    decision: Decision,
    asked: Sequence[Asked],
    now: dt.datetime,
    kept: Mapping[str, Any] | None = None,
    trace: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The decision's row: everything needed to replay it (decide writes it with `runtime.store.hot`).

    `kept` notes proposals the ledger refused; `trace` is `decision.trace.to_dict()` when the caller
    already made it (it is the biggest part of the row).
    """
    return {
        "account_id": account.account_id,
        "now": decision.now,
        "strategy_name": strategy_name,
        "strategy_hash": decision.strategy_hash,
        "model_ids": model_ids(account),
        "inputs": {
            "account": account_json(account),
            "ledger": ledger_json(ledger),
            "organization": organization,
            "guard": [asked_json(a) for a in asked],
            "engine": SEMANTICS,
        },
        "decision": {**decision_json(decision, trace), **({"ledger": plain(dict(kept))} if kept else {})},
        "created_at": now,
    }


def get_decision(session: Session, decision_id: int) -> DecisionRow:
    """One stored decision; a 404 when there is none."""
    row = session.get(DecisionRow, decision_id)
    if row is None:
        raise not_found(f"there is no decision {decision_id}", "decision_id")
    return row


# ---------------------------------------------------------------- replay


@dataclass(frozen=True)
class Replay:
    """A stored decision run again: whether it came out the same, and where it did not."""

    decision_id: int
    matches: bool
    differences: list[str]
    replayed: dict[str, Any]
    note: str = ""  # why it may differ: the decision was made by an earlier reading of plans


def replay(session: Session, decision_id: int, rules: GuardRules | None = None, plan: Plan | None = None) -> Replay:
    """Run a stored decision again from its inputs and compare.

    The plan is rebuilt from the stored strategy text with the decision's hash (or given). Without
    `rules` the guard's recorded answers are replayed, so the strategy's logic is checked alone;
    with `rules` the guard judges again too (the same packs must give the same answers).
    """
    row = get_decision(session, decision_id)
    plan = plan or plan_by_hash(session, row.strategy_hash, row.strategy_name)
    account = account_from_json(row.inputs["account"])
    ledger = ledger_from_json(row.inputs["ledger"])
    if rules is None:
        guard = recorded(row.inputs["guard"])
    else:
        guard = account_guard(account, ledger, rules, row.inputs["organization"], row.now)
    replayed = decision_json(decide(plan, account, row.now, guard, ledger_route(ledger)))  # the same points
    stored = {k: v for k, v in row.decision.items() if k != "ledger"}
    differences = [key for key in sorted(set(stored) | set(replayed)) if stored.get(key) != replayed.get(key)]
    made_by = int(row.inputs.get("engine", 1))
    note = "" if made_by == SEMANTICS else semantics_note(made_by)
    return Replay(decision_id, not differences, differences, replayed, note)


SEMANTICS_CHANGES = {
    2: "handlers act before the day's steps and their `pause` or `stop` holds those steps, and `escalate"
    " agency` asks the guard",
    3: "each contact's point (`to`) is chosen before the guard is asked, and proposals and the trace name it",
    4: "a step's window holds in every time zone the patient may be in",
}


def semantics_note(made_by: int) -> str:
    """Why a decision made by an earlier reading of plans may come out differently now."""
    since = "; ".join(f"since {n}, {text}" for n, text in sorted(SEMANTICS_CHANGES.items()) if n > made_by)
    return f"decided by engine semantics {made_by}, replayed by {SEMANTICS}: {since}"


def plan_by_hash(session: Session, content_hash: str, name: str) -> Plan:
    """The plan of the stored strategy text with this hash; a 404 when no stored text has it."""
    version = session.exec(select(StrategyVersion).where(StrategyVersion.content_hash == content_hash)).first()
    if version is None:
        raise not_found(f"no stored text of `{name}` has the decision's strategy hash", "strategy_hash")
    program = parse(version.content, version.name).program
    if not isinstance(program, ast.Strategy):
        raise not_found(f"the stored text of `{name}` no longer parses", "strategy_hash")
    return build_plan(program, version.content)


def recorded(answers: Sequence[Mapping[str, Any]]) -> Callable[[ContactRequest], GuardAnswer]:
    """A guard that gives each recorded answer once, to the same question; a question not in the record is refused.

    Matched by question rather than by position: decisions stored before handlers were asked ahead
    of the steps (so a `pause` could hold that day's steps) asked the same questions in another order.
    """
    queue = list(answers)

    def guard(request: ContactRequest) -> GuardAnswer:
        for index, data in enumerate(queue):
            same = (data["channel"], data.get("template")) == (request.channel, request.template)
            if same and dt.datetime.fromisoformat(data["at"]) == request.at:
                del queue[index]
                return answer_from_json(data)
        return GuardAnswer(False, None, {"allowed": False, "error": "not in the recorded answers"})

    return guard
