"""Scoring accounts in batches: model scores, best time and channel, and the scores of a reply.

`score_accounts` turns a batch of accounts' facts into score facts with one scoring call per model
for the whole batch (`TrainedModel.score`: the pipeline for large batches, where one row costs about
as much as hundreds, and an exact Python walk of the trees for a few rows).
Every value is checked against the registry before it is added; a refused value is left out (the
evaluators read a missing score as unknown, which compares false) and named in `problems`. Each
score comes back with the `ScoreSource` that produced it, ready for `Account.score_sources`, so
the trace names the model and version behind every number it shows.

Replies (`engine.scores.replies_scoring`): the reply classifier gives the intents and sentiments,
and `intent.stop` is the revocation rules OR the classifier. Without a classifier the rules give
stop, dispute and hardship and the rest is reported as unmeasured (`reply-unmeasured@0.0.0`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from threadpoolctl import ThreadpoolController

from dsl.schema import Kind
from engine.account import Account, ScoreSource
from engine.scores.bandit import BANDIT_SOURCE, BanditState, account_timing
from engine.scores.features import feature_rows
from engine.scores.intents import ReplyModel
from engine.scores.models import TrainedModel
from engine.scores.registry import DEFAULT_REGISTRY, TIMING_SOURCE, ScoreError, ScoreRegistry
from engine.scores.replies_scoring import read_replies, read_reply
from engine.scores.synthetic import FEATURES
from engine.scores.timing import ALLOWED_HOURS, TimingTable, best_channel, best_times, consented_channels

# The trees predict with OpenMP threads. On a busy machine (batch workers, a web server's
# processes) they spin against each other: measured on 2 shared cores, 2 threads scored a
# 10,000-row batch ~20x slower than 1 and one row ~10x slower. So scoring takes one thread unless
# told otherwise, scoped to the call. The controller is built once (it scans the loaded native
# libraries, ~8 ms) and holds no state of ours; each `limit` restores what it found.
NATIVE_THREADS = ThreadpoolController()
SCORE_DIGITS = 4  # more digits than any calibration supports; keeps traces readable
TIMING_FACTS = frozenset({"best_time", "best_channel"})


@dataclass(frozen=True)
class ScoredAccount:
    """An account's facts with its scores added, the source of each score, and what went wrong."""

    facts: dict[str, object]
    sources: dict[str, ScoreSource]
    defaulted: tuple[str, ...] = ()  # model features that took their documented default
    problems: tuple[str, ...] = ()  # values the registry refused, left out of `facts`


def score_accounts(
    accounts_facts: Sequence[Mapping[str, object]],
    models: Mapping[str, TrainedModel],
    timing_table: TimingTable | None = None,
    replies: Sequence[str | None] | None = None,
    registry: ScoreRegistry = DEFAULT_REGISTRY,
    hours: Iterable[int] = ALLOWED_HOURS,
    threads: int = 1,
    reply_model: ReplyModel | None = None,
) -> list[ScoredAccount]:
    """Scores for a batch of accounts: one model call per model, then timing and reply scores.

    `models` maps a score name (`score.propensity`, `score.distress`) to its trained model;
    `replies`, when given, holds each account's last reply text (or None) in the same order.
    `threads` caps the models' OpenMP threads for the call (see `NATIVE_THREADS`); `reply_model`
    reads the replies in one pass (without it, rules only: see `score_reply`).
    Raises `ScoreError` only for a wrong set-up (a model under a name the registry does not
    offer, or trained on other features); bad values in the facts fall back to defaults.
    """
    check_setup(models, registry, replies, len(accounts_facts))
    rows = feature_rows(accounts_facts)
    produced: list[dict[str, tuple[object, ScoreSource]]] = [{} for _ in accounts_facts]
    if len(accounts_facts):
        with native_threads(models, len(accounts_facts), threads):
            for name, model in models.items():
                source = ScoreSource(model.card.model_id, model.card.version)
                for found, probability in zip(produced, model.score(rows.matrix), strict=True):
                    found[name] = (round(float(probability), SCORE_DIGITS), source)
    if timing_table is not None:
        add_timing(produced, accounts_facts, timing_table, tuple(hours))
    replied = [
        (found, text)
        for found, text in zip(produced, replies or [None] * len(produced), strict=True)
        if text is not None
    ]
    readings = read_replies([text for _, text in replied], reply_model)
    for (found, _), reading in zip(replied, readings, strict=True):
        found.update({name: (value, reading.sources[name]) for name, value in reading.values.items()})
    checked: dict[tuple[str, type, object], str | None] = {}
    return [
        accepted(facts, found, defaulted, registry, checked)
        for facts, found, defaulted in zip(accounts_facts, produced, rows.defaulted, strict=True)
    ]


def native_threads(models: Mapping[str, TrainedModel], rows: int, threads: int) -> AbstractContextManager[object]:
    """The OpenMP cap for scoring `rows` rows, or nothing when no model runs native code for them.

    Setting the cap and restoring it costs tens of µs (measured ~80), more than the models' Python
    walk of one row (`engine.scores.fast_models`); a model without `native` is assumed to need it.
    """
    if any(getattr(model, "native", None) is None or model.native(rows) for model in models.values()):
        return NATIVE_THREADS.limit(limits=threads, user_api="openmp")
    return nullcontext()


def check_setup(
    models: Mapping[str, TrainedModel], registry: ScoreRegistry, replies: Sequence[object] | None, size: int
) -> None:
    """Refuse a set-up that would score the wrong thing, before any account is scored."""
    for name, model in models.items():
        spec = registry.spec(name)
        if spec is None or spec.kind is not Kind.SCORE:
            raise ScoreError(f"a model is set up for `{name}`, which is not a 0..1 score the registry offers")
        if tuple(model.card.features) != FEATURES:
            raise ScoreError(f"the model for `{name}` was trained on other features than the engine builds")
    if replies is not None and len(replies) != size:
        raise ScoreError(f"{len(replies)} replies were given for {size} accounts")


def add_timing(
    produced: list[dict[str, tuple[object, ScoreSource]]],
    accounts_facts: Sequence[Mapping[str, object]],
    table: TimingTable,
    hours: tuple[int, ...],
) -> None:
    """Best time per channel (the same for every account until issue 5 segments it) and best channel."""
    per_channel = {
        f"best_time.{channel}": (minute, TIMING_SOURCE) for channel, minute in best_times(table, hours).items()
    }
    by_consent: dict[tuple[str, ...], tuple[str, int] | None] = {}  # few distinct consent sets per batch
    for found, facts in zip(produced, accounts_facts, strict=True):
        found.update(per_channel)
        consented = consented_channels(facts)
        if consented not in by_consent:
            by_consent[consented] = best_channel(table, consented, hours)
        chosen = by_consent[consented]
        if chosen is not None:
            found["best_channel"] = (chosen[0], TIMING_SOURCE)
            found["best_time"] = (chosen[1], TIMING_SOURCE)


def accepted(
    facts: Mapping[str, object],
    found: Mapping[str, tuple[object, ScoreSource]],
    defaulted: tuple[str, ...],
    registry: ScoreRegistry,
    checked: dict[tuple[str, type, object], str | None],
) -> ScoredAccount:
    """The account's facts plus every produced score the registry accepts.

    `checked` remembers the registry's answer per (name, value) across a batch: model scores are
    rounded and timing values shared, so most checks are a lookup. The value's type is in the key
    because `True == 1` and a yes/no score must not pass for a number.
    """
    merged = dict(facts)
    sources: dict[str, ScoreSource] = {}
    problems: list[str] = []
    for name, (value, source) in found.items():
        key = (name, type(value), value)
        if key not in checked:
            checked[key] = registry.problem(name, value)
        problem = checked[key]
        if problem:
            problems.append(f"{problem} (from {source.model_id} {source.version})")
            merged.pop(name, None)  # a stale value from the input must not pass for this one
            continue
        merged[name] = value
        sources[name] = source
    return ScoredAccount(merged, sources, defaulted, tuple(problems))


def score_reply(
    text: str, model: ReplyModel | None = None, language_on_file: str | None = None
) -> tuple[dict[str, object], dict[str, ScoreSource]]:
    """Every intent and sentiment of one reply, and the source of each.

    With the reply classifier (`runtime.reply_models.default_reply_model()`), it gives the intents
    and sentiments and `intent.stop` is the revocation rules OR the classifier. Without it, the
    rules give stop, dispute and hardship and the rest is false / 0 from `reply-unmeasured`.
    """
    reading = read_reply(text, model, language_on_file)
    return reading.values, reading.sources


def with_scores(account: Account, scored: ScoredAccount) -> Account:
    """The account with its scores added to its facts and their sources to `score_sources`.

    A source whose score is no longer among the facts (a refused value) is dropped with it.
    """
    kept = {name: source for name, source in account.score_sources.items() if name in scored.facts}
    return replace(account, facts=scored.facts, score_sources={**kept, **scored.sources})


def score_account_states(
    accounts: Sequence[Account],
    models: Mapping[str, TrainedModel],
    timing_table: TimingTable | None = None,
    threads: int = 1,
    bandit: BanditState | None = None,
    now: dt.datetime | None = None,
    seed: int = 0,
) -> list[Account]:
    """`score_accounts` for engine accounts: the same accounts, scored in one batch, in order.

    With a `bandit` posterior and the decision time `now`, each account's best time and channel
    are a Thompson draw among the arms still open today in its own time zone (`bandit_timing`).
    Reply scores belong to reply events (`score_reply`), so they are not added here.
    """
    batch = score_accounts([a.facts for a in accounts], models, timing_table, threads=threads)
    if bandit is None or now is None:
        return [with_scores(account, s) for account, s in zip(accounts, batch, strict=True)]
    found = []
    for account, scored in zip(accounts, batch, strict=True):
        # `bandit_timing(with_scores(account, scored), ...)` with one new account instead of two
        kept = {name: source for name, source in account.score_sources.items() if name in scored.facts}
        facts, sources = timed(account, scored.facts, {**kept, **scored.sources}, bandit, now, seed, DEFAULT_REGISTRY)
        found.append(replace(account, facts=facts, score_sources=sources))
    return found


def bandit_timing(
    account: Account, bandit: BanditState, now: dt.datetime, seed: int, registry: ScoreRegistry = DEFAULT_REGISTRY
) -> Account:
    """The account with `best_time.<channel>`, `best_channel` and `best_time` drawn from the bandit.

    The draw replays for the same (seed, account, local day), so a decision can be re-run. Arms
    already past in the patient's local time are not offered; the guard still judges the contact.
    A value the registry refuses is left out, as for every other score.
    """
    facts, sources = timed(account, account.facts, account.score_sources, bandit, now, seed, registry)
    return replace(account, facts=facts, score_sources=sources)


def timed(
    account: Account,
    facts: Mapping[str, object],
    sources: Mapping[str, ScoreSource],
    bandit: BanditState,
    now: dt.datetime,
    seed: int,
    registry: ScoreRegistry,
) -> tuple[dict[str, object], dict[str, ScoreSource]]:
    """`bandit_timing`'s new facts and sources, drawn for `account` from the given facts and sources."""
    local = now.astimezone(ZoneInfo(account.timezone))
    drawn = account_timing(
        bandit,
        facts,
        account.account_id,
        local.date().toordinal(),
        seed,
        not_before=local.hour * 60 + local.minute,
    )
    stale = {name for name in facts if name in TIMING_FACTS or name.startswith("best_time.")}
    kept_facts = {name: value for name, value in facts.items() if name not in stale}
    kept_sources = {name: source for name, source in sources.items() if name not in stale}
    for name, value in drawn.items():
        if registry.problem(name, value) is None:
            kept_facts[name] = value
            kept_sources[name] = BANDIT_SOURCE
    return kept_facts, kept_sources
