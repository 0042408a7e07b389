"""Read and validate a guard case (DESIGN.md's JSON format) into a `Case`.

Whatever the JSON, `parse_case` either returns a `Case` or raises `CaseError(field, message)`
naming the field (`history[2].at`) in words a compliance officer can act on; nothing else escapes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from engine.guard import case as c
from engine.guard.clock import local_day
from engine.guard.values import (
    CaseError,
    describe,
    expect_object,
    optional,
    read_bool,
    read_choice,
    read_count,
    read_date,
    read_debt_list,
    read_instant,
    read_jurisdiction,
    read_list,
    read_money,
    read_reference,
    read_string,
    required,
)

ORGANIZATIONS = ("agency", "provider", "nonprofit_hospital")
ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$")
WINDOW = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
# Without a known location the patient may be anywhere in the US: convenient only in all of them.
US_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
)


def parse_case(data: Any) -> c.Case:
    """Validate a decoded JSON case and build the `Case` the guard judges."""
    try:
        return read_case(data)
    except CaseError:
        raise
    except (ValueError, TypeError, OverflowError, KeyError, IndexError, AttributeError) as problem:
        # A safety net only: every known problem is named above with its field.
        raise CaseError("case", f"could not read the case ({problem})") from None


def read_case(data: Any) -> c.Case:
    """The body of `parse_case`, raising `CaseError` for each problem it finds."""
    obj = expect_object(data, "case")
    patient = read_patient(obj.get("patient"), "patient")
    zone = patient.zones[0]
    now = read_instant(required(obj, "now", "case"), "now", zone)
    jurisdiction = read_jurisdiction(required(obj, "jurisdiction", "case"), "jurisdiction")
    organization = read_choice(required(obj, "organization", "case"), "organization", ORGANIZATIONS)
    debts = read_list(required(obj, "debts", "case"), "debts", read_debt)
    if not debts:
        raise CaseError("debts", "list at least one debt")
    ids = [d.id for d in debts]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate is not None:
        raise CaseError("debts", f"debt `{duplicate}` is listed twice")
    known = frozenset(ids)
    points = frozenset(p.id for p in patient.contact_points)

    def entry(value: Any, path: str, index: int) -> c.Entry:
        return read_entry(value, path, index, zone, known, points)

    def event(value: Any, path: str, index: int) -> c.Event:
        return read_event(value, path, index, zone, known, points)

    history = sorted(read_list(obj.get("history", []), "history", entry, indexed=True), key=lambda e: (e.at, e.index))
    events = sorted(read_list(obj.get("events", []), "events", event, indexed=True), key=lambda e: (e.at, e.index))
    proposal = read_proposal(required(obj, "proposed", "case"), "proposed", zone, now, known, points)
    return c.Case(
        now=now,
        jurisdiction=jurisdiction,
        organization=organization,
        patient=patient,
        debts=tuple(debts),
        history=tuple(history),
        events=tuple(events),
        proposed=proposal,
        history_times=tuple(e.at for e in history),
        event_times=tuple(e.at for e in events),
    )


# ---------------------------------------------------------------- parts


def read_patient(value: Any, path: str) -> c.Patient:
    """The patient: time zones, consents, designations, contact points."""
    obj = expect_object(value, path)
    names = read_list(obj.get("timezones", []), f"{path}.timezones", read_string)
    known = bool(names)
    names = names or list(US_ZONES)
    zones = tuple(read_zone(n, f"{path}.timezones[{i}]") for i, n in enumerate(names))
    consent_obj = expect_object(obj.get("consent", {}), f"{path}.consent")
    consent = {str(k): read_bool(v, f"{path}.consent.{k}") for k, v in consent_obj.items()}
    times = read_list(obj.get("inconvenient_times", []), f"{path}.inconvenient_times", read_inconvenient_time)
    places = read_list(obj.get("inconvenient_places", []), f"{path}.inconvenient_places", read_place)
    language = optional(obj, "language", path, read_string)
    points = read_list(obj.get("contact_points", []), f"{path}.contact_points", read_contact_point)
    point_ids = [p.id for p in points]
    if len(set(point_ids)) != len(point_ids):
        raise CaseError(f"{path}.contact_points", "two contact points share an id")
    confidential = expect_object(obj.get("confidential_communication", {}), f"{path}.confidential_communication")
    conf_path = f"{path}.confidential_communication"

    def channel(v: Any, p: str) -> str:
        return read_choice(v, p, c.CONTACT_CHANNELS)

    def point(v: Any, p: str) -> str:
        return read_reference(v, p, frozenset(point_ids), "contact point")

    return c.Patient(
        zones=zones,
        zone_names=tuple(names),
        zones_known=known,
        consent=consent,
        inconvenient_times=tuple(times),
        inconvenient_places=tuple(places),
        language=language,
        contact_points=tuple(points),
        confidential_channels=tuple(read_list(confidential.get("channels", []), f"{conf_path}.channels", channel)),
        confidential_to=tuple(read_list(confidential.get("to", []), f"{conf_path}.to", point)),
        intents=read_intents(obj.get("intents"), f"{path}.intents"),
        scores=read_scores(obj.get("scores", {}), f"{path}.scores"),
        age=optional(obj, "age", path, read_age),
    )


def read_intents(value: Any, path: str) -> frozenset[str] | None:
    """The intents read from the patient's replies (`["hardship"]`); missing: not known."""
    if value is None:
        return None
    return frozenset(read_list(value, path, read_string))


def read_scores(value: Any, path: str) -> dict[str, float]:
    """Model scores, each between 0 and 1: `{"distress": 0.82}`."""
    obj = expect_object(value, path)
    scores = {}
    for key, score in obj.items():
        where = f"{path}.{key}"
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 1:
            raise CaseError(where, f"expected a score between 0 and 1, got {describe(score)}")
        scores[str(key)] = float(score)
    return scores


def read_age(value: Any, path: str) -> int:
    """An age in whole years."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 130:
        raise CaseError(path, f"expected an age in years, got {describe(value)}")
    return value


def read_zone(name: str, path: str) -> ZoneInfo:
    """An IANA time zone such as `America/New_York`."""
    if not ZONE_NAME.match(name) or ".." in name or len(name) > 64:
        raise CaseError(path, f"`{name}` is not a time zone name such as `America/New_York`")
    try:
        return ZoneInfo(name)
    except (ValueError, OSError, LookupError):
        raise CaseError(path, f"`{name}` is not a known time zone; use a name such as `America/New_York`") from None


def read_inconvenient_time(value: Any, path: str) -> c.InconvenientTime:
    """`{"days": ["tue"], "between": "15:00-17:00"}`; no days means every day."""
    obj = expect_object(value, path)
    days = read_list(obj.get("days", []), f"{path}.days", lambda v, p: read_choice(v, p, c.WEEKDAYS))
    start, end = read_window(required(obj, "between", path), f"{path}.between")
    return c.InconvenientTime(frozenset(c.WEEKDAYS.index(d) for d in days), start, end)


def read_window(value: Any, path: str) -> tuple[int, int]:
    """`15:00-17:00` as minutes of the day; `23:59` as an end means the end of the day."""
    text = read_string(value, path)
    match = WINDOW.match(text.strip())
    if not match:
        raise CaseError(path, f"`{text}` is not a window such as `15:00-17:00`")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise CaseError(path, f"`{text}` is not a time of day")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    end = 1440 if end == 1439 else end
    if end <= start:
        raise CaseError(path, f"`{text}` ends before it starts; split a window that spans midnight in two")
    return start, end


def read_place(value: Any, path: str) -> str:
    """`home` or `work`."""
    return read_choice(value, path, c.PLACES)


def read_contact_point(value: Any, path: str) -> c.ContactPoint:
    """`{"id": "m1", "kind": "mobile", "place": "home", …}`."""
    obj = expect_object(value, path)
    place = obj.get("place")
    return c.ContactPoint(
        id=read_string(required(obj, "id", path), f"{path}.id"),
        kind=read_choice(required(obj, "kind", path), f"{path}.kind", c.CONTACT_KINDS),
        place=None if place is None else read_place(place, f"{path}.place"),
        employer_provided=read_bool(obj.get("employer_provided", False), f"{path}.employer_provided"),
        belongs_to_patient=read_bool(obj.get("belongs_to_patient", True), f"{path}.belongs_to_patient"),
    )


def read_debt(value: Any, path: str) -> c.Debt:
    """One debt: id, kind, balances, first statement date."""
    obj = expect_object(value, path)
    return c.Debt(
        id=read_string(required(obj, "id", path), f"{path}.id"),
        kind=read_string(obj.get("kind", "medical"), f"{path}.kind"),
        balance=optional(obj, "balance", path, read_money),
        initial_balance=optional(obj, "initial_balance", path, read_money),
        first_statement=optional(obj, "first_statement", path, read_date),
        delinquent_since=optional(obj, "delinquent_since", path, read_date),
        placed=optional(obj, "placed", path, read_date),
        time_barred=optional(obj, "time_barred", path, read_bool),
    )


def read_entry(
    value: Any, path: str, index: int, zone: ZoneInfo, debts: frozenset[str], points: frozenset[str]
) -> c.Entry:
    """One ledger row."""
    obj = expect_object(value, path)
    at = read_instant(required(obj, "at", path), f"{path}.at", zone)
    counted = obj.get("counted_for")
    return c.Entry(
        index=index,
        at=at,
        day=local_day(at, zone),
        channel=read_choice(required(obj, "channel", path), f"{path}.channel", c.CONTACT_CHANNELS),
        direction=read_choice(obj.get("direction", "outbound"), f"{path}.direction", ("outbound", "inbound")),
        debts=read_debt_list(obj.get("debts", []), f"{path}.debts", debts),
        outcome=optional(obj, "outcome", path, lambda v, p: read_choice(v, p, c.OUTCOMES)),
        to=optional(obj, "to", path, lambda v, p: read_reference(v, p, points, "contact point")),
        counted_for=None if counted is None else read_debt_list(counted, f"{path}.counted_for", debts),
        template=optional(obj, "template", path, read_string),
    )


def read_event(
    value: Any, path: str, index: int, zone: ZoneInfo, debts: frozenset[str], points: frozenset[str]
) -> c.Event:
    """One account event."""
    obj = expect_object(value, path)
    at = read_instant(required(obj, "at", path), f"{path}.at", zone)
    days = optional(obj, "days", path, read_count)
    return c.Event(
        index=index,
        at=at,
        day=local_day(at, zone),
        type=read_choice(required(obj, "type", path), f"{path}.type", c.EVENT_TYPES),
        debt=optional(obj, "debt", path, lambda v, p: read_reference(v, p, debts, "debt")),
        channel=optional(obj, "channel", path, lambda v, p: read_choice(v, p, c.CONTACT_CHANNELS)),
        to=optional(obj, "to", path, lambda v, p: read_reference(v, p, points, "contact point")),
        days=days,
        kind=optional(obj, "kind", path, read_string),
        text=optional(obj, "text", path, read_string),
    )


def read_proposal(
    value: Any, path: str, zone: ZoneInfo, now: dt.datetime, debts: frozenset[str], points: frozenset[str]
) -> c.Proposal:
    """The proposed contact; without `at` it is proposed for `now`."""
    obj = expect_object(value, path)
    at = optional(obj, "at", path, lambda v, p: read_instant(v, p, zone)) or now
    return c.Proposal(
        at=at,
        channel=read_choice(required(obj, "channel", path), f"{path}.channel", c.PROPOSAL_CHANNELS),
        debts=read_debt_list(obj.get("debts", []), f"{path}.debts", debts),
        to=optional(obj, "to", path, lambda v, p: read_reference(v, p, points, "contact point")),
        automated=optional(obj, "automated", path, read_bool),
        template=optional(obj, "template", path, read_string),
    )
