"""The guard case: one proposed contact and the account history it is judged on.

Built only by `engine.guard.parse.parse_case`, which validates DESIGN.md's JSON case format.
Every instant is an aware UTC `datetime`; every `day` is the proleptic ordinal of the date in
the patient's primary (first) time zone, the calendar the frequency windows are counted on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from engine.guard.lazy import lazy, made

if TYPE_CHECKING:
    from engine.guard.index import CaseIndex

# Channels a contact can use; proposals may also be `credit_report` or `eca` (not contacts).
CONTACT_CHANNELS = ("call", "sms", "email", "letter", "voicemail", "chat")
# Actions that are not contacts: reporting, the extraordinary collection actions, and placement.
ACTIONS = ("credit_report", "eca", "debt_sale", "lawsuit", "lien", "garnishment", "agency")
PROPOSAL_CHANNELS = (*CONTACT_CHANNELS, *ACTIONS)
OUTCOMES = (
    "no_answer",
    "conversation",
    "voicemail",
    "limited_content_message",
    "busy",
    "not_in_service",
    "delivered",
    "undeliverable",
)
EVENT_TYPES = (
    "dispute",
    "verification_sent",
    "cease",
    "consent_given",
    "consent_revoked",
    "opt_out",
    "attorney_representation",
    "validation_notice_sent",
    "number_not_patient",
    "fa_application",
    "fa_decision",
    "paid",
    "bankruptcy",
    "deceased",
    "reply",  # a patient's text reply; TCPA revocation keywords in it revoke consent at once
    "payment",
    "hardship_reply",
    "fa_screening",
    "eca_notice",
    "handoff",
    "plan_accepted",
)
DEBT_KINDS_ONE_PER_ACCOUNT = ("student_loan",)
CONTACT_KINDS = ("mobile", "landline", "email", "address")
PLACES = ("home", "work")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Calls that never reached the dialled number do not count (comment 14(b)(3)(ii)-1).
NOT_CONNECTED = frozenset({"busy", "not_in_service"})
# Outcomes after which a call counts toward every debt it names (comment 14(b)(4)-1.i).
COUNTS_FOR_EACH_DEBT = frozenset({"conversation", "voicemail"})

# The one medium each channel uses: a ringless voicemail is a telephone call (comment 14(b)-1).
MEDIUM = {
    "call": "telephone",
    "voicemail": "telephone",
    "sms": "sms",
    "email": "email",
    "letter": "letter",
    "chat": "chat",
    **{action: action for action in ACTIONS},
}
# Which contact-point kinds a channel can reach.
REACHES = {
    "call": ("mobile", "landline"),
    "voicemail": ("mobile", "landline"),
    "sms": ("mobile",),
    "email": ("email",),
    "letter": ("address",),
    "chat": (),
    **{action: () for action in ACTIONS},
}


@dataclass(frozen=True)
class ContactPoint:
    """A number or address of the patient's (or one learned to be someone else's)."""

    id: str
    kind: str
    place: str | None = None
    employer_provided: bool = False
    belongs_to_patient: bool = True


@dataclass(frozen=True)
class InconvenientTime:
    """A time the patient said is inconvenient: weekdays (0=Mon; empty: every day) and a window."""

    weekdays: frozenset[int]
    start_minute: int
    end_minute: int  # exclusive; 23:59 is read as the end of the day

    def covers(self, weekday: int, minute: int) -> bool:
        """Whether a local weekday and minute of day fall in this designation."""
        in_day = not self.weekdays or weekday in self.weekdays
        return in_day and self.start_minute <= minute < self.end_minute


@dataclass(frozen=True)
class Debt:
    """One particular debt (student loans under one account number are one debt)."""

    id: str
    kind: str
    balance: Decimal | None
    initial_balance: Decimal | None
    first_statement: dt.date | None
    delinquent_since: dt.date | None = None
    placed: dt.date | None = None
    time_barred: bool | None = None


@dataclass(frozen=True)
class Entry:
    """One ledger row: a contact that happened."""

    index: int
    at: dt.datetime
    day: int
    channel: str
    direction: str
    debts: tuple[str, ...]
    outcome: str | None
    to: str | None
    counted_for: tuple[str, ...] | None = None
    template: str | None = None

    @property
    def medium(self) -> str:
        """The communication medium (`telephone` for calls and voicemails)."""
        return MEDIUM[self.channel]


def is_full_voicemail(entry: Entry) -> bool:
    """A voicemail row that was not a limited-content message: it may name the debts it is about."""
    return entry.channel == "voicemail" and entry.outcome not in ("limited_content_message", *NOT_CONNECTED)


@dataclass(frozen=True)
class Event:
    """Something that happened to the account: a dispute, a cease notice, a consent…"""

    index: int
    at: dt.datetime
    day: int
    type: str
    debt: str | None = None
    channel: str | None = None
    to: str | None = None
    days: int | None = None
    kind: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class Proposal:
    """The contact or action the guard is asked about."""

    at: dt.datetime
    channel: str
    debts: tuple[str, ...]
    to: str | None = None
    automated: bool | None = None  # None: treated as automated (TCPA), as the packs assume
    template: str | None = None


@dataclass(frozen=True)
class Patient:
    """What the case says about the patient."""

    zones: tuple[ZoneInfo, ...]
    zone_names: tuple[str, ...]
    zones_known: bool
    consent: dict[str, bool] = field(default_factory=dict)
    inconvenient_times: tuple[InconvenientTime, ...] = ()
    inconvenient_places: tuple[str, ...] = ()
    language: str | None = None
    contact_points: tuple[ContactPoint, ...] = ()
    # HIPAA confidential communications (45 CFR 164.522(b)): only these channels / points.
    confidential_channels: tuple[str, ...] = ()
    confidential_to: tuple[str, ...] = ()
    # What the engine's models read from replies and accounts; None: the case does not say.
    intents: frozenset[str] | None = None
    scores: dict[str, float] = field(default_factory=dict)
    age: int | None = None

    @property
    def zone(self) -> ZoneInfo:
        """The primary time zone: the calendar days are counted in it."""
        return self.zones[0]

    def point(self, point_id: str | None) -> ContactPoint | None:
        """The contact point with this id, if any."""
        for point in self.contact_points:
            if point.id == point_id:
                return point
        return None


@dataclass(frozen=True)
class Case:
    """A validated guard case, history and events sorted by time."""

    now: dt.datetime
    jurisdiction: str
    organization: str
    patient: Patient
    debts: tuple[Debt, ...]
    history: tuple[Entry, ...]
    events: tuple[Event, ...]
    proposed: Proposal
    # Sorted instants, for bisecting "everything before t" in O(log n).
    history_times: tuple[dt.datetime, ...] = ()
    event_times: tuple[dt.datetime, ...] = ()

    def debt(self, debt_id: str) -> Debt | None:
        """The debt with this id, if any."""
        for debt in self.debts:
            if debt.id == debt_id:
                return debt
        return None

    def with_proposal(self, proposal: Proposal) -> Case:
        """The same history asked about another proposal, keeping the ledger index if it was built.

        # INVARIANT: `CaseIndex` never reads the proposal, so one index serves every proposal.
        """
        # The fields as they are, the index with them if it was built (no other attribute is kept).
        return made(Case, **{**self.__dict__, "proposed": proposal})

    @lazy
    def index(self) -> CaseIndex:
        """Answers about the ledger that do not depend on the instant, worked out once."""
        from engine.guard.index import CaseIndex  # the index reads this module

        return CaseIndex(self)

    @property
    def first_debt(self) -> str:
        """The debt an unattributed call is counted toward (comment 14(b)(4)-1: at least one)."""
        return self.debts[0].id
