"""Times and places: `contact only between 08:00 and 21:00 local`, and what the patient designated.

With several candidate time zones a moment is convenient only if it is convenient in every one
of them (comment 6(b)(1)(i)-2); an electronic message is timed when it is sent (comment
6(b)(1)(i)-1). 08:00:00 <= t < 21:00:00 is allowed (the catalog's reading of "after 8" and
"before 9"). Times and places the patient called inconvenient stay so until the patient says
otherwise; when the patient writes or calls in at such a time or from such a place, the
collector may respond once, through the same medium (comment 6(b)(1)-2).
"""

from __future__ import annotations

import datetime as dt

from dsl import ast
from engine.guard.case import MEDIUM, InconvenientTime
from engine.guard.clock import at_local, local_day, local_minute, render_local
from engine.guard.history import View
from engine.guard.kinds.common import TIMED_CHANNELS, rule_reaches
from engine.guard.rules import CompiledRule
from engine.guard.verdict import Finding

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PLACE_BOUND_KINDS = frozenset({"landline", "address"})


def check_time_window(rule: CompiledRule, view: View) -> list[Finding]:
    """The proposal's moment must fall inside the window in every zone the patient may be in."""
    window = rule.constraint
    assert isinstance(window, ast.TimeWindowRule)
    channel = view.case.proposed.channel
    applies = rule_reaches(rule, window.channels, channel) if window.channels else channel in TIMED_CHANNELS
    if not applies:
        return []
    start, end = window.start.minutes, window.end.minutes
    patient = view.case.patient
    minutes = view.local_minutes
    if all(start <= minutes[zone][1] < end for zone in patient.zones):
        return []  # the usual answer, before any list is made
    # Several packs hold the same hours (Regulation F, the TCPA, a state): the finding's words
    # and clearing instant are worked out once per judged instant and shared.
    key = ("time_window", start, end)
    found = view.memo.get(key)
    if found is None:
        found = view.memo[key] = outside_window(window, view)
    message, clears = found
    return [rule.finding(message, clears)]


def outside_window(window: ast.TimeWindowRule, view: View) -> tuple[str, dt.datetime]:
    """What a time-window finding says, and when the window next opens in every zone outside it."""
    start, end = window.start.minutes, window.end.minutes
    patient = view.case.patient
    outside = []
    clears: list[dt.datetime] = []
    for zone, name in zip(patient.zones, patient.zone_names, strict=True):
        _, minute = view.local_minutes[zone]
        if start <= minute < end:
            continue
        day = local_day(view.at, zone)
        clears.append(at_local(day if minute < start else day + 1, start, zone))
        outside.append(f"{render_local(view.at, zone)} in {name}")
    bounds = f"{window.start.hour:02d}:{window.start.minute:02d} and {window.end.hour:02d}:{window.end.minute:02d}"
    message = f"outside {bounds} local time where the patient may be: {', '.join(outside)}"
    if len(outside) == 1 and len(patient.zones) == 1:
        message = f"{outside[0]} is outside {bounds} local time"
    if not patient.zones_known:
        message += " (the patient's time zone is unknown, so every US time zone must be convenient)"
    elif len(patient.zones) > 1:
        message += " (the patient may be in any of their time zones, so every one must be convenient)"
    return message, max(clears)


def check_designated_times(rule: CompiledRule, view: View) -> list[Finding]:
    """Times the patient said are inconvenient (1006.6(b)(1)(i); comment 6(b)(1)-1)."""
    channel = view.case.proposed.channel
    if channel not in TIMED_CHANNELS:
        return []
    patient = view.case.patient
    findings = []
    for designation in patient.inconvenient_times:
        hits = []
        for zone in patient.zones:
            weekday, minute = view.local_minutes[zone]
            if designation.covers(weekday, int(minute)):
                hits.append((zone, weekday, local_day(view.at, zone)))
        if not hits or responds_once_in(view, designation):
            continue
        zone, weekday, _ = hits[0]
        ends = max(at_local(d, designation.end_minute, z) for z, _, d in hits)
        days = ", ".join(DAY_NAMES[d] for d in sorted(designation.weekdays)) or "every day"
        start, end = designation.start_minute, designation.end_minute
        window = f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
        message = (
            f"the patient said {days} {window} is inconvenient; {render_local(view.at, zone)} "
            f"({DAY_NAMES[weekday]}) falls in it"
        )
        findings.append(rule.finding(message, ends))
    return findings


def responds_once_in(view: View, designation: InconvenientTime) -> bool:
    """Whether the patient reached out in this same designated stretch and is owed one reply."""
    medium = MEDIUM[view.case.proposed.channel]
    zone = view.case.patient.zone
    today = local_day(view.at, zone)
    for entry in view.entries:
        if entry.direction != "inbound" or entry.medium != medium or entry.day != today:
            continue
        weekday, minute = local_minute(entry.at, zone)
        if designation.covers(weekday, int(minute)):
            return view.answered_once(medium, entry.at)
    return False


def check_designated_places(rule: CompiledRule, view: View) -> list[Finding]:
    """Places the patient said are inconvenient (1006.6(b)(1)(ii); comment 6(b)(1)(ii)-1).

    Media tied to a place (a landline, a mailing address) are barred when that place is; a mobile
    number or an email address is not tied to a place, so it stays usable.
    """
    proposed = view.case.proposed
    places = view.case.patient.inconvenient_places
    if not places or proposed.channel not in ("call", "voicemail", "letter"):
        return []
    point = view.resolve(proposed.channel, proposed.to)
    if point is None:
        if proposed.channel == "letter" and "home" in places:
            place = "home"  # without contact points, letters go to the home address
        elif "home" in places and not view.case.patient.contact_points and proposed.channel != "letter":
            place = "home"  # an unnamed number may be the home landline: fail closed
        else:
            return []
    elif point.kind in PLACE_BOUND_KINDS and (point.place or "home") in places:
        place = point.place or "home"
    else:
        return []
    earliest = view.entries[0].at if view.entries else view.at
    if view.answered_once(MEDIUM[proposed.channel], earliest, point.id if point else None):
        return []  # the patient called or wrote in from there: one response is allowed
    where = "the home address or landline" if place == "home" else f"the patient's {place} address or landline"
    message = f"the patient said {place} is an inconvenient place; this {proposed.channel} would reach {where}"
    return [rule.finding(message, None)]
