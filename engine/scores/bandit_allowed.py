"""The arms a timing choice may take today: channel x local hour, each at its first allowed minute.

Split from `engine.scores.bandit` (which re-exports every name here) so each stays readable. The
policies give the spans of the day a contact may be made (the patient's local 08:00-21:00, the
step's window, minus the times the patient called inconvenient), `hour_starts` turns those into
each hour's first allowed minute, and the guard, when the engine has one, may remove an arm or
move its minute within the hour (`probed_minute`).

Requests ask again and again for the same few allowed sets (a handful of channel sets, windows
and weekdays, the current minute), so the guard-less answer is a remembered value (`policy_arms`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from types import MappingProxyType

from engine.guard.case import InconvenientTime
from engine.scores.timing import CONSENT_FACT

CHANNELS = tuple(CONSENT_FACT)  # call, sms, email: the channels whose hour matters and is ours to pick
CONTACT_SPAN = (8 * 60, 21 * 60)  # Regulation F's convenient hours, local (12 CFR 1006.6(b)(1)(i))
ALLOWED_MEMO_SIZE = 4096  # guard-less allowed sets remembered per process (`policy_arms`)

Arm = tuple[str, int]  # (channel, local hour)
# The guard asked about (channel, local minute): that minute when allowed, else its next allowed minute
# today (`next_allowed_at`, a lower bound) or None.
Probe = Callable[[str, int], int | None]


@dataclass(frozen=True)
class Allowed:
    """The arms a choice may take, each with the first local minute in its hour that is allowed."""

    minutes: Mapping[Arm, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "minutes", MappingProxyType(dict(self.minutes)))

    def arms(self) -> tuple[Arm, ...]:
        """The allowed arms in a fixed order (channel, hour), so a seed gives the same choice."""
        return self.ordered

    @cached_property
    def ordered(self) -> tuple[Arm, ...]:
        """`arms()`, sorted once."""
        return tuple(sorted(self.minutes))

    @cached_property
    def channels(self) -> frozenset[str]:
        """The channels of the allowed arms (for asking once whether the posterior knows them all)."""
        return frozenset(channel for channel, _ in self.minutes)


def allowed_arms(
    channels: Iterable[str],
    window: tuple[int, int] | None = None,
    weekday: int | None = None,
    inconvenient: Iterable[InconvenientTime] = (),
    contact_span: tuple[int, int] = CONTACT_SPAN,
    probe: Probe | None = None,
) -> Allowed:
    """The arms the policies allow today, each at its first allowed minute.

    `channels` are those with consent and no opt-out (`eligible_channels`); `window` is the step's
    `at` window in local minutes [start, end), None for the whole day; `weekday` (0 = Monday) the
    local weekday, for designations limited to some days (None: every designation applies);
    `contact_span` the convenient hours in every zone the patient may be in. `probe`, when given,
    is the guard: an arm stays only if the guard allows its minute or a later one in the same hour.
    """
    wanted = tuple(sorted({channel for channel in channels if channel in CHANNELS}))
    designations = tuple(inconvenient)
    if probe is None:
        try:
            return policy_arms(wanted, window, weekday, designations, contact_span)
        except TypeError:  # an unhashable argument: same answer, just not remembered
            return policy_arms.__wrapped__(wanted, window, weekday, designations, contact_span)
    spans = free_spans(window, weekday, designations, contact_span)
    minutes: dict[Arm, int] = {}
    for channel in wanted:
        for hour, first in hour_starts(tuple(spans)):
            probed = probed_minute(probe, channel, first, hour, spans)
            if probed is not None:
                minutes[(channel, hour)] = probed
    return Allowed(minutes)


@lru_cache(maxsize=ALLOWED_MEMO_SIZE)
def policy_arms(
    channels: tuple[str, ...],
    window: tuple[int, int] | None,
    weekday: int | None,
    inconvenient: tuple[InconvenientTime, ...],
    contact_span: tuple[int, int],
) -> Allowed:
    """`allowed_arms` without a guard: a value of its (immutable) arguments, so it is remembered.

    Requests repeat a few channel sets, windows and weekdays; `not_before` moves the window by the
    minute, so a day's distinct keys stay in the thousands (`ALLOWED_MEMO_SIZE`, least recently used out).
    """
    starts = hour_starts(tuple(free_spans(window, weekday, inconvenient, contact_span)))
    return Allowed({(channel, hour): first for channel in channels for hour, first in starts})


def free_spans(
    window: tuple[int, int] | None,
    weekday: int | None,
    inconvenient: tuple[InconvenientTime, ...],
    contact_span: tuple[int, int],
) -> list[tuple[int, int]]:
    """Local [start, end) minute spans inside the window and the contact hours, minus inconvenient times."""
    start, end = contact_span
    if window is not None:
        start, end = max(start, window[0]), min(end, window[1])
    spans = [(start, end)] if start < end else []
    for designation in inconvenient:
        if weekday is not None and designation.weekdays and weekday not in designation.weekdays:
            continue
        cut_start, cut_end = designation.start_minute, designation.end_minute
        spans = [
            piece
            for low, high in spans
            for piece in ((low, min(high, cut_start)), (max(low, cut_end), high))
            if piece[0] < piece[1]
        ]
    return spans


def first_minute(spans: list[tuple[int, int]], hour: int) -> int | None:
    """The first minute of `hour` inside any span, or None."""
    found = [max(low, hour * 60) for low, high in spans if max(low, hour * 60) < min(high, hour * 60 + 60)]
    return min(found) if found else None


def hour_starts(spans: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """(hour, `first_minute(spans, hour)`) for every hour of the day that has one, in hour order.

    Each span is visited only over the hours it touches instead of asking all 24 hours of every
    span; the test per hour is `first_minute`'s own, so the minutes are the same.
    """
    firsts: dict[int, int] = {}
    for low, high in spans:
        # A superset of the hours [low, high) touches, clipped to the day; the test below decides.
        for hour in range(max(0, int(low // 60) - 1), min(24, int(-(-high // 60)) + 1)):
            minute = max(low, hour * 60)
            if minute < min(high, hour * 60 + 60) and (hour not in firsts or minute < firsts[hour]):
                firsts[hour] = minute
    return tuple(sorted(firsts.items()))


def probed_minute(probe: Probe, channel: str, minute: int, hour: int, spans: list[tuple[int, int]]) -> int | None:
    """The minute of this hour the guard allows: `minute`, or once its `next_allowed_at` hint, re-asked."""
    answer = probe(channel, minute)
    if answer == minute or answer is None:
        return answer
    if not hour * 60 <= answer < hour * 60 + 60 or not any(low <= answer < high for low, high in spans):
        return None
    # The hint is a lower bound from the rules that refused, not a promise: the guard must say yes to it.
    return answer if probe(channel, answer) == answer else None
