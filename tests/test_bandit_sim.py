"""The bandit in simulated worlds: it finds the best arm, beats a fixed schedule, and never leaves the rules."""

from __future__ import annotations

import numpy as np
import pytest

from engine.guard.case import InconvenientTime
from engine.scores.bandit import Allowed, Arm, BanditState, Outcome, allowed_arms, choose, update
from engine.scores.bandit_sim import (
    ANCHOR,
    CONVENIENT,
    POLICIES,
    RESPONSE_MODEL,
    Settings,
    World,
    easy_world,
    fixed_schedule,
    hourly_shape,
    lift,
    plausible_world,
    portfolio_call_rate,
    run,
    simulated_accounts,
    thompson_many,
)

SMALL = Settings(accounts=600, days=30, seed=3)


def test_the_world_is_anchored_on_the_published_call_contact_rate() -> None:
    assert portfolio_call_rate(plausible_world(), simulated_accounts(5_000, 1)) == pytest.approx(ANCHOR, abs=0.01)


@pytest.mark.parametrize("peaks", [((12.5, 1.0),), ((8.5, 1.0), (20.0, 1.2)), ()])
def test_an_hourly_shape_averages_one_over_the_convenient_hours(peaks: tuple[tuple[float, float], ...]) -> None:
    assert hourly_shape(peaks)[CONVENIENT].mean() == pytest.approx(1.0)


def test_every_rate_is_a_probability_and_each_segment_has_its_own_best_arm() -> None:
    world = plausible_world()
    best = {}
    for segment in RESPONSE_MODEL:
        assert ((world.rates[segment] >= 0) & (world.rates[segment] <= 0.9)).all()
        best[segment] = np.unravel_index(np.argmax(world.rates[segment][:, CONVENIENT]), (3, 13))
    assert len(set(best.values())) == len(best)  # one arm for all would need no segments


def learn_to_choose(world: World, segment: str, allowed: Allowed, rounds: int, per_round: int, seed: int) -> list[Arm]:
    """Run the bandit alone: each round `per_round` choices, their rewards drawn from `world`, then an update."""
    rng = np.random.default_rng(seed)
    state = BanditState()
    last: list[Arm] = []
    for _ in range(rounds):
        last = []
        outcomes = []
        for _ in range(per_round):
            choice = choose(state, segment, allowed, rng)
            assert choice is not None
            arm = (choice.channel, choice.hour)
            last.append(arm)
            outcomes.append(Outcome(segment, *arm, bool(rng.random() < world.rate(segment, *arm))))
        state = update(state, outcomes)
    return last


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_bandit_converges_to_the_best_arm_in_an_easy_world(seed: int) -> None:
    world = easy_world(("working", "call", 18), high=0.5, low=0.15)
    allowed = allowed_arms(("call", "sms", "email"), (9 * 60, 19 * 60))  # 30 arms
    last = learn_to_choose(world, "working", allowed, rounds=40, per_round=50, seed=seed)
    assert last.count(("call", 18)) / len(last) > 0.85


def test_the_bandit_does_not_converge_to_an_arm_it_may_not_use() -> None:
    world = easy_world(("working", "call", 20), high=0.9, low=0.15)  # the best arm is outside the window
    allowed = allowed_arms(("call", "sms"), (9 * 60, 19 * 60))
    last = learn_to_choose(world, "working", allowed, rounds=10, per_round=30, seed=4)
    assert ("call", 20) not in last and all(arm in allowed.minutes for arm in last)


def test_a_run_is_the_same_for_the_same_seed() -> None:
    world = plausible_world()
    assert run(world, "thompson", thompson_many, SMALL) == run(world, "thompson", thompson_many, SMALL)


def test_every_policy_meets_the_same_accounts_and_every_choice_is_allowed() -> None:
    world = plausible_world()
    seen: list[tuple[Arm, Allowed]] = []

    def recording(
        state: BanditState, segment: str, allowed: Allowed, count: int, rng: np.random.Generator
    ) -> list[Arm]:
        picks = thompson_many(state, segment, allowed, count, rng)
        seen.extend((arm, allowed) for arm in picks)
        return picks

    results = [run(world, "thompson", recording, SMALL), run(world, "fixed", fixed_schedule(), SMALL)]
    assert results[0].contacts == results[1].contacts > 0
    assert all(arm in allowed.minutes and 9 <= arm[1] < 19 for arm, allowed in seen)


def test_on_the_plausible_world_thompson_beats_the_fixed_schedule_and_stays_below_the_oracle() -> None:
    world = plausible_world()
    results = {name: run(world, name, make(world), SMALL) for name, make in POLICIES.items()}
    expected = {name: r.expected / r.contacts for name, r in results.items()}
    assert expected["fixed"] < expected["thompson"] <= expected["oracle"]
    assert results["oracle"].best_arm_share == 1.0


FIXED = [
    # (channels, inconvenient, expected arm)
    (("sms", "call"), (), ("sms", 10)),
    (("sms", "call"), (InconvenientTime(frozenset(), 600, 660),), ("sms", 9)),  # 10:00 is out: the nearest hour
    (("email",), (), ("email", 10)),  # no texts: the same hour on another channel
]


@pytest.mark.parametrize(("channels", "inconvenient", "expected"), FIXED)
def test_the_fixed_schedule_sends_sms_at_ten_when_it_may(
    channels: tuple[str, ...], inconvenient: tuple[InconvenientTime, ...], expected: Arm
) -> None:
    allowed = allowed_arms(channels, None, 0, inconvenient)
    assert fixed_schedule("sms", 10)(BanditState(), "young", allowed, 2, np.random.default_rng(0)) == [expected] * 2


LIFTS = [
    # (pairs of (baseline rate, policy rate), relative lift, points)
    ([(0.1, 0.2)] * 5, 1.0, 0.1),
    ([(0.2, 0.2), (0.2, 0.2)], 0.0, 0.0),
    ([(0.1, 0.15), (0.3, 0.35)], 0.25, 0.05),  # ratio of means, not mean of ratios
]


@pytest.mark.parametrize(("pairs", "relative", "points"), LIFTS)
def test_lift(pairs: list[tuple[float, float]], relative: float, points: float) -> None:
    found = lift(pairs, np.random.default_rng(0), resamples=500)
    assert found.relative == pytest.approx(relative) and found.points == pytest.approx(points)
    assert found.relative_low <= found.relative + 1e-12 and found.relative <= found.relative_high + 1e-12
