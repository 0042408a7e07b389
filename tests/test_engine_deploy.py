"""Deploying a strategy version swaps its plan between decisions: before, after, concurrently, and back."""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from dsl import ast, parse
from engine.account import Account
from engine.decide import decide
from engine.deploy import EMPTY, DeployRefused, LivePlans, PlanBook, deploy, rollback
from engine.plan import Plan, compile_plan

ZONE = ZoneInfo("America/Chicago")
PLACED = dt.date(2026, 3, 2)
ACCOUNT = Account("A1", PLACED, "America/Chicago", {"balance": Decimal("180"), "paid": False})
DAY_3 = dt.datetime(2026, 3, 5, 9, 0, tzinfo=ZONE)


def plan_of(name: str, version: int, channel: str) -> Plan:
    """A one-step strategy that sends on day 3 by `channel`."""
    text = f'strategy "{name}" version {version}\n  step "Remind" on day 3\n    send {channel} "reminder"\n  end\nend\n'
    program = parse(text).program
    assert isinstance(program, ast.Strategy)
    return compile_plan(program, text)


A1, A2, A2_OTHER = plan_of("A", 1, "sms"), plan_of("A", 2, "email"), plan_of("A", 2, "letter")
B1, B2 = plan_of("B", 1, "sms"), plan_of("B", 2, "email")


def live_channels(book: PlanBook, name: str) -> list[str | None]:
    """The channels the strategy's live plan sends on day 3."""
    plan = book.plan(name)
    assert plan is not None
    return [p.channel for p in decide(plan, ACCOUNT, DAY_3).proposals]


# ---------------------------------------------------------------- the pure book


def build(*steps: Callable[[PlanBook], PlanBook]) -> PlanBook:
    book = EMPTY
    for step in steps:
        book = step(book)
    return book


def put(plan: Plan) -> Callable[[PlanBook], PlanBook]:
    return lambda book: deploy(book, plan)


def back(name: str) -> Callable[[PlanBook], PlanBook]:
    return lambda book: rollback(book, name)


# (what happens, the steps, the live versions by name, the history of A by version)
BOOK_CASES = [
    ("first deploy", [put(A1)], {"A": 1}, [1]),
    ("new version goes live", [put(A1), put(A2)], {"A": 2}, [1, 2]),
    ("same text again changes nothing", [put(A1), put(A2), put(A2)], {"A": 2}, [1, 2]),
    ("other strategies are untouched", [put(A1), put(B1), put(A2)], {"A": 2, "B": 1}, [1, 2]),
    ("rollback brings the previous version back", [put(A1), put(A2), back("A")], {"A": 1}, [1]),
    ("an old text redeployed goes live again", [put(A1), put(A2), put(A1)], {"A": 1}, [2, 1]),
]


@pytest.mark.parametrize(("steps", "live", "history"), [c[1:] for c in BOOK_CASES], ids=[c[0] for c in BOOK_CASES])
def test_plan_book(steps: list, live: dict[str, int], history: list[int]) -> None:
    book = build(*steps)
    assert {d.name: d.version for d in book.deployed()} == live
    assert [p.version for p in book.history("A")] == history


REFUSALS = [
    ("one version, two texts", [put(A1), put(A2), put(A2_OTHER)], "version 2 of `A` is already deployed"),
    ("rollback past the first version", [put(A1), back("A")], "has no earlier version"),
    ("rollback of a strategy never deployed", [back("A")], "is not deployed"),
]


@pytest.mark.parametrize(("steps", "message"), [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS])
def test_refused_changes(steps: list, message: str) -> None:
    with pytest.raises(DeployRefused, match=message):
        build(*steps)


def test_a_book_is_a_value() -> None:
    before = build(put(A1))
    after = deploy(before, A2)
    assert before.plan("A") is A1 and after.plan("A") is A2
    assert after.revision == before.revision + 1
    assert deploy(after, A2) is after  # nothing changed, nothing new
    assert after.deployed()[0].content_hash == A2.content_hash


# ---------------------------------------------------------------- decisions before and after


def test_decisions_follow_the_deployed_plan() -> None:
    live = LivePlans()
    live.deploy(A1)
    assert live_channels(live.book, "A") == ["sms"]
    snapshot = live.book
    live.deploy(A2)
    assert live_channels(live.book, "A") == ["email"]
    assert live_channels(snapshot, "A") == ["sms"]  # a decision under way keeps its plan
    plan = live.plan("A")
    assert plan is not None and decide(plan, ACCOUNT, DAY_3).strategy_hash == A2.content_hash
    live.rollback("A")
    assert live_channels(live.book, "A") == ["sms"]
    assert decide(live.plan("A"), ACCOUNT, DAY_3).strategy_hash == A1.content_hash  # type: ignore[arg-type]


# ---------------------------------------------------------------- concurrency


class MutatingHolder:
    """A holder done wrong, to show the torn-state check can fail: it edits one dict in place."""

    def __init__(self) -> None:
        self.plans: dict[str, Plan] = {}

    @property
    def book(self) -> PlanBook:
        return PlanBook({name: (plan,) for name, plan in self.plans.items()})

    def deploy(self, *plans: Plan) -> None:
        for plan in plans:
            self.plans[plan.strategy.name] = plan
            time.sleep(0.0005)

    def rollback(self, *names: str) -> None:
        self.deploy(*(B1 if name == "B" else A1 for name in names))


def torn_reads(holder: LivePlans | MutatingHolder, seconds: float) -> tuple[int, int]:
    """Deploy A and B together, back and forth, while readers decide; count (torn reads, decisions)."""
    expected = {1: ["sms"], 2: ["email"]}
    torn = decisions = 0
    stop = threading.Event()
    lock = threading.Lock()
    errors: list[BaseException] = []

    def reader() -> None:
        nonlocal torn, decisions
        while not stop.is_set():
            book = holder.book  # one snapshot per decision, as the runtime takes it
            a, b = book.plan("A"), book.plan("B")
            if a is None or b is None:
                raise AssertionError("a strategy vanished from the book")
            seen = [p.channel for p in decide(a, ACCOUNT, DAY_3).proposals]
            with lock:
                decisions += 1
                torn += a.version != b.version or seen != expected[a.version]

    def writer() -> None:
        while not stop.is_set():
            holder.deploy(A2, B2)
            holder.rollback("A", "B")

    def recording(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as error:  # a thread's failure must fail the test, not vanish
                errors.append(error)
                stop.set()

        return run

    holder.deploy(A1, B1)
    threads = [threading.Thread(target=recording(reader)) for _ in range(4)]
    threads.append(threading.Thread(target=recording(writer)))
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, so a torn state would be seen
    try:
        for thread in threads:
            thread.start()
        time.sleep(seconds)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        sys.setswitchinterval(interval)
    assert not errors, errors
    return torn, decisions


def test_concurrent_decisions_never_see_a_half_deployed_book() -> None:
    torn, decisions = torn_reads(LivePlans(), 1.5)
    assert decisions > 100 and torn == 0


def test_the_torn_state_check_catches_an_in_place_holder() -> None:
    torn, _ = torn_reads(MutatingHolder(), 1.0)
    assert torn > 0


def test_concurrent_deploys_lose_none() -> None:
    live = LivePlans()
    plans = [[plan_of(f"S{thread}-{n}", 1, "sms") for n in range(40)] for thread in range(8)]

    def deploy_all(batch: list[Plan]) -> None:
        for plan in batch:
            live.deploy(plan)

    threads = [threading.Thread(target=deploy_all, args=(batch,)) for batch in plans]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # without the lock, deploys interleave and some are lost
    try:
        for thread in threads:
            thread.start()
    finally:
        for thread in threads:
            thread.join()
        sys.setswitchinterval(interval)
    assert len(live.book) == 8 * 40
    assert live.book.revision == 8 * 40
