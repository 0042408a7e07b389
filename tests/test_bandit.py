"""The timing bandit: posterior updates, choices only among allowed arms, and replayable draws."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.guard.case import InconvenientTime
from engine.scores.bandit import (
    CHANNELS,
    CONTACT_SPAN,
    PRIOR_STRENGTH,
    Allowed,
    BanditState,
    Outcome,
    Tally,
    account_rng,
    account_timing,
    allowed_arms,
    choose,
    eligible_channels,
    segment_of,
    timing_scores,
    update,
)
from engine.scores.timing import Prior

FLAT = {"call": Prior(1, 1), "sms": Prior(1, 1), "email": Prior(1, 1)}


def many(segment: str, channel: str, hour: int, wins: int, losses: int) -> list[Outcome]:
    """`wins` rewarded and `losses` unrewarded contacts on one arm."""
    return [Outcome(segment, channel, hour, True)] * wins + [Outcome(segment, channel, hour, False)] * losses


UPDATES = [
    # (outcomes, (segment, channel, hour), expected (alpha, beta)); flat priors at strength 4: (2, 2)
    ([], ("young", "sms", 10), (2.0, 2.0)),
    (many("young", "sms", 10, 3, 1), ("young", "sms", 10), (5.0, 3.0)),
    (many("young", "sms", 10, 3, 1), ("young", "sms", 11), (2.0, 2.0)),  # another hour learns nothing
    (many("young", "sms", 10, 3, 1), ("young", "call", 10), (2.0, 2.0)),  # nor another channel
    (many("young", "sms", 10, 3, 1), ("working", "sms", 10), (5.0, 3.0)),  # others' few outcomes lend in full
    (many("young", "sms", 10, 30, 10), ("working", "sms", 10), (2.0 + 15, 2.0 + 5)),  # at most 20 pseudo-contacts
    (many("mars", "sms", 10, 1, 0), ("unknown", "sms", 10), (3.0, 2.0)),  # an unknown segment learns as `unknown`
    (many("young", "fax", 10, 5, 0) + many("young", "sms", 24, 5, 0), ("young", "sms", 10), (2.0, 2.0)),
]


@pytest.mark.parametrize(("outcomes", "arm", "expected"), UPDATES)
def test_posterior_updates(outcomes: list[Outcome], arm: tuple[str, str, int], expected: tuple[float, float]) -> None:
    state = update(BanditState(FLAT), outcomes)
    assert state.parameters(*arm) == pytest.approx(expected)


def test_an_update_returns_a_new_state_and_leaves_the_old_one_alone() -> None:
    before = BanditState(FLAT)
    after = update(before, many("young", "sms", 10, 1, 0))
    assert before.tallies == {} and after.tallies == {("young", "sms", 10): Tally(1, 0)}
    with pytest.raises(TypeError):
        after.tallies[("young", "sms", 10)] = Tally(99, 0)  # type: ignore[index]


def test_updates_in_batches_equal_one_update() -> None:
    first, second = many("young", "sms", 10, 2, 3), many("retired", "call", 9, 4, 1)
    assert update(update(BanditState(), first), second) == update(BanditState(), first + second)


def test_the_default_call_prior_is_the_published_contact_rate() -> None:
    alpha, beta = BanditState().parameters("working", "call", 10)
    assert alpha / (alpha + beta) == pytest.approx(0.26) and alpha + beta == pytest.approx(PRIOR_STRENGTH)


SEGMENTS = [
    ({"patient.age": 20}, "young"),
    ({"patient.age": 34.9}, "young"),
    ({"patient.age": 35}, "working"),
    ({"patient.age": 64}, "working"),
    ({"patient.age": 65}, "retired"),
    ({"patient.age": True}, "unknown"),
    ({"patient.age": "40"}, "unknown"),
    ({"patient.age": float("nan")}, "unknown"),
    ({}, "unknown"),
]


@pytest.mark.parametrize(("facts", "expected"), SEGMENTS)
def test_segments_come_from_the_patients_age(facts: dict[str, object], expected: str) -> None:
    assert segment_of(facts) == expected


CHANNEL_CASES = [
    ({"consent.sms": True, "consent.email": True, "consent.autodialed_calls": True}, (), ("sms", "email", "call")),
    ({"consent.sms": True, "consent.email": True}, ("sms",), ("email",)),  # an opt-out removes a consented channel
    ({"consent.sms": "yes"}, (), ()),  # only a real yes is consent
    ({}, (), ()),
]


@pytest.mark.parametrize(("facts", "opted_out", "expected"), CHANNEL_CASES)
def test_eligible_channels(facts: dict[str, object], opted_out: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert eligible_channels(facts, opted_out) == expected


WORKDAYS = InconvenientTime(frozenset(range(5)), 9 * 60, 17 * 60)
ALLOWED = [
    # (channels, window, weekday, inconvenient, arm, expected first minute or None)
    (("sms",), None, 0, (), ("sms", 7), None),  # before 08:00
    (("sms",), None, 0, (), ("sms", 8), 480),
    (("sms",), None, 0, (), ("sms", 20), 1200),
    (("sms",), None, 0, (), ("sms", 21), None),  # 21:00 is too late
    (("sms",), (630, 1140), 0, (), ("sms", 10), 630),  # a window from 10:30 starts the hour at 10:30
    (("sms",), (630, 1140), 0, (), ("sms", 19), None),  # the window ends at 19:00
    (("sms",), None, 0, (WORKDAYS,), ("sms", 12), None),  # Monday: work hours are inconvenient
    (("sms",), None, 5, (WORKDAYS,), ("sms", 12), 720),  # Saturday: they are not
    (("sms",), None, 0, (InconvenientTime(frozenset(), 600, 630),), ("sms", 10), 630),  # half an hour off
    (("letter", "sms"), None, 0, (), ("letter", 10), None),  # letters are not the bandit's to time
    (("email",), None, 0, (), ("sms", 10), None),  # no consent, no arm
]


@pytest.mark.parametrize(("channels", "window", "weekday", "inconvenient", "arm", "expected"), ALLOWED)
def test_allowed_arms(
    channels: tuple[str, ...],
    window: tuple[int, int] | None,
    weekday: int,
    inconvenient: tuple[InconvenientTime, ...],
    arm: tuple[str, int],
    expected: int | None,
) -> None:
    assert allowed_arms(channels, window, weekday, inconvenient).minutes.get(arm) == expected


def test_the_guard_removes_arms_and_moves_a_minute_to_its_next_allowed_time() -> None:
    def guard(channel: str, minute: int) -> int | None:
        if channel == "call":
            return None  # e.g. the weekly call cap is reached
        if 14 * 60 <= minute < 14 * 60 + 20:
            return 14 * 60 + 20  # e.g. a designation the facts did not carry ends at 14:20
        return minute

    minutes = allowed_arms(("call", "sms"), probe=guard).minutes
    assert not any(channel == "call" for channel, _ in minutes)
    assert minutes[("sms", 14)] == 14 * 60 + 20 and minutes[("sms", 13)] == 13 * 60


def test_a_hint_the_guard_then_refuses_is_not_taken() -> None:
    minutes = allowed_arms(("sms",), probe=lambda channel, minute: minute + 5).minutes
    assert minutes == {}


def test_no_allowed_arm_means_no_choice_and_no_scores() -> None:
    rng = np.random.default_rng(0)
    assert choose(BanditState(), "young", Allowed(), rng) is None
    assert timing_scores(BanditState(), "young", Allowed(), rng) == {}


def test_a_bad_allowed_arm_loses_to_a_good_one_by_its_posterior_mean() -> None:
    state = update(BanditState(), many("young", "sms", 12, 40, 0) + many("young", "sms", 13, 0, 40))
    allowed = allowed_arms(("sms",), (12 * 60, 14 * 60))
    choice = choose(state, "young", allowed, None)
    assert choice is not None and (choice.channel, choice.hour, choice.minute) == ("sms", 12, 720)


def test_timing_scores_use_one_draw_so_the_best_channel_has_its_own_best_time() -> None:
    state = update(BanditState(), many("retired", "call", 10, 30, 2) + many("retired", "sms", 18, 10, 20))
    scores = timing_scores(state, "retired", allowed_arms(CHANNELS), None)
    assert scores["best_channel"] == "call" and scores["best_time"] == scores["best_time.call"] == 600
    assert set(scores) == {"best_time.call", "best_time.sms", "best_time.email", "best_channel", "best_time"}


def test_the_same_seed_gives_the_same_choice() -> None:
    state = update(BanditState(), many("working", "sms", 12, 3, 5) + many("working", "call", 18, 2, 2))
    allowed = allowed_arms(CHANNELS)
    draws = [choose(state, "working", allowed, account_rng(7, "A-1", 740_000)) for _ in range(3)]
    assert draws[0] == draws[1] == draws[2]
    others = {choose(state, "working", allowed, account_rng(7, f"A-{i}", 740_000)) for i in range(40)}
    assert len(others) > 1  # different accounts explore different arms


def test_thompson_explores_in_proportion_to_the_chance_an_arm_is_best() -> None:
    # Two arms, one clearly better: the worse one is still tried sometimes, but far less often.
    state = update(BanditState(FLAT), many("young", "sms", 10, 6, 4) + many("young", "sms", 11, 3, 7))
    allowed = allowed_arms(("sms",), (600, 720))
    rng = np.random.default_rng(3)
    picks = [choose(state, "young", allowed, rng) for _ in range(2_000)]
    share = sum(p is not None and p.hour == 10 for p in picks) / len(picks)
    assert 0.75 < share < 0.97


# --- never an illegal arm, whatever the posterior (hypothesis) -------------------------------------------

outcome_lists = st.lists(
    st.builds(
        Outcome,
        st.sampled_from(["young", "working", "retired", "unknown"]),
        st.sampled_from(CHANNELS),
        st.integers(0, 23),
        st.booleans(),
    ),
    max_size=60,
)
designations = st.lists(
    st.builds(
        lambda days, start, length: InconvenientTime(frozenset(days), start, min(start + length, 1440)),
        st.sets(st.integers(0, 6), max_size=3),
        st.integers(0, 1439),
        st.integers(1, 600),
    ),
    max_size=3,
)
windows = st.none() | st.tuples(st.integers(0, 1439), st.integers(1, 1440)).filter(lambda w: w[0] < w[1])


def legal(channel: str, minute: int, spec: dict) -> bool:
    """The rules written out again, minute by minute, without the bandit's own helpers."""
    window = spec["window"] or (0, 1440)
    inconvenient = any(
        (not d.weekdays or spec["weekday"] in d.weekdays) and d.start_minute <= minute < d.end_minute
        for d in spec["inconvenient"]
    )
    return (
        channel in spec["channels"]
        and channel not in spec["refused"]
        and CONTACT_SPAN[0] <= minute < CONTACT_SPAN[1]
        and window[0] <= minute < window[1]
        and not inconvenient
        and minute not in spec["refused_minutes"]
    )


@settings(max_examples=300, deadline=None)
@given(
    outcome_lists,
    st.sampled_from(["young", "working", "retired", "unknown", "other"]),
    st.sets(st.sampled_from([*CHANNELS, "letter"])),
    windows,
    st.integers(0, 6),
    designations,
    st.sets(st.sampled_from(CHANNELS), max_size=2),
    st.lists(st.tuples(st.integers(8, 20), st.integers(0, 3), st.integers(1, 90)), max_size=4).map(
        lambda blocks: {h * 60 + o + i for h, o, n in blocks for i in range(n)}  # the guard refuses these stretches
    ),
    st.integers(0, 2**32 - 1),
)
def test_no_choice_is_ever_an_arm_the_policies_or_the_guard_forbid(
    outcomes: list[Outcome],
    segment: str,
    channels: set[str],
    window: tuple[int, int] | None,
    weekday: int,
    inconvenient: list[InconvenientTime],
    refused: set[str],
    refused_minutes: set[int],
    seed: int,
) -> None:
    # Make the forbidden arms irresistible: hundreds of wins at 22:00, on refused channels, in designations.
    lure = [Outcome(segment, c, h, True) for c in CHANNELS for h in (6, 22, 12) for _ in range(50)]
    state = update(BanditState(), outcomes + lure)
    spec = {
        "channels": channels,
        "window": window,
        "weekday": weekday,
        "inconvenient": inconvenient,
        "refused": refused,
        "refused_minutes": refused_minutes,
    }

    def guard(channel: str, minute: int) -> int | None:
        if channel in refused:
            return None
        return minute + 1 if minute in refused_minutes else minute

    allowed = allowed_arms(channels, window, weekday, inconvenient, probe=guard)
    for (channel, hour), minute in allowed.minutes.items():
        assert minute // 60 == hour and legal(channel, minute, spec)
    rng = np.random.default_rng(seed)
    choice = choose(state, segment, allowed, rng)
    scores = timing_scores(state, segment, allowed, rng)
    if choice is None:
        assert scores == {}
        any_legal = any(legal(c, m, spec) for c in CHANNELS for m in range(1440))
        assert not any_legal or refused_minutes  # a refused minute may hide a legal one behind it
        return
    assert legal(choice.channel, choice.minute, spec)
    for name, value in scores.items():
        if name.startswith("best_time."):
            assert isinstance(value, int) and legal(name.removeprefix("best_time."), value, spec)
    assert legal(str(scores["best_channel"]), int(str(scores["best_time"])), spec)


@settings(max_examples=100, deadline=None)
@given(outcome_lists, st.integers(0, 2**32 - 1))
def test_the_same_state_and_seed_always_give_the_same_choice(outcomes: list[Outcome], seed: int) -> None:
    state = update(BanditState(), outcomes)
    allowed = allowed_arms(CHANNELS, (9 * 60, 19 * 60))
    first = choose(state, "working", allowed, np.random.default_rng(seed))
    again = choose(update(BanditState(), outcomes), "working", allowed, np.random.default_rng(seed))
    assert first == again and first is not None


MONDAY = dt.date(2026, 3, 16).toordinal()
SATURDAY = dt.date(2026, 3, 21).toordinal()
EVERYTHING = {"consent.sms": True, "consent.email": True, "consent.autodialed_calls": True, "patient.age": 40}


def test_account_timing_gives_the_engine_its_facts_inside_the_rules() -> None:
    lured = update(BanditState(), many("working", "sms", 12, 80, 0) + many("working", "call", 12, 80, 0))
    scores = account_timing(lured, EVERYTHING, "A-1", MONDAY, window=(9 * 60, 19 * 60), inconvenient=(WORKDAYS,))
    assert {name: value for name, value in scores.items() if name.startswith("best_time.")} and all(
        isinstance(v, int) and 17 * 60 <= v < 19 * 60 for k, v in scores.items() if k.startswith("best_time")
    )
    weekend = account_timing(lured, EVERYTHING, "A-1", SATURDAY, window=(9 * 60, 19 * 60), inconvenient=(WORKDAYS,))
    assert weekend["best_time"] == 12 * 60 and weekend["best_channel"] in ("sms", "call")


def test_account_timing_leaves_out_opted_out_and_refused_channels_and_replays() -> None:
    def no_calls(channel: str, minute: int) -> int | None:
        return None if channel == "call" else minute

    scores = account_timing(BanditState(), EVERYTHING, "A-2", MONDAY, seed=9, opted_out=("sms",), probe=no_calls)
    assert set(scores) == {"best_time.email", "best_channel", "best_time"} and scores["best_channel"] == "email"
    assert scores == account_timing(
        BanditState(), EVERYTHING, "A-2", MONDAY, seed=9, opted_out=("sms",), probe=no_calls
    )
    assert account_timing(BanditState(), {"patient.age": 40}, "A-3", MONDAY) == {}  # no consent, nothing to time
