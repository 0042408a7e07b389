"""Frequency caps and cool-downs: `limit call to 7 per debt per 7 days`, `after conversation no call …`.

Windows of days are consecutive calendar days in the patient's local time, the proposal's day
being the last day of the window (1006.14(b)(2)(i)(A)); a cool-down's event day is day 1
(comment 14(b)(2)(i)-1). What counts — connected outbound contacts, each debt discussed, one debt
for an unanswered call, nothing under a consent given directly to the collector, nothing to a
number that turned out to be someone else's — is decided once, in `engine.guard.history`.
"""

from __future__ import annotations

import datetime as dt

from dsl import ast
from engine.guard.clock import local_day, weekday_date
from engine.guard.history import View
from engine.guard.kinds.common import day_start, days_of, label, noun_for, plural, proposal_debts, rule_channels
from engine.guard.kinds.occurrences import occurrences
from engine.guard.rules import CompiledRule
from engine.guard.verdict import Finding

# `per patient` counts everything sent to the patient. `per account` is "all debts under one
# account number": in a case every debt already is one particular debt (student loans under one
# account number are listed as one), so `account` counts like `debt`.
ACCOUNT_UNITS = frozenset({"patient", "person", "consumer", "debtor"})
NUMBER_UNITS = frozenset({"number", "address", "contact_point"})


def check_cap(rule: CompiledRule, view: View) -> list[Finding]:
    """No more than N counted contacts on these channels in any window that ends with the proposal."""
    cap = rule.constraint
    assert isinstance(cap, ast.FrequencyCap)
    proposed = view.case.proposed
    channels = rule_channels(rule, cap.channels)
    place = cap.place.name if cap.place else None
    if proposed.channel not in channels or (proposed.to is not None and proposed.to in view.misdirected):
        return []
    if place is not None and place not in view.place_words(proposed.channel, proposed.to):
        return []
    unit = cap.per.name
    debts = ("*",) if unit in ACCOUNT_UNITS | NUMBER_UNITS else proposal_debts(view)
    findings = []
    for debt in debts:
        if debt != "*" and view.consented(proposed.channel, debt, view.at, view.day) is not None:
            continue  # 1006.14(b)(3)(i): calls under direct prior consent do not count
        rows = view.counted(channels, debt, place, window_start(view, cap.window))
        if unit in NUMBER_UNITS:
            point = view.resolve(proposed.channel, proposed.to)
            rows = [e for e in rows if view.resolve(e.channel, e.to) == point]
        finding = judge_window(rule, view, cap, rows, debt, channels)
        if finding is not None:
            findings.append(finding)
    return findings


def window_start(view: View, window: ast.Duration) -> int:
    """The first local day a window ending now can reach."""
    n_days = days_of(window)
    if n_days is not None:
        return view.day - n_days + 1
    return local_day(view.at - dt.timedelta(minutes=window.minutes), view.case.patient.zone)


def judge_window(
    rule: CompiledRule, view: View, cap: ast.FrequencyCap, rows: list, debt: str, channels: frozenset[str]
) -> Finding | None:
    """The finding when the proposal would be one too many in its window, else None."""
    n_days = days_of(cap.window)
    if n_days is not None:
        first_day = view.day - n_days + 1
        in_window = [e for e in rows if e.day >= first_day]
    else:
        since = view.at - dt.timedelta(minutes=cap.window.minutes)
        in_window = [e for e in rows if e.at > since]
    if len(in_window) < cap.limit:
        return None
    noun = noun_for(channels)
    about = "" if debt == "*" else f" about {debt}"
    ordinal = len(in_window) + 1
    per = f"{cap.limit} per {cap.per.name} per {span(cap.window)}"
    if cap.limit == 0:
        return rule.finding(f"no {noun}s{about} are allowed ({per})")
    oldest_that_must_leave = in_window[-cap.limit]
    if n_days is not None:
        clears_day = oldest_that_must_leave.day + n_days
        dates = f"from {weekday_date(in_window[0].day)} to {weekday_date(in_window[-1].day)}"
        message = (
            f"{plural(len(in_window), noun)}{about} already count {dates}; another on "
            f"{weekday_date(view.day)} would be the {ordinal_word(ordinal)} within {n_days} consecutive days "
            f"(limit {per}); the first allowed day is {weekday_date(clears_day)}"
        )
        return rule.finding(message, day_start(view, clears_day))
    clears = oldest_that_must_leave.at + dt.timedelta(minutes=cap.window.minutes)
    message = (
        f"{plural(len(in_window), noun)}{about} already count in the last {span(cap.window)}; "
        f"another now would be the {ordinal_word(ordinal)} (limit {per})"
    )
    return rule.finding(message, clears)


def check_cool_down(rule: CompiledRule, view: View) -> list[Finding]:
    """No contact on these channels about a debt for DURATION after EVENT about it (event day = day 1)."""
    cool = rule.constraint
    assert isinstance(cool, ast.CoolDown)
    proposed = view.case.proposed
    channels = rule_channels(rule, cool.channels)
    if proposed.channel not in channels or (proposed.to is not None and proposed.to in view.misdirected):
        return []
    n_days = days_of(cool.duration)
    debts = ("*",) if cool.per.name in ACCOUNT_UNITS else proposal_debts(view)
    findings = []
    for debt in debts:
        if debt != "*" and view.consented(proposed.channel, debt, view.at, view.day) is not None:
            continue
        found = occurrences(view, cool.event.name, debt)
        if not found:
            continue
        last = found[-1]
        noun = noun_for(channels)
        if n_days is not None:
            if view.day > last.day + n_days - 1:
                continue
            clears_day = last.day + n_days
            message = (
                f"{last.what} about {label(view, debt)} on {weekday_date(last.day)} starts {n_days} days "
                f"without {noun}s about it (that day is day 1); the first allowed day is {weekday_date(clears_day)}"
            )
            findings.append(rule.finding(message, day_start(view, clears_day)))
        else:
            clears = last.at + dt.timedelta(minutes=cool.duration.minutes)
            if view.at >= clears:
                continue
            message = (
                f"{last.what} about {label(view, debt)} at {last.at.astimezone(view.case.patient.zone):%Y-%m-%d %H:%M}"
                f" starts {span(cool.duration)} without {noun}s about it"
            )
            findings.append(rule.finding(message, clears))
    return findings


def span(duration: ast.Duration) -> str:
    """`7 days`, `1 week`."""
    return plural(duration.amount, duration.unit)


def ordinal_word(n: int) -> str:
    """`8th`, `2nd`, `21st`."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
