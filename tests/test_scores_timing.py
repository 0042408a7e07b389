"""Best time and channel: a smoothed channel × hour table that learns from outcomes and respects consent."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.scores.timing import (
    ALLOWED_HOURS,
    CONSENT_FACT,
    DEFAULT_PRIORS,
    Prior,
    TimingTable,
    best_channel,
    best_hour,
    best_times,
    consented_channels,
    learn,
)

FLAT = {"call": Prior(1, 1), "sms": Prior(1, 1), "email": Prior(1, 1)}


def outcomes(channel: str, hour: int, attempts: int, successes: int) -> list[tuple[str, int, bool]]:
    """`attempts` contacts at `hour`, the first `successes` of them successful."""
    return [(channel, hour, i < successes) for i in range(attempts)]


def test_the_posterior_mean_adds_counts_to_the_prior() -> None:
    table = learn(outcomes("sms", 10, 8, 6), {"sms": Prior(2, 4)})
    assert table.rate("sms", 10) == pytest.approx((2 + 6) / (2 + 4 + 8))
    assert table.rate("sms", 11) == pytest.approx(2 / 6)  # no data: the prior's mean


def test_a_prior_for_one_hour_stands_in_for_the_channels() -> None:
    table = learn([], hour_priors={("call", 18): Prior(6, 4)})
    assert table.rate("call", 18) == pytest.approx(0.6) and table.rate("call", 17) == pytest.approx(0.26)
    assert best_hour(table, "call") == (18, pytest.approx(0.6))


def test_the_call_prior_is_the_published_right_party_contact_rate() -> None:
    assert TimingTable().rate("call", 9) == pytest.approx(0.26)


BEST_HOURS = [
    # (outcomes, channel, allowed hours, expected hour)
    ([], "call", ALLOWED_HOURS, 8),  # no data: every hour ties, the earliest allowed wins
    (outcomes("call", 18, 20, 12), "call", ALLOWED_HOURS, 18),
    (outcomes("call", 18, 20, 12) + outcomes("call", 10, 20, 15), "call", ALLOWED_HOURS, 10),
    (outcomes("call", 18, 20, 12), "call", range(9, 17), 9),  # the learned hour is outside the window
    (outcomes("call", 22, 50, 50), "call", ALLOWED_HOURS, 8),  # 22:00 is never offered
    (outcomes("call", 14, 40, 0), "call", (14, 15), 15),  # a bad hour loses to an unknown one
    (outcomes("sms", 12, 30, 20), "call", ALLOWED_HOURS, 8),  # another channel's data does not leak
]


@pytest.mark.parametrize(("seen", "channel", "hours", "expected"), BEST_HOURS)
def test_best_hour(seen: list[tuple[str, int, bool]], channel: str, hours: range, expected: int) -> None:
    found = best_hour(learn(seen), channel, hours)
    assert found is not None and found[0] == expected


def test_no_hour_when_nothing_is_allowed_or_the_channel_is_unknown() -> None:
    assert best_hour(TimingTable(), "call", ()) is None
    assert best_hour(TimingTable(), "letter") is None


def test_best_times_are_minutes_since_midnight_per_channel() -> None:
    table = learn(outcomes("sms", 17, 30, 25) + outcomes("email", 9, 30, 25))
    assert best_times(table) == {"call": 8 * 60, "sms": 17 * 60, "email": 9 * 60}


CHANNELS = [
    # (outcomes, consented, expected)
    ([], ["call", "sms", "email"], ("call", 480)),  # priors alone: calls reach people most often
    (outcomes("sms", 12, 40, 30), ["call", "sms", "email"], ("sms", 720)),
    (outcomes("sms", 12, 40, 30), ["call", "email"], ("call", 480)),  # the learned best is not consented
    (outcomes("email", 19, 40, 30), ["email"], ("email", 1140)),
    ([], [], None),
    ([], ["letter", "chat"], None),  # the stand-in leaves these channels to the strategy
]


@pytest.mark.parametrize(("seen", "consented", "expected"), CHANNELS)
def test_best_channel(seen: list[tuple[str, int, bool]], consented: list[str], expected: object) -> None:
    assert best_channel(learn(seen), consented) == expected


def test_ties_between_channels_go_to_the_first_listed() -> None:
    assert best_channel(TimingTable(FLAT), ["email", "sms", "call"]) == ("sms", 480)


FACTS = [
    ({}, ()),
    ({"consent.sms": True, "consent.email": False}, ("sms",)),
    ({"consent.autodialed_calls": True, "consent.email": True}, ("email", "call")),
    ({"consent.sms": "yes"}, ()),  # only a real yes counts as consent
]


@pytest.mark.parametrize(("facts", "expected"), FACTS)
def test_consented_channels_come_from_the_consent_facts(facts: dict[str, object], expected: tuple[str, ...]) -> None:
    assert consented_channels(facts) == expected


def test_learning_skips_channels_without_a_prior_and_impossible_hours() -> None:
    table = learn([("fax", 10, True), ("sms", 24, True), ("sms", -1, True)])
    assert table.counts == {}


cells = st.tuples(st.sampled_from(["call", "sms", "email"]), st.integers(0, 23), st.booleans())


@given(st.lists(cells, max_size=200), st.sets(st.sampled_from([*sorted(CONSENT_FACT), "letter"])))
def test_the_choice_is_always_consented_allowed_and_the_best_on_offer(
    seen: list[tuple[str, int, bool]], consented: set[str]
) -> None:
    table = learn(seen)
    chosen = best_channel(table, consented)
    offered = consented & set(DEFAULT_PRIORS)
    if not offered:
        assert chosen is None
        return
    assert chosen is not None
    channel, minute = chosen
    assert channel in offered and minute // 60 in ALLOWED_HOURS and minute % 60 == 0
    best = max(table.rate(c, h) for c in offered for h in ALLOWED_HOURS)
    assert table.rate(channel, minute // 60) == pytest.approx(best)


@given(st.lists(cells, max_size=200))
def test_rates_stay_between_zero_and_one(seen: list[tuple[str, int, bool]]) -> None:
    table = learn(seen)
    for channel in DEFAULT_PRIORS:
        for hour in range(24):
            assert 0 < table.rate(channel, hour) < 1
