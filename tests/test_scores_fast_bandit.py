"""The cheaper bandit draw and registry checks give exactly what the slower code gave.

Three kinds of evidence: digests of ~1,000 draws made by the code before it was made cheaper
(`account_timing` and the service's `bandit_timing`, over random facts, windows, designations,
days, seeds and time zones); the old functions written out again here and compared with the new
ones on random input (hypothesis); and the registry's remembered answers against fresh ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import random
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from test_bandit import designations, outcome_lists  # the same random histories and designations

from engine.account import Account, ScoreSource
from engine.guard.case import InconvenientTime
from engine.scores.bandit import (
    CHANNELS,
    Allowed,
    BanditState,
    Choice,
    Outcome,
    account_timing,
    allowed_arms,
    best_by_channel,
    segment_name,
    update,
)
from engine.scores.bandit_allowed import first_minute, free_spans, hour_starts, policy_arms
from engine.scores.models import ModelCard
from engine.scores.registry import DEFAULT_REGISTRY, ScoreRegistry, unknown_message
from engine.scores.service import bandit_timing, score_account_states, score_accounts, with_scores
from engine.scores.synthetic import FEATURES

ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "Pacific/Honolulu", "UTC")
# sha256 of the JSON of every case's result, made by the code before this change (commit e422aaf).
TIMING_DIGEST = "bb29da7e10a1c4c611a01bbc806c415c7e5d27bed4849a6bb4235a2d7352d6fc"
ACCOUNTS_DIGEST = "c39e57a8f8a1b0d7c8639738e953c5a888edaa3850957faa7fc3f55ccea7112c"


def learned_state() -> BanditState:
    rng = random.Random(5)
    outcomes = [
        Outcome(
            rng.choice(("young", "working", "retired", "unknown")),
            rng.choice(("sms", "call", "email")),
            rng.randrange(24),
            rng.random() < 0.25,
        )
        for _ in range(600)
    ]
    return update(BanditState(), outcomes)


def timing_cases(count: int = 400) -> list[dict]:
    rng = random.Random(11)
    cases = []
    for i in range(count):
        facts: dict[str, object] = {
            f: rng.random() < 0.6 for f in ("consent.sms", "consent.email", "consent.autodialed_calls")
        }
        if rng.random() < 0.8:
            facts["patient.age"] = rng.choice((17, 25, 34, 35, 50, 64, 65, 80, 0, 130, 44.5))
        start = rng.randrange(0, 1440)
        window = None if rng.random() < 0.4 else (start, rng.randrange(start + 1, 1441))
        inconvenient = [
            [sorted(rng.sample(range(7), rng.randrange(0, 4))), s, min(1440, s + rng.randrange(1, 600))]
            for s in (rng.randrange(0, 1440) for _ in range(rng.randrange(0, 3)))
        ]
        cases.append(
            {
                "facts": facts,
                "account": f"A-{i}",
                "day": dt.date(2026, 1, 1).toordinal() + rng.randrange(0, 400),
                "seed": rng.choice((0, 1, 7, 2**31 - 1, 12345)),
                "window": window,
                "inconvenient": inconvenient,
                "opted_out": rng.sample(("sms", "call", "email"), rng.randrange(0, 2)),
                "not_before": rng.choice((0, rng.randrange(0, 1440))),
            }
        )
    return cases


def account_cases(count: int = 200) -> list[tuple[Account, dt.datetime]]:
    rng = random.Random(23)
    found = []
    for i in range(count):
        facts: dict[str, object] = {
            f: rng.random() < 0.7 for f in ("consent.sms", "consent.email", "consent.autodialed_calls")
        }
        facts["patient.age"] = rng.choice((22, 40, 70, None))
        facts["best_time.sms"] = 600  # a stale value the draw replaces
        now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 60))
        found.append((Account(f"B-{i}", dt.date(2026, 1, 5), rng.choice(ZONES), facts), now))
    return found


def digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def test_account_timing_draws_what_it_drew_before() -> None:
    state = learned_state()
    found = []
    for case in timing_cases():
        designations = tuple(InconvenientTime(frozenset(d), s, e) for d, s, e in case["inconvenient"])
        window = tuple(case["window"]) if case["window"] else None
        for chosen in (state, BanditState()):
            found.append(
                account_timing(
                    chosen,
                    case["facts"],
                    case["account"],
                    case["day"],
                    case["seed"],
                    window,
                    designations,
                    case["opted_out"],
                    None,
                    case["not_before"],
                )
            )
    assert sum(1 for scores in found if scores) > 500  # most cases draw something: the digest is no empty list
    assert digest(found) == TIMING_DIGEST


def test_the_services_bandit_timing_gives_the_accounts_it_gave_before() -> None:
    state = learned_state()
    found = []
    for account, now in account_cases():
        scored = bandit_timing(account, state, now, 3)
        found.append({"facts": dict(scored.facts), "sources": sorted(scored.score_sources)})
    assert digest(found) == ACCOUNTS_DIGEST


# --- the old functions, written out again -------------------------------------------------------------


def old_allowed_minutes(channels, window, weekday, inconvenient, contact_span, probe) -> dict:
    """`allowed_arms` as it was: every hour of the day asked of every span."""
    spans = free_spans(window, weekday, tuple(inconvenient), contact_span)
    minutes = {}
    for channel in sorted(set(channels)):
        if channel not in CHANNELS:
            continue
        for hour in range(24):
            first = first_minute(spans, hour)
            if first is not None and probe is not None:
                answer = probe(channel, first)
                if answer != first and answer is not None:
                    inside = hour * 60 <= answer < hour * 60 + 60 and any(lo <= answer < hi for lo, hi in spans)
                    answer = answer if inside and probe(channel, answer) == answer else None
                first = answer
            if first is not None:
                minutes[(channel, hour)] = first
    return minutes


def old_best_by_channel(state: BanditState, segment: str, allowed: Allowed, rng) -> dict[str, Choice]:
    """`best_by_channel` as it was: numpy argmax per channel's run of arms."""
    segment = segment_name(segment)
    arms = tuple(arm for arm in allowed.arms() if arm[0] in state.priors)
    if not arms:
        return {}
    alpha, beta = state.arrays(segment, arms)
    means = alpha / (alpha + beta)
    draws = means if rng is None else rng.beta(alpha, beta)
    best = {}
    start = 0
    while start < len(arms):
        channel = arms[start][0]
        end = start
        while end < len(arms) and arms[end][0] == channel:
            end += 1
        top = start + int(np.argmax(draws[start:end]))
        best[channel] = Choice(channel, arms[top][1], allowed.minutes[arms[top]], float(draws[top]), float(means[top]))
        start = end
    return best


bounds = st.integers(-200, 1700) | st.floats(-200, 1700, allow_nan=False)
windows = st.none() | st.tuples(bounds, bounds)
spans = st.tuples(st.integers(-100, 1500), st.integers(-100, 1500))


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from([*CHANNELS, "letter", "sms"]), max_size=5),
    windows,
    st.none() | st.integers(0, 6),
    designations,
    st.sampled_from([(480, 1260), (0, 1440), (600, 601), (0, 0), (479.5, 1260.25)]),
    st.sampled_from(["none", "allow", "shift", "refuse calls"]),
)
def test_allowed_arms_are_the_old_ones(channels, window, weekday, inconvenient, span, guard) -> None:
    probes = {
        "none": None,
        "allow": lambda channel, minute: minute,
        "shift": lambda channel, minute: minute + 7 if minute % 60 < 20 else minute,
        "refuse calls": lambda channel, minute: None if channel == "call" else minute,
    }
    probe = probes[guard]
    found = allowed_arms(channels, window, weekday, inconvenient, span, probe)
    expected = old_allowed_minutes(channels, window, weekday, inconvenient, span, probe)
    assert dict(found.minutes) == expected
    assert found.arms() == tuple(sorted(expected))
    assert list(found.minutes) == sorted(expected)  # built in order: the memo's copy and a fresh one agree
    if probe is None:  # a remembered answer is the same value as a fresh one
        assert allowed_arms(channels, window, weekday, inconvenient, span) == found


@settings(max_examples=400, deadline=None)
@given(st.lists(spans.filter(lambda s: s[0] < s[1]), max_size=4))
def test_hour_starts_are_first_minute_of_every_hour(found_spans) -> None:
    expected = tuple((hour, m) for hour in range(24) if (m := first_minute(found_spans, hour)) is not None)
    assert hour_starts(tuple(found_spans)) == expected


def test_an_unhashable_window_is_answered_without_the_memo() -> None:
    assert dict(allowed_arms(["sms"], [600, 700]).minutes) == {("sms", 10): 600, ("sms", 11): 660}
    assert policy_arms.cache_info().maxsize is not None  # bounded


@settings(max_examples=300, deadline=None)
@given(
    outcome_lists,
    st.sampled_from(["young", "working", "retired", "unknown", "other"]),
    st.sets(st.sampled_from([*CHANNELS, "letter"])),
    windows,
    st.integers(0, 2**63),
    st.booleans(),
    st.sampled_from([None, 0.5, 1.0, 4.0]),
)
def test_best_by_channel_draws_what_the_old_one_drew(outcomes, segment, channels, window, seed, greedy, strength):
    base = BanditState() if strength is None else BanditState(prior_strength=strength)  # <= 1: Johnk's draws
    state = update(base, outcomes)
    allowed = allowed_arms(channels, window)
    new_rng, old_rng = (None, None) if greedy else (np.random.default_rng(seed), np.random.default_rng(seed))
    assert best_by_channel(state, segment, allowed, new_rng) == old_best_by_channel(state, segment, allowed, old_rng)


def test_a_channel_without_a_prior_is_left_out_as_before() -> None:
    state = BanditState(priors={"sms": BanditState().priors["sms"]})
    allowed = allowed_arms(CHANNELS, (600, 900))
    new = best_by_channel(state, "young", allowed, np.random.default_rng(4))
    assert set(new) == {"sms"} and new == old_best_by_channel(state, "young", allowed, np.random.default_rng(4))


# --- registry checks ------------------------------------------------------------------------------------

VALUES = [
    0,
    1,
    0.0,
    -0.0,
    0.5,
    0.12345,
    1.0,
    1.0000000000000002,
    -1e-300,
    2,
    599,
    600.0,
    600.5,
    1439,
    1440,
    -1,
    True,
    False,
    math.nan,
    math.inf,
    -math.inf,
    "sms",
    "fax",
    "",
    "x" * 100,
    Decimal("0.5"),
    Decimal("1.00"),
    Decimal("1.0"),
    None,
    [1],
]
NAMES = ["score.propensity", "best_time", "best_time.sms", "best_time.fax", "best_channel", "intent.stop", "nope"]


def test_remembered_registry_answers_are_the_fresh_ones() -> None:
    registry = ScoreRegistry(DEFAULT_REGISTRY.specs)  # its own, empty memo
    for _ in range(2):  # the second round answers from the memo
        for name in NAMES:
            for value in VALUES:
                spec = DEFAULT_REGISTRY.spec(name)
                fresh = unknown_message(name, DEFAULT_REGISTRY.names()) if spec is None else spec.problem(value, name)
                assert registry.problem(name, value) == fresh, (name, value)
    assert registry.problem("score.propensity", True) != registry.problem("score.propensity", 1)
    assert registry.problem("best_time", -0.0) is None and "`-1`" in str(registry.problem("best_time", -1))


def test_spec_lookup_by_name_is_the_scan_it_replaced() -> None:
    for name in [*DEFAULT_REGISTRY.names(), "best_time.sms", "best_time.letter", "best_time.", "x", ""]:
        base, _, channel = name.partition(".")
        if base == "best_time" and channel:
            continue  # the per-channel rule is unchanged
        assert DEFAULT_REGISTRY.spec(name) == next((s for s in DEFAULT_REGISTRY.specs if s.name == name), None)


# --- one new account per scored account -----------------------------------------------------------------


ROW_SUM_CARD = ModelCard("row-sum", "0.1.0", "paid in full", FEATURES, "none", "0", 0)


@dataclass(frozen=True)
class RowSumModel:
    """A stand-in model: a probability from the row's sum, under a card like the shipped one."""

    card: ModelCard = ROW_SUM_CARD

    def score(self, rows: np.ndarray) -> np.ndarray:
        return (np.abs(np.asarray(rows).sum(axis=1)) % 997) / 997


def test_scoring_with_the_bandit_is_bandit_timing_after_with_scores() -> None:
    state = learned_state()
    models = {"score.propensity": RowSumModel(), "score.distress": RowSumModel()}
    accounts = [
        replace(
            account,
            facts={**account.facts, "balance": 100.0 + i, "score.distress": 2.0},  # a stale, refused-looking value
            score_sources={"best_time.sms": ScoreSource("old", "1"), "score.propensity": ScoreSource("old", "1")},
        )
        for i, (account, _) in enumerate(account_cases(60))
    ]
    now = dt.datetime(2026, 3, 16, 15, 30, tzinfo=dt.UTC)
    together = score_account_states(accounts, models, bandit=state, now=now, seed=4)
    scored = score_accounts([a.facts for a in accounts], models)
    apart = [bandit_timing(with_scores(account, s), state, now, 4) for account, s in zip(accounts, scored, strict=True)]
    assert together == apart
    assert any(a.score_sources.get("best_channel") for a in together)
