"""The contact ledger: every contact decide reserved, and an independent recount of the caps.

`reserve` writes one `contacts` row per contact proposal in the caller's transaction, the one that
locked the account and counted its windows (`runtime.service.decide`), so no other writer can
slip a contact in between the count and the reservation. A cancelled contact no longer counts.

`recount_violations(session, caps)` recounts the whole ledger afterwards, without the guard: for
every contact, how many contacts on the cap's channels fall in the window that ends with it
(consecutive local days in the patient's zone, or a rolling window of minutes). It is the race
test's oracle, and a check an auditor can run on a live database.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from dsl import ast
from engine.decide import Proposal
from engine.guard import GuardRules
from engine.guard.case import NOT_CONNECTED
from engine.guard.kinds.common import days_of, rule_channels
from engine.guard.kinds.frequency import ACCOUNT_UNITS, NUMBER_UNITS
from runtime.db.tables import AccountRow, ContactRow, Patient

CONTACT_CHANNELS = frozenset({"call", "sms", "email", "letter", "voicemail", "chat"})
LIVE = ("reserved", "sent", "delivered", "failed")  # statuses that count toward caps
SENT = ("sent", "delivered")  # statuses of a message that went out: the notices the guard looks for


def is_contact(proposal: Proposal) -> bool:
    """Whether a proposal reaches the patient (and so is reserved and counted)."""
    return proposal.channel in CONTACT_CHANNELS


class Reserved(NamedTuple):
    """A contact just reserved: what its outbox message and decide's answer need."""

    id: int
    account_id: str
    channel: str


def reserve(
    session: Session,
    account_id: str,
    decision_id: int | None,
    proposals: Iterable[Proposal],
    debts: Sequence[str],
    now: dt.datetime,
) -> list[Reserved]:
    """One reserved contact per contact proposal, written in the caller's (account-locked) transaction.

    One multi-row INSERT … RETURNING on the session's connection (decide's hot path), ids in order.
    """
    from runtime.store.hot import INSERT_CONTACTS, insert_many  # hot reads LIVE from here

    rows = [
        {
            "account_id": account_id,
            "decision_id": decision_id,
            "source": p.source,
            "action": p.action,
            "channel": str(p.channel),
            "debts": list(debts),
            "at": p.at,
            "status": "reserved",
            "created_at": now,
            "template": p.template,
            "to_point": p.to,  # the point the guard judged: the guard's ledger row names it (`history_rows`)
        }
        for p in proposals
        if is_contact(p)
    ]
    ids = insert_many(session, INSERT_CONTACTS, rows)
    return [Reserved(i, account_id, row["channel"]) for row, i in zip(rows, ids, strict=True)]


def history_rows(contacts: Iterable[Any]) -> list[dict[str, Any]]:
    """Contacts (rows, or tuples with `at`, `channel`, `debts`, `status`) as the guard case's ledger rows.

    A contact recorded by an outreach system also carries `direction`, `outcome` and `to_point`
    (`runtime.store.external_contacts`), one Parley sent its `template` (a notice the guard looks
    for; not before it went out); callers that select fewer columns get Parley's defaults.
    """
    rows = []
    for c in contacts:
        if c.status not in LIVE:
            continue
        row = {"at": c.at.isoformat(), "channel": c.channel, "direction": "outbound", "debts": list(c.debts)}
        if getattr(c, "direction", None):
            row["direction"] = c.direction
        if getattr(c, "outcome", None):
            row["outcome"] = c.outcome
        if getattr(c, "to_point", None):
            row["to"] = c.to_point
        if getattr(c, "template", None) and c.status in SENT:
            row["template"] = c.template  # a notice counts once it went out, not while reserved or after it failed
        rows.append(row)
    return rows


# ---------------------------------------------------------------- recount


@dataclass(frozen=True)
class Cap:
    """A frequency cap to recount: at most `limit` contacts on `channels` per debt (or account) per window."""

    rule_id: str
    channels: frozenset[str]
    limit: int
    per_debt: bool
    days: int | None  # consecutive local days, or None for a rolling window of `minutes`
    minutes: int
    # Whether the rule reaches an account (organization, jurisdiction, day); None: every account.
    reaches: Callable[[str, str, dt.date], bool] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Violation:
    """A window holding more contacts than a cap allows."""

    account_id: str
    rule_id: str
    debt: str  # `*`: the whole account
    window_end: str  # the local date (day windows) or the instant the window ends
    count: int
    limit: int


def caps_from_rules(rules: GuardRules, rule_ids: Iterable[str] | None = None) -> list[Cap]:
    """The packs' frequency caps (errors, not warnings; not those limited to a place) as `Cap`s."""
    wanted = set(rule_ids) if rule_ids is not None else None
    caps = []
    for rule in rules.rules:
        cap = rule.constraint
        if not isinstance(cap, ast.FrequencyCap) or rule.warning or cap.place is not None:
            continue
        if wanted is not None and rule.rule_id not in wanted:
            continue
        unit = cap.per.name
        caps.append(
            Cap(
                rule.rule_id,
                frozenset(rule_channels(rule, cap.channels)),
                cap.limit,
                unit not in ACCOUNT_UNITS | NUMBER_UNITS,
                days_of(cap.window),
                cap.window.minutes,
                rule.reaches,
            )
        )
    return caps


def recount_violations(session: Session, caps: Sequence[Cap]) -> list[Violation]:
    """Every window in the ledger over a cap (one finding per account, rule, debt and window end)."""
    accounts = {
        row.account_id: (ZoneInfo(zone), row.organization or "agency", str(row.facts.get("jurisdiction", "")))
        for row, zone in session.exec(
            select(AccountRow, Patient.timezone).join(Patient, col(Patient.patient_id) == col(AccountRow.patient_id))
        ).all()
    }
    by_account: dict[str, list[ContactRow]] = defaultdict(list)
    query = select(ContactRow).where(col(ContactRow.status).in_(LIVE)).order_by(col(ContactRow.at))
    for contact in session.exec(query):
        by_account[contact.account_id].append(contact)
    found: list[Violation] = []
    for account_id, contacts in sorted(by_account.items()):
        zone, organization, jurisdiction = accounts[account_id]
        for cap in caps:
            found.extend(
                v
                for v in recount_account(account_id, contacts, cap, zone)
                if cap.reaches is None or cap.reaches(organization, jurisdiction, reach_day(v.window_end))
            )
    return found


def reach_day(window_end: str) -> dt.date:
    """The day a window ends on, to ask whether its rule was in force."""
    return dt.date.fromisoformat(window_end[:10])


def recount_account(account_id: str, contacts: list[ContactRow], cap: Cap, zone: ZoneInfo) -> list[Violation]:
    """One account's windows over one cap."""
    streams: dict[str, list[ContactRow]] = defaultdict(list)
    for contact in contacts:
        # Only calls placed that reached a number count (the guard's rule, comment 14(b)(3)(ii)-1).
        if contact.channel not in cap.channels or not placed_and_connected(contact):
            continue
        for debt in (contact.debts or ["*"]) if cap.per_debt else ["*"]:
            streams[debt].append(contact)
    found = []
    for debt, stream in sorted(streams.items()):
        seen: set[str] = set()
        for index, last in enumerate(stream):
            if cap.days is not None:
                end_day = last.at.astimezone(zone).date()
                first = end_day.toordinal() - cap.days + 1
                count = sum(1 for c in stream[: index + 1] if c.at.astimezone(zone).date().toordinal() >= first)
                count += sum(1 for c in stream[index + 1 :] if c.at.astimezone(zone).date() == end_day)
                end = end_day.isoformat()
            else:
                since = last.at.timestamp() - cap.minutes * 60
                count = sum(1 for c in stream[: index + 1] if c.at.timestamp() > since)
                end = last.at.isoformat()
            if count > cap.limit and end not in seen:
                seen.add(end)
                found.append(Violation(account_id, cap.rule_id, debt, end, count, cap.limit))
    return found


def placed_and_connected(contact: ContactRow) -> bool:
    """An outbound contact that was not a busy signal or a number out of service."""
    return contact.direction == "outbound" and contact.outcome not in NOT_CONNECTED
