"""The timing bandit's model card and its posterior as JSON: what the runtime saves beside the other models.

The card has the fields of `engine.scores.models.ModelCard` (so `runtime.models.card_from_dict`
reads it back) plus what only a bandit has: the reward, the priors, how choices are clamped, and
its limits. The posterior is saved as JSON tallies, not a pickle, so loading one runs no code.
Pure: `card_files` returns the files' bytes; writing them is the runtime's job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from engine.scores.bandit import (
    BANDIT_ID,
    BANDIT_VERSION,
    CHANNELS,
    CONTACT_SPAN,
    BanditState,
    Tally,
)
from engine.scores.bandit_ledger import REWARD_WINDOW
from engine.scores.timing import Prior

POSTERIOR_FILE = "posterior.json"
CARD_FILE = "card.json"
CARD_MARKDOWN = "card.md"
REWARD = (
    "1 when the patient answers within 72 hours of the contact and before the next one: a call's "
    "own outcome is a conversation, or the patient calls or writes in, replies, pays or accepts a "
    "plan; else 0. Credit goes to the last contact before the answer. Contacts that never reached "
    "the patient (not in service, undeliverable) and contacts whose 72 hours are still running are "
    "left out."
)
INTENDED_USE = (
    "Pick the hour and channel of a contact a lawful strategy already decided to make, among the "
    "arms the policies and the guard allow, so it reaches the patient when they can answer. It "
    "never decides whether to contact, how often, or what to say, and it can never widen a window."
)
LIMITS = (
    "segments are age bands only; nothing else about a patient moves their arm",
    "the hour is the patient's local hour in their first time zone; several zones are left to the guard",
    "rewards are binary: a payment counts no more than a reply",
    "last-touch credit: an answer earned by an earlier contact is credited to the latest one",
    "no forgetting: a season's change in habits is learned only as fast as new counts outweigh old ones",
    "the lift is measured on a simulated world whose hourly shapes are our assumptions (bandit_sim)",
    "letters, chat and voicemail are not timed by the bandit; the strategy's window decides them",
)


def state_to_dict(state: BanditState) -> dict[str, Any]:
    """The posterior as JSON-ready data: priors, strengths and the tallies per segment, channel and hour."""
    return {
        "priors": {c: [p.alpha, p.beta] for c, p in sorted(state.priors.items())},
        "prior_strength": state.prior_strength,
        "pool_cap": state.pool_cap,
        "tallies": [
            [segment, channel, hour, tally.successes, tally.failures]
            for (segment, channel, hour), tally in sorted(state.tallies.items())
        ],
    }


def state_from_dict(data: Mapping[str, Any]) -> BanditState:
    """A posterior read back from `state_to_dict`; raises ValueError naming what is wrong."""
    try:
        priors = {str(c): Prior(float(a), float(b)) for c, (a, b) in data["priors"].items()}
        tallies = {(str(s), str(c), int(h)): Tally(int(w), int(f)) for s, c, h, w, f in data["tallies"]}
        state = BanditState(priors, tallies, float(data["prior_strength"]), float(data["pool_cap"]))
    except (KeyError, TypeError, ValueError, AttributeError) as broken:
        raise ValueError(f"the bandit's posterior cannot be read: {broken!r}") from broken
    if any(p.alpha <= 0 or p.beta <= 0 for p in priors.values()) or any(
        t.successes < 0 or t.failures < 0 for t in tallies.values()
    ):
        raise ValueError("the bandit's posterior has a negative count or an empty prior")
    return state


def canonical(data: object) -> bytes:
    """Stable JSON bytes: the same posterior always hashes the same."""
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def calibration(state: BanditState, bins: int = 5) -> list[tuple[float, float, int]]:
    """Arms with data binned by posterior mean: (mean predicted, observed rate, contacts) per bin."""
    rows: list[tuple[float, float, int]] = []
    arms = [(state.mean(*key), tally) for key, tally in state.tallies.items() if tally.successes + tally.failures]
    for low in range(bins):
        inside = [(m, t) for m, t in arms if low / bins <= m < (low + 1) / bins or (low == bins - 1 and m == 1)]
        count = sum(t.successes + t.failures for _, t in inside)
        if count:
            predicted = sum(m * (t.successes + t.failures) for m, t in inside) / count
            observed = sum(t.successes for _, t in inside) / count
            rows.append((round(predicted, 4), round(observed, 4), count))
    return rows


def bandit_card(
    state: BanditState, training_data: str, metrics: Mapping[str, float], created: dt.date
) -> dict[str, Any]:
    """The card: ModelCard's fields, then the reward, priors, clamping and limits."""
    return {
        "model_id": BANDIT_ID,
        "version": BANDIT_VERSION,
        "target": "answer within 72 hours (see `reward`)",
        "features": ["segment", "channel", "local_hour"],
        "training_data": training_data,
        "training_data_hash": hashlib.sha256(canonical(state_to_dict(state))).hexdigest()[:16],
        "rows": state.contacts(),
        "metrics": {str(k): float(v) for k, v in metrics.items()},
        "calibration": [list(row) for row in calibration(state)],
        "trained_on": created.isoformat(),
        "intended_use": INTENDED_USE,
        "kind": "Thompson sampling, Beta-Bernoulli per segment × channel × local hour",
        "reward": REWARD,
        "reward_window_hours": REWARD_WINDOW.total_seconds() / 3600,
        "channels": list(CHANNELS),
        "priors": {
            "per_channel": {c: round(p.alpha / (p.alpha + p.beta), 4) for c, p in sorted(state.priors.items())},
            "strength": state.prior_strength,
            "pooled_from_other_segments_at_most": state.pool_cap,
            "call_prior_source": "published right-party contact rate (0.26); sms and email are assumptions",
        },
        "clamp": (
            f"only arms inside the step's window, the patient's local {CONTACT_SPAN[0] // 60:02d}:00-"
            f"{CONTACT_SPAN[1] // 60:02d}:00, outside designated inconvenient times, on channels with "
            "consent and no opt-out, and (when given) at a minute the runtime guard allows"
        ),
        "limits": list(LIMITS),
    }


def card_files(
    state: BanditState, training_data: str, metrics: Mapping[str, float], created: dt.date
) -> dict[str, bytes]:
    """`card.json`, `card.md` and `posterior.json` for `var/models/timing-thompson-VERSION/`, as bytes."""
    card = bandit_card(state, training_data, metrics, created)
    return {
        CARD_FILE: json.dumps(card, indent=2).encode(),
        CARD_MARKDOWN: card_markdown(card).encode(),
        POSTERIOR_FILE: json.dumps(state_to_dict(state), indent=2).encode(),
    }


def card_markdown(card: Mapping[str, Any]) -> str:
    """The card for people, in the shape of the other models' `card.md`."""
    priors = card["priors"]
    lines = [
        f"# Model card: {card['model_id']} {card['version']}",
        "",
        f"- **Chooses**: {card['kind']}",
        f"- **Reward**: {card['reward']}",
        f"- **Trained on**: {card['training_data']}; {card['rows']:,} contacts; posterior hash "
        f"`{card['training_data_hash']}`",
        f"- **Trained**: {card['trained_on']}",
        f"- **Arms**: {', '.join(f'`{f}`' for f in card['features'])}; channels "
        f"{', '.join(f'`{c}`' for c in card['channels'])}",
        f"- **Clamped to**: {card['clamp']}",
        "",
        "## Intended use",
        "",
        card["intended_use"],
        "",
        "## Priors",
        "",
        "| channel | prior mean |",
        "|---|---|",
        *[f"| {channel} | {mean:.4f} |" for channel, mean in priors["per_channel"].items()],
        "",
        f"Each arm's prior is worth {priors['strength']:g} contacts, plus what other segments saw at the same "
        f"channel and hour, worth at most {priors['pooled_from_other_segments_at_most']:g}. "
        f"{priors['call_prior_source'].capitalize()}.",
        "",
        "## Limits",
        "",
        *[f"- {limit}" for limit in card["limits"]],
        "",
        "## Metrics",
        "",
        "| metric | value |",
        "|---|---|",
        *[f"| {name} | {value:.4f} |" for name, value in card["metrics"].items()],
        "",
        "## Calibration (arms with data, by posterior mean)",
        "",
        "| mean predicted | observed rate | contacts |",
        "|---|---|---|",
        *[f"| {p:.4f} | {o:.4f} | {n:,} |" for p, o, n in card["calibration"]],
        "",
    ]
    return "\n".join(lines)
