"""Best time and channel by Thompson sampling over channel × local hour, per segment, inside the law.

What it learns: for each segment of patients (an age band, `segment_of`), each channel the engine
times (`call`, `sms`, `email`) and each local hour, the chance that a contact there earns a reward
(`engine.scores.bandit_ledger` reads it from the ledger: the patient replies, talks to us or pays
within 72 hours). Each arm's belief is a Beta posterior; choosing draws one sample per eligible
arm and takes the highest, so arms we know little about are still tried now and then, in
proportion to the chance that they are the best (Thompson sampling).

Optimisation never trades compliance: `choose` only ever looks at the arms in an `Allowed` value,
and `allowed_arms` builds that from the policies (the step's window, the patient's local
08:00-21:00, the times the patient called inconvenient, the channels with consent and without an
opt-out) and, when the engine has one, from the guard itself (`probe`: the runtime guard's answer
at the arm's minute, moved within the hour to its `next_allowed_at`). An arm outside `Allowed`
is never chosen, whatever its posterior; the guard still judges the contact when it is made.

Priors: every arm starts from its channel's prior in `engine.scores.timing` (the call prior is the
published right-party contact rate), worth `PRIOR_STRENGTH` contacts, plus what the other segments
saw at the same channel and hour, worth at most `POOL_CAP` contacts, so a new segment starts
from the portfolio's experience and its own data soon outweighs it.

Pure: the posterior is an immutable value; `update` returns a new one; randomness comes in as a
`numpy.random.Generator` (`account_rng` gives a replayable one per account and day).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

import numpy as np

from engine.account import ScoreSource
from engine.guard.case import InconvenientTime

# Re-exported too: callers name the allowed-arms API (`CONTACT_SPAN`, `allowed_arms`, ...) from the bandit.
from engine.scores.bandit_allowed import CHANNELS, CONTACT_SPAN, Allowed, Arm, Probe, allowed_arms  # noqa: F401
from engine.scores.timing import CONSENT_FACT, DEFAULT_PRIORS, Prior

BANDIT_ID = "timing-thompson"
BANDIT_VERSION = "1.0.0"
BANDIT_SOURCE = ScoreSource(BANDIT_ID, BANDIT_VERSION)
PRIOR_STRENGTH = 4.0  # pseudo-contacts behind a channel's prior on each arm: a handful of outcomes beat it
POOL_CAP = 20.0  # the most pseudo-contacts the other segments' evidence may lend an arm
# Age bands: when people can answer differs most with work and retirement (our assumption).
SEGMENTS = ("young", "working", "retired", "unknown")
# Distinct (segment, allowed arms) pairs remembered per state. The service alone asks for up to
# 4 segments x 7 consent sets x 13 starting hours (364); a smaller memo would be cleared over and over.
ARRAY_MEMO_SIZE = 1024


@dataclass(frozen=True)
class Outcome:
    """One contact the bandit learns from: who (segment), where (channel, local hour), and its reward."""

    segment: str
    channel: str
    hour: int
    reward: bool


@dataclass(frozen=True)
class Tally:
    """Rewarded and unrewarded contacts on one arm of one segment."""

    successes: int = 0
    failures: int = 0


@dataclass(frozen=True)
class BanditState:
    """The posterior: channel priors and outcome tallies per (segment, channel, hour); never mutated."""

    priors: Mapping[str, Prior] = field(default_factory=lambda: dict(DEFAULT_PRIORS))
    tallies: Mapping[tuple[str, str, int], Tally] = field(default_factory=dict)
    prior_strength: float = PRIOR_STRENGTH
    pool_cap: float = POOL_CAP

    def __post_init__(self) -> None:
        # INVARIANT: a state is a value; read-only views stop anyone editing one in place.
        object.__setattr__(self, "priors", MappingProxyType(dict(self.priors)))
        object.__setattr__(self, "tallies", MappingProxyType(dict(self.tallies)))

    def parameters(self, segment: str, channel: str, hour: int) -> tuple[float, float]:
        """The Beta(alpha, beta) posterior of one arm for one segment."""
        key = (segment, channel, hour)
        found = self.posteriors.get(key)
        return found if found is not None else self.computed(segment, channel, hour)

    @cached_property
    def posteriors(self) -> dict[tuple[str, str, int], tuple[float, float]]:
        """Every arm's posterior for every segment, computed once: a state never changes, choices are many."""
        return {
            (segment, channel, hour): self.computed(segment, channel, hour)
            for segment in SEGMENTS
            for channel in self.priors
            for hour in range(24)
        }

    def computed(self, segment: str, channel: str, hour: int) -> tuple[float, float]:
        """One arm's posterior: the channel's prior, what other segments lend, and the segment's own counts."""
        prior = self.priors[channel]
        mean = prior.alpha / (prior.alpha + prior.beta)
        alpha, beta = mean * self.prior_strength, (1 - mean) * self.prior_strength
        pooled_s, pooled_f = 0, 0
        for other in SEGMENTS:
            if other != segment:
                seen = self.tallies.get((other, channel, hour))
                if seen is not None:
                    pooled_s, pooled_f = pooled_s + seen.successes, pooled_f + seen.failures
        pooled = pooled_s + pooled_f
        if pooled:
            weight = min(1.0, self.pool_cap / pooled)  # others lend their rate, not their certainty
            alpha, beta = alpha + weight * pooled_s, beta + weight * pooled_f
        own = self.tallies.get((segment, channel, hour), Tally())
        return alpha + own.successes, beta + own.failures

    def arrays(self, segment: str, arms: tuple[Arm, ...]) -> tuple[np.ndarray, np.ndarray]:
        """The alphas and betas of `arms` for `segment`, as arrays (remembered: allowed sets repeat)."""
        key = (segment, arms)
        if key not in self.array_memo:
            if len(self.array_memo) >= ARRAY_MEMO_SIZE:
                self.array_memo.clear()
            pairs = np.array([self.parameters(segment, channel, hour) for channel, hour in arms], dtype=float)
            self.array_memo[key] = (pairs[:, 0], pairs[:, 1])
        return self.array_memo[key]

    @cached_property
    def array_memo(self) -> dict[tuple[str, tuple[Arm, ...]], tuple[np.ndarray, np.ndarray]]:
        """A memo of `arrays`: derived from the state, never part of its value."""
        return {}

    def table(self, segment: str, arms: tuple[Arm, ...]) -> ArmTable:
        """Everything a draw over `arms` needs that does not change between draws (remembered, like `arrays`)."""
        key = (segment, arms)
        found = self.table_memo.get(key)
        if found is None:
            if len(self.table_memo) >= ARRAY_MEMO_SIZE:
                self.table_memo.clear()
            found = self.table_memo[key] = arm_table(*self.arrays(segment, arms), arms)
        return found

    @cached_property
    def table_memo(self) -> dict[tuple[str, tuple[Arm, ...]], ArmTable]:
        """A memo of `table`: derived from the state, never part of its value."""
        return {}

    def mean(self, segment: str, channel: str, hour: int) -> float:
        """The posterior mean reward rate of one arm."""
        alpha, beta = self.parameters(segment, channel, hour)
        return alpha / (alpha + beta)

    def contacts(self) -> int:
        """How many outcomes the state has learned from."""
        return sum(t.successes + t.failures for t in self.tallies.values())


@dataclass(frozen=True)
class ArmTable:
    """One segment's posterior over a fixed tuple of arms, ready to draw from.

    `means` are `alpha / (alpha + beta)` as Python floats (the values numpy's division gives) and
    `runs` each channel's [start, end) slice of the sorted arms.
    """

    alpha: np.ndarray
    beta: np.ndarray
    means: tuple[float, ...]
    runs: tuple[tuple[str, int, int], ...]


def arm_table(alpha: np.ndarray, beta: np.ndarray, arms: tuple[Arm, ...]) -> ArmTable:
    """The `ArmTable` of sorted `arms` with these posteriors."""
    runs: list[tuple[str, int, int]] = []
    for index, (channel, _) in enumerate(arms):
        if runs and runs[-1][0] == channel:
            runs[-1] = (channel, runs[-1][1], index + 1)
        else:
            runs.append((channel, index, index + 1))
    return ArmTable(alpha, beta, tuple((alpha / (alpha + beta)).tolist()), tuple(runs))


def update(state: BanditState, outcomes: Iterable[Outcome]) -> BanditState:
    """The posterior after `outcomes`; outcomes on channels without a prior or impossible hours are ignored."""
    tallies = dict(state.tallies)
    for outcome in outcomes:
        if outcome.channel not in state.priors or not 0 <= outcome.hour < 24:
            continue
        key = (segment_name(outcome.segment), outcome.channel, outcome.hour)
        seen = tallies.get(key, Tally())
        tallies[key] = (
            Tally(seen.successes + 1, seen.failures) if outcome.reward else Tally(seen.successes, seen.failures + 1)
        )
    return BanditState(state.priors, tallies, state.prior_strength, state.pool_cap)


def segment_name(segment: str) -> str:
    """A known segment name; anything else learns and chooses as `unknown`."""
    return segment if segment in SEGMENTS else "unknown"


def segment_of(facts: Mapping[str, object]) -> str:
    """The patient's segment from `patient.age`: young (<35), working (35-64), retired (65+), else unknown."""
    age = facts.get("patient.age")
    if isinstance(age, bool) or not isinstance(age, int | float) or not 0 < age < 130:
        return "unknown"
    return "young" if age < 35 else "working" if age < 65 else "retired"


def eligible_channels(facts: Mapping[str, object], opted_out: Iterable[str] = ()) -> tuple[str, ...]:
    """The bandit's channels with a real yes for consent and no opt-out on record."""
    stopped = set(opted_out)
    return tuple(c for c, fact in CONSENT_FACT.items() if facts.get(fact) is True and c not in stopped)


@dataclass(frozen=True)
class Choice:
    """The arm chosen, the minute to use, the sample that won and the arm's posterior mean."""

    channel: str
    hour: int
    minute: int
    sample: float
    mean: float


def choose(state: BanditState, segment: str, allowed: Allowed, rng: np.random.Generator | None) -> Choice | None:
    """One Thompson draw over the allowed arms (posterior means when `rng` is None); None when none is allowed."""
    chosen = best_by_channel(state, segment, allowed, rng)
    if not chosen:
        return None
    return max(chosen.values(), key=lambda c: (c.sample, -CHANNELS.index(c.channel)))


def best_by_channel(
    state: BanditState, segment: str, allowed: Allowed, rng: np.random.Generator | None
) -> dict[str, Choice]:
    """Per channel, the allowed arm with the highest draw, all from one draw per arm.

    One draw serves every channel, so the best channel's choice is its own channel's choice too.
    Ties go to the earlier hour. Without `rng` the draw is the posterior mean (no exploration).
    """
    segment = segment_name(segment)
    arms = allowed.arms()
    if not allowed.channels <= state.priors.keys():  # a channel without a prior has no posterior to draw
        arms = tuple(arm for arm in arms if arm[0] in state.priors)
    if not arms:
        return {}
    table = state.table(segment, arms)
    draws = table.means if rng is None else rng.beta(table.alpha, table.beta).tolist()
    minutes = allowed.minutes
    best: dict[str, Choice] = {}
    for channel, start, end in table.runs:  # arms are sorted, so each channel's arms are one run
        top = max(range(start, end), key=draws.__getitem__)  # max keeps the first of equals: the earlier hour
        arm = arms[top]
        best[channel] = Choice(channel, arm[1], minutes[arm], draws[top], table.means[top])
    return best


def timing_scores(
    state: BanditState, segment: str, allowed: Allowed, rng: np.random.Generator | None
) -> dict[str, object]:
    """The engine's timing facts: `best_time.<channel>` (local minute) per allowed channel, `best_channel`
    and `best_time` (the minute on the best channel); empty when nothing is allowed.

    Every minute is one `allowed` holds, so decide's clamp into the step's window leaves it alone
    when `allowed` was built with that window.
    """
    per_channel = best_by_channel(state, segment, allowed, rng)
    if not per_channel:
        return {}
    scores: dict[str, object] = {f"best_time.{c}": choice.minute for c, choice in per_channel.items()}
    best = max(per_channel.values(), key=lambda c: (c.sample, -CHANNELS.index(c.channel)))
    scores["best_channel"] = best.channel
    scores["best_time"] = best.minute
    return scores


def account_rng(seed: int, account_id: str, day: int) -> np.random.Generator:
    """A generator fixed by (seed, account, day): re-deciding the same account the same day replays the draw."""
    digest = hashlib.sha256(f"{seed}|{account_id}|{day}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big"))


def account_timing(
    state: BanditState,
    facts: Mapping[str, object],
    account_id: str,
    day: int,
    seed: int = 0,
    window: tuple[int, int] | None = None,
    inconvenient: Iterable[InconvenientTime] = (),
    opted_out: Iterable[str] = (),
    probe: Probe | None = None,
    not_before: int = 0,
) -> dict[str, object]:
    """One account's `best_time.<channel>`, `best_channel` and `best_time` for local date `day` (an ordinal).

    The one call the scoring stage makes per account: its segment from the facts, its channels
    from consent and opt-outs, the arms the window, designations and guard allow on that weekday,
    and a Thompson draw that replays for the same (seed, account, day). `not_before` (a local
    minute, e.g. now's) drops the arms already past, which decide would only move to now.
    """
    start, end = window or (0, 24 * 60)
    allowed = allowed_arms(
        eligible_channels(facts, opted_out), (max(start, not_before), end), (day - 1) % 7, inconvenient, probe=probe
    )  # ordinal 1 (0001-01-01) was a Monday
    return timing_scores(state, segment_of(facts), allowed, account_rng(seed, account_id, day))
