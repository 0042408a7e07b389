"""Best time and best channel: an honest first stand-in, learned from contact outcomes.

For every channel × hour the table keeps a Beta prior on the chance that a contact at that hour
succeeds (the patient is reached, replies or pays — whatever outcome the caller counts), and adds
the observed counts to it. The best time on a channel is the hour with the highest posterior mean;
the best channel is the one whose best hour has the highest expected rate, among the channels the
patient consented to. With no data every hour ties and the earliest allowed hour wins, so the
step's own window decides.

This is a greedy point estimate: it never explores, and it knows no segments. The Thompson-
sampling bandit beside it (`engine.scores.bandit`: channel × hour per segment, choosing only among
the arms the policies and the guard allow, `account_timing` for one account's facts) is what the
engine should use; this table stays as the greedy baseline the bandit is measured against
(`benchmarks/bench_bandit.py`), and its `Prior`s and `DEFAULT_PRIORS` are the bandit's priors.
Either way the engine still clamps `best_time` into the step's window and asks the guard, so a bad
estimate can only cost reach, never compliance. Pure functions: outcome counts come in as arguments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from engine.scores.synthetic import RIGHT_PARTY_CONTACT_RATE

# Regulation F's convenient hours (8:00-21:00): an hour is allowed when it starts at 8 and ends by 21.
ALLOWED_HOURS = tuple(range(8, 21))
PRIOR_STRENGTH = 10.0  # pseudo-contacts behind each prior: a few real outcomes outweigh it


@dataclass(frozen=True)
class Prior:
    """A Beta(alpha, beta) prior on a contact's chance of success."""

    alpha: float
    beta: float

    @classmethod
    def of_rate(cls, rate: float, strength: float = PRIOR_STRENGTH) -> Prior:
        """A prior centred on `rate` worth `strength` contacts."""
        return cls(rate * strength, (1 - rate) * strength)


# The channels the stand-in chooses between, each with the consent fact it needs and its prior.
# Letters have no hour, a voicemail is what a call becomes, and chat waits for the patient, so the
# stand-in leaves them to the strategy. The call prior is the published right-party contact rate;
# the sms and email priors are our assumptions, deliberately below it so data has to earn them.
CONSENT_FACT: dict[str, str] = {
    "sms": "consent.sms",
    "email": "consent.email",
    "call": "consent.autodialed_calls",  # conservative: a dialer places the engine's calls
}
DEFAULT_PRIORS: dict[str, Prior] = {
    "call": Prior.of_rate(RIGHT_PARTY_CONTACT_RATE),
    "sms": Prior.of_rate(0.20),
    "email": Prior.of_rate(0.10),
}


@dataclass(frozen=True)
class Counts:
    """Contacts made and contacts that succeeded in one channel × hour cell."""

    attempts: int = 0
    successes: int = 0


@dataclass(frozen=True)
class TimingTable:
    """Priors per channel (optionally per channel × hour) and outcome counts per (channel, local hour).

    `hour_priors` lets what is known about a particular hour (say, last quarter's table, shrunk)
    stand in for the channel's flat prior; the channels on offer are the keys of `priors`.
    """

    priors: Mapping[str, Prior] = field(default_factory=lambda: dict(DEFAULT_PRIORS))
    counts: Mapping[tuple[str, int], Counts] = field(default_factory=dict)
    hour_priors: Mapping[tuple[str, int], Prior] = field(default_factory=dict)

    def rate(self, channel: str, hour: int) -> float:
        """Posterior mean chance of success on `channel` at local `hour`."""
        prior = self.hour_priors.get((channel, hour)) or self.priors[channel]
        seen = self.counts.get((channel, hour), Counts())
        return (prior.alpha + seen.successes) / (prior.alpha + prior.beta + seen.attempts)


def learn(
    outcomes: Iterable[tuple[str, int, bool]],
    priors: Mapping[str, Prior] | None = None,
    hour_priors: Mapping[tuple[str, int], Prior] | None = None,
) -> TimingTable:
    """A table from `(channel, local hour, succeeded)` outcomes; channels without a prior are skipped."""
    chosen = dict(DEFAULT_PRIORS if priors is None else priors)
    cells: dict[tuple[str, int], list[int]] = {}
    for channel, hour, succeeded in outcomes:
        if channel in chosen and 0 <= hour < 24:
            cell = cells.setdefault((channel, hour), [0, 0])
            cell[0] += 1
            cell[1] += int(bool(succeeded))
    return TimingTable(chosen, {key: Counts(a, s) for key, (a, s) in cells.items()}, dict(hour_priors or {}))


def best_hour(table: TimingTable, channel: str, hours: Iterable[int] = ALLOWED_HOURS) -> tuple[int, float] | None:
    """The allowed hour with the highest expected rate on `channel` and that rate; ties go to the earliest."""
    if channel not in table.priors:
        return None
    rated = [(table.rate(channel, hour), -hour) for hour in sorted(set(hours)) if 0 <= hour < 24]
    if not rated:
        return None
    rate, negative_hour = max(rated)
    return -negative_hour, rate


def best_times(table: TimingTable, hours: Iterable[int] = ALLOWED_HOURS) -> dict[str, int]:
    """Per channel, the best time as minutes since local midnight."""
    allowed = tuple(hours)
    found = {channel: best_hour(table, channel, allowed) for channel in table.priors}
    return {channel: best[0] * 60 for channel, best in found.items() if best is not None}


def consented_channels(facts: Mapping[str, object]) -> tuple[str, ...]:
    """The channels whose consent fact is true; a missing consent counts as not given."""
    return tuple(channel for channel, fact in CONSENT_FACT.items() if facts.get(fact) is True)


def best_channel(
    table: TimingTable, consented: Iterable[str], hours: Iterable[int] = ALLOWED_HOURS
) -> tuple[str, int] | None:
    """The consented channel with the highest expected rate at its best hour, and that time in minutes.

    Ties go to the channel listed first in `CONSENT_FACT` order; None when no channel is both
    consented and known to the table.
    """
    allowed = tuple(hours)
    ranked: list[tuple[float, int, str, int]] = []
    order = {channel: i for i, channel in enumerate(CONSENT_FACT)}
    for channel in sorted(set(consented), key=lambda c: order.get(c, len(order))):
        best = best_hour(table, channel, allowed)
        if best is not None:
            ranked.append((best[1], -order.get(channel, len(order)), channel, best[0] * 60))
    if not ranked:
        return None
    _, _, channel, minute = max(ranked)
    return channel, minute
