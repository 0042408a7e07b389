"""Screens: cheap tests that a rule cannot find anything, so its check need not run.

Most rules say nothing about most proposals: a hold on credit reporting cannot refuse a call, a
cap of 7 calls cannot be reached by an account with three calls that week, a cool-down after a
conversation cannot hold back an account that never had one. Judging used to run every rule's
check to learn that; a screen learns it first, for a fraction of the cost.

Two kinds, each a *necessary condition* for its check to return a finding (so skipping a rule
whose screen fails never changes a verdict — a hypothesis test holds the screened judgement
to the unscreened one):

- a **shape** screen reads only the proposal's channel, template and `automated` flag, the same
  early returns the checks start with; `GuardRules.screened` applies it once per kind of
  proposal and caches the short list of rules that can apply;
- a **case** screen reads the view (counts of rows, kinds of events), and runs per proposal.
"""

from __future__ import annotations

from collections.abc import Callable

from dsl import ast
from dsl.checks.acts import EVENT_ALIASES
from engine.guard.case import CONTACT_CHANNELS
from engine.guard.history import View
from engine.guard.kinds.common import TIMED_CHANNELS, action_matches, channel_set, days_of, words
from engine.guard.kinds.frequency import check_cap, check_cool_down, window_start
from engine.guard.kinds.occurrences import may_occur
from engine.guard.kinds.patient import (
    BURST,
    CONCENTRATED,
    TELEPHONE,
    check_confidential,
    check_medium,
    check_rebuttal,
    check_third_party,
    check_workplace,
)
from engine.guard.kinds.states import check_consent, check_forbid, check_hold, raised_by
from engine.guard.kinds.times import check_designated_places, check_designated_times, check_time_window
from engine.guard.kinds.timing import check_obligation, check_prior_notice, check_waiting_period
from engine.guard.rules import CompiledRule

# (rule, channel, template, automated) -> whether the check can find anything for such a proposal
Shape = Callable[[CompiledRule, str, "str | None", "bool | None"], bool]
# (rule, view) -> whether the check can find anything on this case at this instant
Screen = Callable[[CompiledRule, View], bool]


def does(word: str, channel: str, template: str | None) -> bool:
    """Whether a pack's action word covers a proposal (the checks' `proposal_does`)."""
    return action_matches(word, channel, template)


def in_channels(idents: tuple[ast.Ident, ...], channel: str) -> bool:
    """The checks' `proposal_in`: the channel is one the words reach, or one of the words."""
    return channel in channel_set(idents) or channel in words(idents)


def shape_hold(rule: CompiledRule, channel: str, template: str | None, automated: bool | None) -> bool:
    """`holds_back`: the hold's actions cover the proposal."""
    hold = rule.constraint
    assert isinstance(hold, ast.Hold)
    return any(does(a, channel, template) for a in words(hold.actions))


def shape_action(rule: CompiledRule, channel: str, template: str | None, automated: bool | None) -> bool:
    """Forbid, waiting period, prior notice: the rule's one action covers the proposal."""
    constraint = rule.constraint
    assert isinstance(constraint, ast.ForbidAction | ast.WaitingPeriod | ast.PriorNotice)
    return does(constraint.action.name, channel, template)


def shape_consent(rule: CompiledRule, channel: str, template: str | None, automated: bool | None) -> bool:
    """The consent's channels reach the proposal, and a robocall consent is not asked of a live call."""
    need = rule.constraint
    assert isinstance(need, ast.RequireConsent)
    if not in_channels(need.channels, channel):
        return False
    robotic = need.kind.name.startswith(("autodialed", "prerecorded"))
    return not (robotic and automated is False)


def shape_window(rule: CompiledRule, channel: str, template: str | None, automated: bool | None) -> bool:
    """A time window reaches its channels, or the timed media when it names none."""
    window = rule.constraint
    assert isinstance(window, ast.TimeWindowRule)
    return in_channels(window.channels, channel) if window.channels else channel in TIMED_CHANNELS


def shape_channels(allowed: frozenset[str]) -> Shape:
    """A built-in rule that reaches only these channels."""
    return lambda rule, channel, template, automated: channel in allowed


SHAPES: dict[Callable, Shape] = {
    check_hold: shape_hold,
    check_forbid: shape_action,
    check_waiting_period: shape_action,
    check_prior_notice: shape_action,
    check_consent: shape_consent,
    check_time_window: shape_window,
    check_medium: shape_channels(frozenset(CONTACT_CHANNELS)),
    check_confidential: shape_channels(frozenset(CONTACT_CHANNELS)),
    check_rebuttal: shape_channels(TELEPHONE),
    check_workplace: shape_channels(frozenset({"email"})),
    check_designated_times: shape_channels(TIMED_CHANNELS),
    check_designated_places: shape_channels(frozenset({"call", "voicemail", "letter"})),
}


# ---------------------------------------------------------------- case screens


def screen_cap(rule: CompiledRule, view: View) -> bool:
    """A cap is reached only with at least `limit` ledger rows in its window before the proposal.

    Every row a cap counts is a ledger row before the instant on or after the window's first
    local day (days ascend with instants), so fewer such rows than the limit cannot reach it.
    """
    cap = rule.constraint
    assert isinstance(cap, ast.FrequencyCap)
    if cap.limit <= 0:
        return True
    first_day = window_start(view, cap.window)
    entries = view.entries
    if len(entries) < cap.limit:
        return False
    # the `limit`-th row from the end is in the window exactly when `limit` rows are
    return entries[-cap.limit].day >= first_day


def screen_cool_down(rule: CompiledRule, view: View) -> bool:
    """A cool-down needs its event; after a conversation, it holds only within its days of the latest one."""
    cool = rule.constraint
    assert isinstance(cool, ast.CoolDown)
    n_days = days_of(cool.duration)
    if cool.event.name != "conversation" or n_days is None:
        return may_occur(view, cool.event.name)
    conversations = view.conversations
    return bool(conversations) and view.day <= conversations[-1].day + n_days - 1


def screen_obligation(rule: CompiledRule, view: View) -> bool:
    """An obligation is overdue only after its event happened."""
    duty = rule.constraint
    assert isinstance(duty, ast.Obligation)
    return may_occur(view, duty.event.name)


def screen_hold(rule: CompiledRule, view: View) -> bool:
    """A hold on states that nothing in the case can raise holds nothing back (`cannot_hold`, by sets)."""
    raisers = rule.memo.get("raisers")
    if raisers is None:
        hold = rule.constraint
        assert isinstance(hold, ast.Hold)
        found = raised_by(hold.condition)
        raisers = rule.memo["raisers"] = () if found is None else (frozenset(found[0]), frozenset(found[1]))
    if not raisers:
        return True  # not a condition of states: only the check can tell
    kinds, intents = raisers
    if not view.case.index.events_by_type.keys().isdisjoint(kinds):
        return True
    said = view.case.patient.intents
    return bool(said) and not intents.isdisjoint(said)


def screen_rebuttal(rule: CompiledRule, view: View) -> bool:
    """The rebuttal warnings need a call within five minutes before, or several calls that day."""
    entries = view.entries
    if not entries:
        return False
    if entries[-1].at > view.at - BURST:
        return True
    today = 0
    for position in range(len(entries) - 1, -1, -1):
        if entries[position].day != view.day:
            break
        today += 1
    return today + 1 >= CONCENTRATED


def screen_medium(rule: CompiledRule, view: View) -> bool:
    """An opt-out is an `opt_out` event or a reply (a STOP word) in the case."""
    present = view.case.index.events_by_type
    return "opt_out" in present or "reply" in present


def screen_confidential(rule: CompiledRule, view: View) -> bool:
    """Only a patient who asked for confidential communications."""
    patient = view.case.patient
    return bool(patient.confidential_channels or patient.confidential_to)


def screen_third_party(rule: CompiledRule, view: View) -> bool:
    """Only a proposal that names the number or address it uses."""
    return view.case.proposed.to is not None


def screen_designated_times(rule: CompiledRule, view: View) -> bool:
    """Only a patient who named inconvenient times."""
    return bool(view.case.patient.inconvenient_times)


def screen_designated_places(rule: CompiledRule, view: View) -> bool:
    """Only a patient who named inconvenient places."""
    return bool(view.case.patient.inconvenient_places)


# ---------------------------------------------------------------- screens on the case alone

# Case screens whose answer depends on nothing but the case's `signature` below (which event types
# and templates it holds, the patient's intents and designations, whether the proposal names a
# number), never on the instant judged. `GuardRules.folded` runs them once per kind of proposal and
# signature, and most accounts of a portfolio share a few signatures.
STATIC_SCREENS = frozenset(
    {
        screen_hold,
        screen_medium,
        screen_confidential,
        screen_third_party,
        screen_designated_times,
        screen_designated_places,
    }
)


def is_static(rule: CompiledRule) -> bool:
    """Whether a rule's screen is a function of the case's signature alone.

    An obligation's is, unless its event is a conversation (`may_occur` then reads the
    conversations before the instant).
    """
    screen = rule.screen
    if screen is screen_obligation:
        duty = rule.constraint
        assert isinstance(duty, ast.Obligation)
        return EVENT_ALIASES.get(duty.event.name, duty.event.name) != "conversation"
    return screen in STATIC_SCREENS


def signature(view: View) -> tuple:
    """Everything the static screens read of a case and its proposal, as a hashable key."""
    case = view.case
    index = case.index
    patient = case.patient
    return (
        frozenset(index.events_by_type),
        frozenset(index.by_template),
        patient.intents,
        bool(patient.confidential_channels or patient.confidential_to),
        bool(patient.inconvenient_times),
        bool(patient.inconvenient_places),
        case.proposed.to is not None,
    )


SCREENS: dict[Callable, Screen] = {
    check_cap: screen_cap,
    check_cool_down: screen_cool_down,
    check_obligation: screen_obligation,
    check_hold: screen_hold,
    check_rebuttal: screen_rebuttal,
    check_medium: screen_medium,
    check_confidential: screen_confidential,
    check_third_party: screen_third_party,
    check_designated_times: screen_designated_times,
    check_designated_places: screen_designated_places,
}
