"""Deploying a strategy version: swap its compiled plan while decisions keep running, no restart.

A `PlanBook` is an immutable value: for each strategy name, the plans deployed so far, the live
one last. `deploy(book, plan)` and `rollback(book, name)` are pure and return a new book; the
old one stays valid, so a decision that began with it finishes on the plan it started with.

`LivePlans` is the one mutable piece, for the runtime service: it holds the current book and
swaps it for a new one under a lock. Readers take `live.book` (one reference read, atomic) and
decide on that snapshot without locking; since a book never changes once built, a reader sees
the whole old book or the whole new one, never a half-deployed mix. Writers lock because a
deploy is read-modify-write: two deploys at once would each start from the same old book, and
the later swap would silently undo the earlier deploy.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from engine.plan import Plan


class DeployRefused(ValueError):
    """A deploy or rollback that would make the book ambiguous or empty a strategy's history."""


@dataclass(frozen=True)
class Deployed:
    """What the runtime reports about a live strategy: its version and the hash of its text."""

    name: str
    version: int
    content_hash: str


@dataclass(frozen=True)
class PlanBook:
    """Strategy name → the plans deployed for it, oldest first; the last one is live."""

    histories: Mapping[str, tuple[Plan, ...]] = field(default_factory=lambda: MappingProxyType({}))
    revision: int = 0  # grows by one with every change, so a cache can tell books apart

    def plan(self, name: str) -> Plan | None:
        """The live plan of a strategy, or None when none is deployed."""
        history = self.histories.get(name)
        return history[-1] if history else None

    def history(self, name: str) -> tuple[Plan, ...]:
        """Every plan deployed for a strategy and not rolled back, oldest first."""
        return self.histories.get(name, ())

    def deployed(self) -> tuple[Deployed, ...]:
        """The live version and content hash of every strategy, by name."""
        return tuple(
            Deployed(name, history[-1].version, history[-1].content_hash)
            for name, history in sorted(self.histories.items())
        )

    def __contains__(self, name: object) -> bool:
        return name in self.histories

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.histories))

    def __len__(self) -> int:
        return len(self.histories)


EMPTY = PlanBook()


def deploy(book: PlanBook, plan: Plan) -> PlanBook:
    """A book in which `plan` is its strategy's live plan.

    Deploying the live text again changes nothing. A version number names one text: deploying a
    different text under a version already deployed is refused, because decisions record the
    version and an auditor must be able to tell which text made them.
    """
    name = plan.strategy.name
    history = book.history(name)
    if history and history[-1].content_hash == plan.content_hash:
        return book
    for earlier in history:
        if earlier.version == plan.version and earlier.content_hash != plan.content_hash:
            raise DeployRefused(
                f"version {plan.version} of `{name}` is already deployed with other content; raise its version"
            )
    kept = tuple(earlier for earlier in history if earlier.content_hash != plan.content_hash)
    return replaced(book, name, (*kept, plan))


def rollback(book: PlanBook, name: str) -> PlanBook:
    """A book in which the strategy's previous plan is live again and the current one is gone."""
    history = book.history(name)
    if len(history) < 2:
        what = "is not deployed" if not history else "has no earlier version to go back to"
        raise DeployRefused(f"strategy `{name}` {what}")
    return replaced(book, name, history[:-1])


def replaced(book: PlanBook, name: str, history: tuple[Plan, ...]) -> PlanBook:
    """A copy of `book` with one strategy's history replaced."""
    histories = {**book.histories, name: history}
    return PlanBook(MappingProxyType(histories), book.revision + 1)


class LivePlans:
    """The runtime's current plan book, swapped whole under a lock (see the module docstring)."""

    def __init__(self, book: PlanBook = EMPTY) -> None:
        self._book = book
        self._lock = threading.Lock()

    @property
    def book(self) -> PlanBook:
        """The current book: take it once per decision and decide on that snapshot."""
        return self._book

    def plan(self, name: str) -> Plan | None:
        """The live plan of a strategy in the current book."""
        return self._book.plan(name)

    def deploy(self, *plans: Plan) -> PlanBook:
        """Deploy several plans as one change: readers see all of them live, or none."""
        with self._lock:
            book = self._book
            for plan in plans:
                book = deploy(book, plan)
            self._book = book  # INVARIANT: the only write; one reference swap
            return book

    def rollback(self, *names: str) -> PlanBook:
        """Roll several strategies back as one change."""
        with self._lock:
            book = self._book
            for name in names:
                book = rollback(book, name)
            self._book = book
            return book
