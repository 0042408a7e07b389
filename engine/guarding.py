"""Ask the runtime guard about decide's proposals: an account and its ledger as a guard case.

`decide(plan, account, now, guard)` asks a `Guard` function whether each contact it wants to make
may go out. `account_guard(account, ledger, rules, organization, now)` is that function for one
account. It builds DESIGN.md's guard case from

- the account's facts: the patient's time zone, consents (`consent.*`), language, age, scores
  (`score.*`), the intents read from replies (`intent.*`), the jurisdiction, the balances and the
  day counts (`days_past_due`, `days_since_first_statement`, read back into dates);
- its `Ledger`: the contact history, the legal events (disputes, cease notices, consents and
  opt-outs, …), the debts and the patient's designations and contact points, all in the case's
  own JSON shapes, so they are validated by the guard's own reader and nowhere else;
- the account's events the guard also understands (a reply's text, a dispute, a conversation);

and judges the proposal against the compiled packs. The case is read once per account, on the
first question; later questions only swap the proposal in.

Fail closed, never raise: a malformed ledger refuses every contact and the answer names the
field; a state the facts assert with no dated event in the ledger (`cease_requested` with no
`cease` event) is given to the guard as received at the start of the placement day, and the answer
says it was assumed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from engine.account import Account, AccountEvent, placement_start
from engine.decide import ContactRequest, Guard, GuardAnswer
from engine.guard import Case, CaseError, GuardRules, judge, parse_case
from engine.guard.case import Proposal
from engine.guard.lazy import made
from engine.guard.verdict import Verdict
from engine.guard_case import ParsedLedger, build_case, parse_ledger

UTC = dt.UTC

# A state the facts assert, and the dated event that tells the guard the same thing.
STATE_EVENTS: dict[str, str] = {
    "disputed": "dispute",
    "cease_requested": "cease",
    "attorney_represented": "attorney_representation",
    "bankrupt": "bankruptcy",
    "deceased": "deceased",
    "paid": "paid",
    "fa_application_pending": "fa_application",
    "plan_active": "plan_accepted",
}
PER_DEBT_EVENTS = frozenset({"dispute", "paid", "verification_sent"})
# Account events (the strategy's `on EVENT` triggers) the guard reads as events of its own.
ACCOUNT_EVENT_TYPES = frozenset({"dispute", "payment", "plan_accepted", "reply"})


@dataclass(frozen=True)
class Ledger:
    """What the guard reads beyond the account's facts, in DESIGN.md's guard-case JSON shapes.

    `history` rows are `{"at", "channel", "direction", "debts", "outcome", "to"}`; `events` are
    `{"at", "type", "debt", "channel", "days", "kind", "to", "text"}`; `debts` are
    `{"id", "kind", "balance", "initial_balance", "first_statement", …}` (empty: one medical debt
    per account debt, balances from the facts); `patient` adds to what the facts say about the
    patient (`timezones` besides the account's, `inconvenient_times`, `inconvenient_places`,
    `contact_points`, `confidential_communication`, `consent` the facts do not give).
    """

    history: tuple[Mapping[str, Any], ...] = ()
    events: tuple[Mapping[str, Any], ...] = ()
    debts: tuple[Mapping[str, Any], ...] = ()
    patient: Mapping[str, Any] = field(default_factory=dict)
    organization: str | None = None  # who collects; None: the strategy's `organization`
    # The rows above validated once by the guard's reader (`prepare_ledger`); None: on first use.
    parsed: ParsedLedger | None = field(default=None, compare=False, repr=False)


NO_LEDGER = Ledger()


def prepare_ledger(account: Account, ledger: Ledger) -> Ledger:
    """The ledger with its rows validated now, once, for this account (where the runtime reads it).

    Deciding then builds the guard's case from typed objects; the verdicts are the same.
    """
    return replace(ledger, parsed=parse_ledger(account, ledger))


def account_guard(account: Account, ledger: Ledger, rules: GuardRules, organization: str, now: dt.datetime) -> Guard:
    """The guard decide consults for one account at `now`: each request judged on the account's case.

    The case is built on the first request (most accounts ask nothing on most days) and kept for
    the next ones, which differ only in the proposal (the ledger's index is kept too).
    """
    read: list[Case | CaseError] = []  # the case, or why it could not be read: one per account
    assumed: list[tuple[str, ...]] = []  # worked out on the first request, like the case

    def guard(request: ContactRequest) -> GuardAnswer:
        if not read:
            assumed.append(assumed_states(account, ledger))
            read.append(first_case(account, ledger, organization, now, request, assumed[0]))
            case = read[0]
        elif isinstance(read[0], Case):
            case = read[0].with_proposal(proposal_of(request))
            if request.to is not None and case.patient.point(request.to) is None:
                return refusal(unknown_point(request.to))  # as the case's reader would say
        else:
            case = read[0]
        if isinstance(case, CaseError):
            return refusal(case)
        return answer(judge(case, rules, until=request.until), case.patient.zones[0], assumed[0])

    return guard


def first_case(
    account: Account,
    ledger: Ledger,
    organization: str,
    now: dt.datetime,
    request: ContactRequest,
    assumed: tuple[str, ...],
) -> Case | CaseError:
    """The account's case for its first request: built from typed objects, else read as JSON."""
    parsed = ledger.parsed if ledger.parsed is not None else parse_ledger(account, ledger)
    if parsed is not None and request.at.tzinfo is not None:
        who = ledger.organization or organization
        case = build_case(account, parsed, who, now, proposal_of(request), assumed, STATE_EVENTS)
        if case is not None:
            return case
    return read_case(account, ledger, organization, now, request)


def read_case(
    account: Account, ledger: Ledger, organization: str, now: dt.datetime, request: ContactRequest
) -> Case | CaseError:
    """The account's case for a first request, or the reason it cannot be read."""
    try:
        return parse_case(case_data(account, ledger, organization, now, request))
    except CaseError as problem:
        return problem
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as problem:
        # A safety net only: the ledger's shapes are passed on for the guard's reader to name.
        return CaseError("case", f"could not build the guard case from the account ({problem})")


def proposal_of(request: ContactRequest) -> Proposal:
    """decide's request as the guard's proposal (instants in UTC, as a case keeps them)."""
    return made(
        Proposal,
        at=request.at.astimezone(UTC),
        channel=request.channel,
        debts=tuple(dict.fromkeys(request.debts)),
        to=request.to,
        automated=request.automated,
        template=request.template,
    )


def unknown_point(point_id: str) -> CaseError:
    """A proposal naming a contact point the patient does not have (`parse_case`'s own words)."""
    return CaseError("proposed.to", f"no contact point has the id `{point_id}`")


def answer(verdict: Verdict, zone: ZoneInfo, assumed: tuple[str, ...]) -> GuardAnswer:
    """The verdict as decide needs it: allowed, when to try again, and the verdict JSON for the trace."""
    details: dict[str, object] = verdict.to_dict()
    if assumed:
        details["assumed"] = list(assumed)
    return made(
        GuardAnswer, allowed=verdict.allowed, next_allowed_at=instant(verdict.next_allowed_at, zone), details=details
    )


def refusal(problem: CaseError) -> GuardAnswer:
    """A malformed case refuses the contact and says which field is wrong (fail closed)."""
    return GuardAnswer(False, None, {"allowed": False, "error": problem.to_dict()})


def instant(text: str | None, zone: ZoneInfo) -> dt.datetime | None:
    """The verdict's `next_allowed_at` (patient-local without an offset) as an aware instant."""
    if text is None:
        return None
    at = dt.datetime.fromisoformat(text)
    return at if at.tzinfo is not None else at.replace(tzinfo=zone)


# ---------------------------------------------------------------- the case


def case_data(
    account: Account, ledger: Ledger, organization: str, now: dt.datetime, request: ContactRequest
) -> dict[str, Any]:
    """DESIGN.md's guard case for one request: what `parley guard` reads, so any verdict can be replayed."""
    zone = ZoneInfo(account.timezone)
    local_now = now.astimezone(zone)
    facts = account.facts
    history = [*ledger.history, *conversation_rows(account)]
    return {
        "now": stamp(now),
        "jurisdiction": facts.get("jurisdiction"),
        "organization": ledger.organization or organization,
        "patient": patient_data(account, ledger),
        "debts": list(ledger.debts) or debts_data(account, local_now.date()),
        "history": history,
        "events": [*ledger.events, *account_events(account.events), *state_events(account, ledger)],
        "proposed": proposal_data(request),
    }


def proposal_data(request: ContactRequest) -> dict[str, Any]:
    """The case's `proposed`: what `parley guard` needs to replay the question exactly."""
    data: dict[str, Any] = {"at": stamp(request.at), "channel": request.channel, "debts": list(request.debts)}
    if request.to is not None:
        data["to"] = request.to
    if request.automated is not None:
        data["automated"] = request.automated
    if request.template is not None:
        data["template"] = request.template
    return data


def stamp(at: dt.datetime) -> str:
    """An instant as the case writes one: ISO 8601 with its offset."""
    return at.isoformat()


def patient_data(account: Account, ledger: Ledger) -> dict[str, Any]:
    """The case's `patient`: the ledger's designations, with the facts' zone, consents and scores."""
    facts = account.facts
    extra = dict(ledger.patient)
    # A field of the wrong shape goes to the guard's reader as it is, which names it.
    given = extra.get("timezones", [])
    zones = [account.timezone, *(z for z in given if z != account.timezone)] if isinstance(given, list) else given
    consent = extra.get("consent", {})
    consent = dict(consent) if isinstance(consent, Mapping) else consent
    intents: list[str] = []
    scores: dict[str, Any] = {}
    for name, value in facts.items():
        if name.startswith("consent.") and isinstance(value, bool) and isinstance(consent, dict):
            consent[name.removeprefix("consent.")] = value
        elif name.startswith("intent.") and value is True:
            intents.append(name.removeprefix("intent."))
        elif name.startswith("score.") and value is not None:
            scores[name.removeprefix("score.")] = number(value)
    patient: dict[str, Any] = {**extra, "timezones": zones, "consent": consent, "scores": scores}
    # The intents are known: the replies model found these and no others. Left unknown, a rule such
    # as `hold contact when intent.wrong_person` would (rightly) fail closed on every account.
    said = extra.get("intents", [])
    patient["intents"] = (
        sorted({*intents, *(i for i in said if isinstance(i, str))}) if isinstance(said, list) else said
    )
    if facts.get("patient.language") is not None:
        patient["language"] = str(facts["patient.language"])
    age = facts.get("patient.age")
    if isinstance(age, int | Decimal | float) and not isinstance(age, bool):
        patient["age"] = int(age)
    return patient


def number(value: object) -> object:
    """A score as JSON carries it (the guard's reader range-checks it)."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def debts_data(account: Account, today: dt.date) -> list[dict[str, Any]]:
    """One medical debt per account debt, its balances and dates read from the facts."""
    facts = account.facts
    debt: dict[str, Any] = {"kind": "medical"}
    if facts.get("balance") is not None:
        debt["balance"] = str(facts["balance"])
    if facts.get("original_balance") is not None:
        debt["initial_balance"] = str(facts["original_balance"])
    for fact, key in (("days_since_first_statement", "first_statement"), ("days_past_due", "delinquent_since")):
        days = facts.get(fact)
        if isinstance(days, int | Decimal) and not isinstance(days, bool):
            debt[key] = (today - dt.timedelta(days=int(days))).isoformat()
    debt["placed"] = account.placed_on.isoformat()
    return [{"id": debt_id, **debt} for debt_id in account.debts]


def conversation_rows(account: Account) -> list[dict[str, Any]]:
    """A conversation the strategy heard about is a ledger row for the guard: it starts the cool-down.

    Inbound, so it never counts toward a cap on our calls; about every debt of the account. A
    conversation read from the ledger itself (`in_ledger`) is there already, with its own debts.
    """
    row = {"channel": "call", "direction": "inbound", "outcome": "conversation", "debts": list(account.debts)}
    return [{"at": stamp(e.at), **row} for e in account.events if e.type == "conversation" and not e.in_ledger]


def account_events(events: Iterable[AccountEvent]) -> list[dict[str, Any]]:
    """The account's events the guard reads too: a reply's words (STOP), a dispute, a payment, a plan.

    A duplicate of a ledger event changes nothing: the guard reads the latest event of a kind.
    """
    found = []
    for event in events:
        if event.type not in ACCOUNT_EVENT_TYPES:
            continue
        data: dict[str, Any] = {"at": stamp(event.at), "type": event.type}
        text = event.facts.get("text")
        if event.type == "reply" and isinstance(text, str):
            data["text"] = text
        debt = event.facts.get("debt")
        if isinstance(debt, str):
            data["debt"] = debt
        found.append(data)
    return found


def assumed_states(account: Account, ledger: Ledger) -> tuple[str, ...]:
    """States the facts assert that no event in the ledger dates: the guard is told they hold."""
    facts = account.facts
    if not any(facts.get(state) is True for state in STATE_EVENTS):
        return ()  # the usual account asserts none: no need to read the ledger's events
    dated = {str(e.get("type")) for e in ledger.events if isinstance(e, Mapping)}
    dated |= {e.type for e in account.events if e.type in ACCOUNT_EVENT_TYPES}
    return tuple(
        state
        for state, kind in STATE_EVENTS.items()
        if account.facts.get(state) is True and kind not in dated and not (state == "disputed" and verified(account))
    )


def verified(account: Account) -> bool:
    """Whether the facts say the dispute was answered by verification."""
    return account.facts.get("verified") is True


def state_events(account: Account, ledger: Ledger) -> list[dict[str, Any]]:
    """Events for the assumed states, received at the start of the placement day (the earliest we know)."""
    start = placement_start(account.placed_on, account.timezone)
    events = []
    for state in assumed_states(account, ledger):
        kind = STATE_EVENTS[state]
        if kind in PER_DEBT_EVENTS:
            events.extend({"at": stamp(start), "type": kind, "debt": debt} for debt in account.debts)
        else:
            events.append({"at": stamp(start), "type": kind})
    return events
