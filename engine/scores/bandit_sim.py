"""Simulated outcomes for the timing bandit: a ground truth per segment × channel × hour, and a run.

The world (`plausible_world`) is our assumption, not a published figure, except for one anchor:
averaged over the convenient hours and the synthetic portfolio's ages, a call reaches the right
person 26% of the time (`RIGHT_PARTY_CONTACT_RATE`, published). Each segment's rate on a channel
is a level (its mean over 08:00-21:00) times an hourly shape with one or two peaks:

- young (18-34): texts answered at lunch and in the evening; calls rarely picked up, best after work;
- working (35-64): lunch and early evening for calls and texts; email read first thing or at night;
- retired (65+): calls answered most, mid-morning and early afternoon; few texts.

Accounts come from the synthetic portfolio (`engine.scores.synthetic`: their ages) with consents,
opt-outs and designated inconvenient times drawn beside them (assumed shares, stated below). Each
account is contacted every `cadence` days inside the step's window; a policy picks the arm among
those `allowed_arms` allows, and the reward is a draw from the world's rate. Every policy sees the
same accounts and the same uniform draw per contact (common random numbers), so the difference
between two policies is theirs, not the dice's. The bandit learns each night from the day's
outcomes, as it would from the ledger. Pure: everything comes from the seed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from engine.guard.case import InconvenientTime
from engine.scores.bandit import (
    CHANNELS,
    Allowed,
    Arm,
    BanditState,
    Outcome,
    allowed_arms,
    segment_of,
    update,
)
from engine.scores.synthetic import RIGHT_PARTY_CONTACT_RATE, generate

HOURS = np.arange(24)
CONVENIENT = slice(8, 21)
SIM_SEGMENTS = ("young", "working", "retired")
# (level over 08:00-21:00, peaks as (hour of the peak's centre, width in hours)) — our assumptions,
# except that the call levels average to the published right-party contact rate over the portfolio.
RESPONSE_MODEL: dict[str, dict[str, tuple[float, tuple[tuple[float, float], ...]]]] = {
    "young": {
        "call": (0.14, ((19.5, 1.5),)),
        "sms": (0.22, ((12.5, 1.0), (19.5, 1.5))),
        "email": (0.06, ((20.0, 1.5),)),
    },
    "working": {
        "call": (0.24, ((12.5, 1.0), (18.5, 1.2))),
        "sms": (0.16, ((12.5, 1.0), (18.0, 1.5))),
        "email": (0.09, ((8.5, 1.0), (20.0, 1.2))),
    },
    "retired": {
        "call": (0.36, ((10.5, 1.5), (14.5, 1.5))),
        "sms": (0.08, ((11.0, 2.0),)),
        "email": (0.07, ((9.5, 1.5),)),
    },
}
FLOOR = 0.35  # share of an hour's rate that does not depend on the peaks: people answer at any hour
# Assumed shares of the book: who gave consent, who opted out of texts, who named work hours inconvenient.
CONSENT_SHARES = {"sms": 0.70, "email": 0.60, "call": 0.50}
SMS_OPT_OUT_SHARE = 0.04
WORK_HOURS = InconvenientTime(frozenset(range(5)), 9 * 60, 17 * 60)  # Mon-Fri 09:00-17:00
WORK_HOURS_SHARE = {"young": 0.10, "working": 0.25, "retired": 0.02}


@dataclass(frozen=True)
class World:
    """The true reward rate of every (segment, channel, local hour): an array (channels × 24) per segment."""

    rates: Mapping[str, np.ndarray]

    def rate(self, segment: str, channel: str, hour: int) -> float:
        """The chance that a contact on `channel` at local `hour` is answered, for `segment`."""
        return float(self.rates[segment][CHANNELS.index(channel), hour])

    def best(self, segment: str, allowed: Allowed) -> Arm | None:
        """The allowed arm with the highest true rate (what an oracle would pick)."""
        arms = allowed.arms()
        return max(arms, key=lambda arm: self.rate(segment, *arm)) if arms else None


def hourly_shape(peaks: Iterable[tuple[float, float]]) -> np.ndarray:
    """A 24-hour shape: a floor plus Gaussian peaks at the hours' midpoints, averaging 1 over 08:00-21:00."""
    middle = HOURS + 0.5
    shape = FLOOR + sum((np.exp(-((middle - c) ** 2) / (2 * w**2)) for c, w in peaks), np.zeros(24))
    return shape / shape[CONVENIENT].mean()


def plausible_world() -> World:
    """The documented world above: each segment's level times its hourly shape, capped at 0.9."""
    rates = {}
    for segment, channels in RESPONSE_MODEL.items():
        rows = [level * hourly_shape(peaks) for level, peaks in (channels[c] for c in CHANNELS)]
        rates[segment] = np.clip(np.vstack(rows), 0.0, 0.9)
    return World(rates)


def flat_world() -> World:
    """The same levels with no hourly shape: only the channel matters (a sensitivity check on our shapes)."""
    rates = {}
    for segment, channels in RESPONSE_MODEL.items():
        rates[segment] = np.vstack([np.full(24, channels[c][0]) for c in CHANNELS])
    return World(rates)


def easy_world(best: tuple[str, str, int], high: float = 0.6, low: float = 0.1) -> World:
    """A world where one arm of one segment pays `high` and every other arm `low`: for convergence tests."""
    rates = {segment: np.full((len(CHANNELS), 24), low) for segment in SIM_SEGMENTS}
    segment, channel, hour = best
    rates[segment][CHANNELS.index(channel), hour] = high
    return World(rates)


@dataclass(frozen=True)
class SimAccount:
    """One simulated patient: segment, channels with consent and no opt-out, designated inconvenient times."""

    segment: str
    channels: tuple[str, ...]
    inconvenient: tuple[InconvenientTime, ...] = ()


def simulated_accounts(size: int, seed: int) -> tuple[SimAccount, ...]:
    """Accounts whose ages come from the synthetic portfolio, with consents and designations drawn beside them."""
    ages = generate(size, seed=seed).features["patient_age"]
    rng = np.random.default_rng([seed, 5])
    consent = {channel: rng.random(size) < share for channel, share in CONSENT_SHARES.items()}
    opted_out = rng.random(size) < SMS_OPT_OUT_SHARE
    work = rng.random(size)
    accounts = []
    for i, age in enumerate(ages):
        segment = segment_of({"patient.age": float(age)})
        channels = tuple(c for c in CHANNELS if consent[c][i] and not (c == "sms" and opted_out[i]))
        designated = (WORK_HOURS,) if work[i] < WORK_HOURS_SHARE[segment] else ()
        accounts.append(SimAccount(segment, channels, designated))
    return tuple(accounts)


@dataclass(frozen=True)
class Settings:
    """One simulation: how many accounts and days, the contact cadence, the step's window, the seed."""

    accounts: int = 2_000
    days: int = 60
    cadence: int = 3
    window: tuple[int, int] = (9 * 60, 19 * 60)
    seed: int = 1


@dataclass(frozen=True)
class RunResult:
    """What a policy earned: contacts made, rewards won, and how often it picked the best allowed arm."""

    policy: str
    contacts: int
    rewards: int
    expected: float  # the sum of the true rates of the arms chosen: the reward without the dice
    best_arm_share: float
    rewards_by_day: tuple[int, ...] = field(default=(), compare=False)
    contacts_by_day: tuple[int, ...] = field(default=(), compare=False)
    state: BanditState | None = field(default=None, compare=False)  # the posterior at the end

    @property
    def rate(self) -> float:
        """Rewards per contact."""
        return self.rewards / self.contacts if self.contacts else 0.0


# A policy picks an arm for each of `count` contacts of one segment with one allowed set.
Policy = Callable[[BanditState, str, Allowed, int, np.random.Generator], list[Arm]]


def thompson_many(
    state: BanditState, segment: str, allowed: Allowed, count: int, rng: np.random.Generator
) -> list[Arm]:
    """`count` independent Thompson draws, as `bandit.choose` makes one: the argmax of one Beta draw per arm."""
    arms = allowed.arms()
    alpha, beta = state.arrays(segment, arms)
    draws = rng.beta(alpha, beta, size=(count, len(arms)))
    return [arms[i] for i in np.argmax(draws, axis=1)]


def greedy_many(state: BanditState, segment: str, allowed: Allowed, count: int, rng: np.random.Generator) -> list[Arm]:
    """The arm with the best posterior mean every time: the Beta table's way, learning but never exploring."""
    arms = allowed.arms()
    best = max(arms, key=lambda arm: (state.mean(segment, *arm), -arm[1]))
    return [best] * count


def fixed_schedule(channel: str = "sms", hour: int = 10) -> Policy:
    """Always `channel` at `hour` when allowed; otherwise the allowed hour nearest it, on the first channel
    in (`channel`, call, sms, email) order that has one."""
    order = (channel, *(c for c in CHANNELS if c != channel))

    def pick(state: BanditState, segment: str, allowed: Allowed, count: int, rng: np.random.Generator) -> list[Arm]:
        arms = allowed.arms()
        for wanted in order:
            hours = [h for c, h in arms if c == wanted]
            if hours:
                return [(wanted, min(hours, key=lambda h: (abs(h - hour), h)))] * count
        return []

    return pick


def run(world: World, policy_name: str, policy: Policy, settings: Settings, learn: bool = True) -> RunResult:
    """One policy over `settings.days` days on the accounts and draws fixed by `settings.seed`."""
    accounts = simulated_accounts(settings.accounts, settings.seed)
    dice = np.random.default_rng([settings.seed, 11])  # the same draws for every policy (common random numbers)
    uniforms = dice.random((settings.days, len(accounts)))
    choices = np.random.default_rng([settings.seed, 13])  # the policy's own randomness
    state = BanditState()
    allowed_cache: dict[tuple[tuple[str, ...], bool, int], Allowed] = {}
    contacts = rewards = best_hits = 0
    expected = 0.0
    by_day: list[int] = []
    made_by_day: list[int] = []
    for day in range(settings.days):
        weekday = day % 7
        groups: dict[tuple[str, tuple[str, ...], bool], list[int]] = {}
        for index in range(day % settings.cadence, len(accounts), settings.cadence):
            account = accounts[index]
            groups.setdefault((account.segment, account.channels, bool(account.inconvenient)), []).append(index)
        learned: list[Outcome] = []
        won_today = made_today = 0
        for (segment, channels, designated), members in groups.items():
            key = (channels, designated, weekday)
            if key not in allowed_cache:
                allowed_cache[key] = allowed_arms(
                    channels, settings.window, weekday, (WORK_HOURS,) if designated else ()
                )
            allowed = allowed_cache[key]
            if not allowed.minutes:
                continue
            best = world.best(segment, allowed)
            for index, arm in zip(members, policy(state, segment, allowed, len(members), choices), strict=True):
                rate = world.rate(segment, *arm)
                won = bool(uniforms[day, index] < rate)
                contacts, rewards, expected = contacts + 1, rewards + won, expected + rate
                best_hits += arm == best
                won_today += won
                made_today += 1
                learned.append(Outcome(segment, arm[0], arm[1], won))
        by_day.append(won_today)
        made_by_day.append(made_today)
        if learn:
            state = update(state, learned)  # the nightly run over the day's ledger
    share = best_hits / contacts if contacts else 0.0
    return RunResult(policy_name, contacts, rewards, expected, share, tuple(by_day), tuple(made_by_day), state)


def oracle(world: World) -> Policy:
    """The best allowed arm under the true rates: the ceiling no learner can pass."""

    def pick(state: BanditState, segment: str, allowed: Allowed, count: int, rng: np.random.Generator) -> list[Arm]:
        best = world.best(segment, allowed)
        return [best] * count if best else []

    return pick


def best_fixed_arm(world: World, window: tuple[int, int] = Settings.window) -> Arm:
    """The one (channel, hour) in the window with the best true rate over the portfolio's age mix:
    the best fixed schedule someone who knew the world could write."""
    ages = range(18, 91)  # the synthetic portfolio draws ages uniformly from 18 to 90
    shares = {s: sum(segment_of({"patient.age": a}) == s for a in ages) / len(ages) for s in SIM_SEGMENTS}
    hours = range(window[0] // 60, -(-window[1] // 60))
    arms = [(c, h) for c in CHANNELS for h in hours]
    return max(arms, key=lambda arm: sum(share * world.rate(s, *arm) for s, share in shares.items()))


POLICIES: dict[str, Callable[[World], Policy]] = {
    "fixed": lambda world: fixed_schedule("sms", 10),
    "bestfixed": lambda world: fixed_schedule(*best_fixed_arm(world)),
    "greedy": lambda world: greedy_many,
    "thompson": lambda world: thompson_many,
    "oracle": oracle,
}


def portfolio_call_rate(world: World, accounts: Iterable[SimAccount]) -> float:
    """The world's call rate averaged over 08:00-21:00 and the accounts' segments (the published anchor)."""
    rates = [world.rates[a.segment][CHANNELS.index("call"), CONVENIENT].mean() for a in accounts]
    return float(np.mean(rates))


ANCHOR = RIGHT_PARTY_CONTACT_RATE


@dataclass(frozen=True)
class Lift:
    """A policy's lift over a baseline in reward rate: relative and in points, with bootstrap intervals."""

    relative: float
    relative_low: float
    relative_high: float
    points: float
    points_low: float
    points_high: float
    per_seed: tuple[tuple[float, float], ...]  # (baseline rate, policy rate) per seed


def lift(pairs: Iterable[tuple[float, float]], rng: np.random.Generator, resamples: int = 10_000) -> Lift:
    """Mean lift over seeds with a 95% percentile bootstrap interval (seeds resampled, pairs kept together).

    The relative lift is the ratio of mean rates minus one (not the mean of ratios, which small
    baselines would inflate).
    """
    per_seed = tuple(pairs)
    base = np.array([b for b, _ in per_seed])
    new = np.array([n for _, n in per_seed])
    picks = rng.integers(0, len(per_seed), size=(resamples, len(per_seed)))
    relative = new[picks].mean(axis=1) / base[picks].mean(axis=1) - 1
    points = (new[picks] - base[picks]).mean(axis=1)
    return Lift(
        float(new.mean() / base.mean() - 1),
        float(np.quantile(relative, 0.025)),
        float(np.quantile(relative, 0.975)),
        float((new - base).mean()),
        float(np.quantile(points, 0.025)),
        float(np.quantile(points, 0.975)),
        per_seed,
    )
