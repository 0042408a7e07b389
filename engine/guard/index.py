"""What a case's ledger says independently of the instant judged, worked out once per case.

Judging one proposal, and searching forward for `next_allowed_at`, asks the same questions of
the same rows many times: which contact point a row used, which `at PLACE` words it satisfies,
which debts it counts toward, which rows a cap could count. The answers that do not depend on the
instant live here; `engine.guard.history.View` cuts them at its instant and applies the few
answers that do (numbers learned to be someone else's, consents).
"""

from __future__ import annotations

import functools
from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING

from dsl.checks.acts import TEMPLATE_WORDS
from engine.guard import case as c
from engine.guard.lazy import lazy

if TYPE_CHECKING:
    import datetime as dt

Key = tuple[frozenset[str], str, str | None]


class CaseIndex:
    """Per-case answers about ledger rows, and memoised row lists for each cap."""

    def __init__(self, case: c.Case) -> None:
        self.case = case
        self.first_debt = case.debts[0].id
        self._points: dict[tuple[str, str | None], c.ContactPoint | None] = {}
        self._places: dict[tuple[str, str | None], frozenset[str]] = {}
        self._counted: dict[Key, tuple[list[dt.datetime], list[int], list[c.Entry]]] = {}
        self._telephone: dict[str | None, tuple[list[dt.datetime], list[c.Entry]]] | None = None
        self.first_communications: dict[str, list[c.Entry]] = {}

    # Each answer below is worked out when a rule first asks for it: most proposals reach only a
    # few of the rules that would need them.

    @lazy
    def not_patients(self) -> frozenset[str]:
        """Contact points the case says belong to someone else."""
        return frozenset(p.id for p in self.case.patient.contact_points if not p.belongs_to_patient)

    @lazy
    def dynamic(self) -> bool:
        """Facts that change what counts over time; without them the static lists are the answer."""
        return any(
            e.type == "number_not_patient" or (e.type in ("consent_given", "consent_revoked") and e.kind is None)
            for e in self.case.events
        )

    @lazy
    def counted_debts(self) -> dict[int, tuple[str, ...]]:
        """Ledger row index → the debts it counts toward."""
        return {e.index: self._counted_debts(e) for e in self.case.history}

    @lazy
    def conversations(self) -> list[c.Entry]:
        """Telephone conversations, whoever placed the call."""
        return [e for e in self.case.history if e.channel == "call" and e.outcome == "conversation"]

    @lazy
    def conversation_times(self) -> list[dt.datetime]:
        """The conversations' instants, for bisecting."""
        return [e.at for e in self.conversations]

    @lazy
    def events_by_type(self) -> dict[str, tuple[list[dt.datetime], list[c.Event]]]:
        """Event type → its events' instants and the events, in time order."""
        found: dict[str, tuple[list[dt.datetime], list[c.Event]]] = {}
        for event in self.case.events:
            times, events = found.setdefault(event.type, ([], []))
            times.append(event.at)
            events.append(event)
        return found

    @lazy
    def by_template(self) -> dict[str, list[c.Entry]]:
        """Template → outbound rows that carried it and were not undeliverable.

        A row is also listed under each notice word its template is read as, as the checker reads
        it (`hospital_eca_notice` is an `eca_notice`: `dsl.checks.acts.TEMPLATE_WORDS`).
        """
        found: dict[str, list[c.Entry]] = {}
        for entry in self.case.history:
            if entry.template and entry.direction == "outbound" and entry.outcome != "undeliverable":
                found.setdefault(entry.template, []).append(entry)
                for word in notice_words(entry.template):
                    found.setdefault(word, []).append(entry)
        return found

    def events_until(self, kind: str, at: dt.datetime) -> list[c.Event]:
        """Events of a type at or before an instant."""
        found = self.events_by_type.get(kind)
        if found is None:
            return []
        times, events = found
        return events[: bisect_right(times, at)]

    def telephone_to(self, point: str | None, at: dt.datetime) -> list[c.Entry]:
        """Outbound calls and voicemails to one contact point (None: unnamed) strictly before an instant."""
        if self._telephone is None:
            grouped: dict[str | None, tuple[list[dt.datetime], list[c.Entry]]] = {}
            for entry in self.case.history:
                if entry.direction == "outbound" and entry.channel in ("call", "voicemail"):
                    resolved = self.resolve(entry.channel, entry.to)
                    times, rows = grouped.setdefault(resolved.id if resolved else None, ([], []))
                    times.append(entry.at)
                    rows.append(entry)
            self._telephone = grouped
        times, rows = self._telephone.get(point, ([], []))
        return rows[: bisect_left(times, at)]

    def resolve(self, channel: str, to: str | None) -> c.ContactPoint | None:
        """The contact point a contact used: the named one, or the patient's only one of its kind."""
        key = (channel, to)
        if key not in self._points:
            patient = self.case.patient
            if to is not None:
                self._points[key] = patient.point(to)
            else:
                kinds = c.REACHES.get(channel, ())
                candidates = [p for p in patient.contact_points if p.kind in kinds]
                self._points[key] = candidates[0] if len(candidates) == 1 else None
        return self._points[key]

    def place_words(self, channel: str, to: str | None) -> frozenset[str]:
        """The `at PLACE` words a contact satisfies: `personal` (`home`, `mobile`), or `work`/`other`."""
        key = (channel, to)
        found = self._places.get(key)
        if found is None:
            point = self.resolve(channel, to)
            if point is not None and (point.place == "work" or point.employer_provided):
                found = frozenset({"work", "other"})
            else:
                words = {"personal"}
                if point is not None and point.place == "home":
                    words.add("home")
                if point is not None and point.kind == "mobile":
                    words.add("mobile")
                found = frozenset(words)
            self._places[key] = found
        return found

    def _counted_debts(self, entry: c.Entry) -> tuple[str, ...]:
        """The debts an outbound contact counts toward (comment 14(b)(4)-1.i).

        A conversation or a voicemail counts toward each debt it names; an unanswered call, a
        limited-content message or a contact naming no debt counts toward one: the first named,
        else the account's first debt. `counted_for` on the row overrides, as the ledger decided.
        """
        if entry.counted_for is not None:
            return entry.counted_for or (self.first_debt,)
        if entry.debts and (entry.outcome in c.COUNTS_FOR_EACH_DEBT or c.is_full_voicemail(entry)):
            return entry.debts
        return entry.debts[:1] or (self.first_debt,)

    def candidates(
        self, channels: frozenset[str], debt: str, place: str | None
    ) -> tuple[list[dt.datetime], list[int], list[c.Entry]]:
        """Rows a cap could count, whatever the instant: outbound, connected, on its channels, place and debt."""
        key = (channels, debt, place)
        found = self._counted.get(key)
        if found is None:
            not_patients = self.not_patients
            rows = []
            for e in self.case.history:
                if e.channel not in channels or e.direction != "outbound" or e.outcome in c.NOT_CONNECTED:
                    continue
                if e.to is not None and e.to in not_patients:
                    continue
                if place is not None and place not in self.place_words(e.channel, e.to):
                    continue
                # the row's debts worked out only for the rows that got this far (most are not calls)
                if debt == "*" or debt in self._counted_debts(e):
                    rows.append(e)
            found = ([e.at for e in rows], [e.day for e in rows], rows)  # days ascend with the instants
            self._counted[key] = found
        return found

    def before(
        self, channels: frozenset[str], debt: str, place: str | None, at: dt.datetime, since_day: int | None = None
    ) -> list[c.Entry]:
        """The candidate rows strictly before an instant (and on or after a local day, if given)."""
        times, days, rows = self.candidates(channels, debt, place)
        start = 0 if since_day is None else bisect_left(days, since_day)
        return rows[start : bisect_left(times, at)]


@functools.lru_cache(maxsize=256)
def notice_words(template: str) -> tuple[str, ...]:
    """The notice words a template is read as, besides its own name (`hospital_eca_notice` → `eca_notice`)."""
    return tuple(word for word, part in TEMPLATE_WORDS.items() if part in template and word != template)
