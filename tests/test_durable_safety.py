"""The durable-rules adapter never reaches the library's known failures.

durable-rules 2.0.28 fails in ways that can take the interpreter with it (a 1,024-session limit,
a fact no rule matches, a ruleset name registered twice, an action's exception swallowed into
the state, a negated existence test that hangs). Each scenario below runs in its own Python
process with a timeout, so a regression fails the test cleanly instead of hanging or killing the
suite, and so each starts with a fresh durable host. The `library_*` scenarios show each hazard
is real in the raw library, so the adapter's guard against it is not a guard against nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import signal
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dsl import ast, parse
from engine.account import Account, AccountEvent
from engine.decide import Decision, decide
from engine.evaluators import build_plan
from engine.plan import Plan

TESTS = Path(__file__).parent
DESIGN = TESTS / "fixtures" / "design" / "strategy.parley"
PLACED = dt.date(2026, 3, 2)
ZONE = ZoneInfo("America/Chicago")
DAYS = [0, 3, 5, 7, 10, 13, 16, 4, 70]


def run_isolated(scenario: str, timeout: float = 120, crash_is_the_hazard: bool = False) -> str:
    """Run `scenario()` of this module in a fresh interpreter; fail on a crash, an error or a hang.

    `crash_is_the_hazard`: a scenario showing a raw-library hazard may also end in a segmentation
    fault, which shows the same hazard (the library's session limit does so now and then under load).
    """
    code = f"import sys; sys.path.insert(0, {str(TESTS)!r}); import test_durable_safety as t; t.{scenario}()"
    try:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{scenario} did not finish in {timeout:.0f} s: durable-rules hung")
    if crash_is_the_hazard and result.returncode == -signal.SIGSEGV:
        return result.stdout
    assert result.returncode == 0, f"{scenario} exited with {result.returncode}:\n{result.stderr[-4000:]}"
    return result.stdout


# ---------------------------------------------------------------- helpers for the scenarios


def design_plans() -> tuple[Plan, Plan]:
    """The design strategy on the reference and the durable evaluator."""
    text = DESIGN.read_text()
    program = parse(text).program
    assert isinstance(program, ast.Strategy)
    return build_plan(program, text, "reference"), build_plan(program, text, "durable")


def random_account(rng: random.Random, number: int) -> tuple[Account, dt.datetime]:
    """A distinct account (its own facts, sometimes a reply) and an instant on one of the step days."""
    facts: dict[str, object] = {
        "balance": Decimal(rng.randint(5_000, 30_000)) / 100,
        "days_past_due": rng.randint(60, 400),
        "paid": rng.random() < 0.1,
        "disputed": rng.random() < 0.05,
        "score.distress": Decimal(rng.randint(0, 100)) / 100,
        "sentiment.confusion": Decimal(rng.randint(0, 100)) / 100,
    }
    now = dt.datetime.combine(PLACED + dt.timedelta(days=rng.choice(DAYS)), dt.time(rng.randint(7, 20)), ZONE)
    reply = AccountEvent(f"E{number}", "reply", now - dt.timedelta(hours=2), {"intent.hardship": rng.random() < 0.3})
    events = (reply,) if rng.random() < 0.3 else ()
    return Account(f"A{number}", PLACED, "America/Chicago", facts, events), now


def same(one: Decision, other: Decision) -> bool:
    """Two decisions agree in everything they return."""
    return one.proposals == other.proposals and one.trace.to_dict() == other.trace.to_dict()


def sessions_opened() -> int:
    """How many durable sessions this process has opened so far."""
    from engine import durable_backend

    return next(durable_backend._session_numbers) - 1


# ---------------------------------------------------------------- scenarios (run in their own process)


def scenario_5000_accounts() -> None:
    """5,000 distinct accounts through one durable plan: far past the 1,024 live sessions a ruleset holds."""
    reference, durable = design_plans()
    rng = random.Random(4)
    for number in range(5_000):
        account, now = random_account(rng, number)
        assert same(decide(durable, account, now), decide(reference, account, now)), account
    opened = sessions_opened()
    assert opened > 5_000, opened
    print(f"5000 accounts, {opened} durable sessions")


def scenario_no_rule_matches() -> None:
    """Facts that satisfy no condition, again and again: the catch-all rule keeps each post handled."""
    text = 'strategy "Narrow" version 1\n  audience balance > $1,000 and paid\n  stop when disputed\nend\n'
    program = parse(text).program
    assert isinstance(program, ast.Strategy)
    plan = build_plan(program, text, "durable")
    now = dt.datetime(2026, 3, 5, 9, 0, tzinfo=ZONE)
    for number in range(2_000):
        facts = {"balance": Decimal(number) / 100, "paid": False, "disputed": False}
        decision = decide(plan, Account(f"A{number}", PLACED, "America/Chicago", facts), now)
        assert decision.proposals == () and "audience" in decision.trace.outcome
    print(f"2000 unmatched posts, {sessions_opened()} sessions")


def scenario_same_strategy_twice() -> None:
    """Two plans of one strategy in one process keep their own rulesets; interleaved, both stay right."""
    reference, first = design_plans()
    _, second = design_plans()
    rng = random.Random(7)
    for number in range(300):
        account, now = random_account(rng, number)
        expected = decide(reference, account, now)
        assert same(decide(first, account, now), expected) and same(decide(second, account, now), expected)


def scenario_error_surfaces() -> None:
    """An exception inside a rule's action becomes DurableError, and leaves no session behind."""
    from engine import durable_backend
    from engine.durable_backend import DurableConditions, DurableError

    working = DurableConditions.recorder

    def broken(self: DurableConditions, number: int):
        def record(c: object) -> None:
            raise RuntimeError("recorder broke")

        return record if number == 0 else working(self, number)

    text = (
        'strategy "Everyone" version 1\n  audience balance >= $0\n  step "Hi" on day 0\n    send sms "hi"\n  end\nend\n'
    )
    program = parse(text).program
    assert isinstance(program, ast.Strategy)
    now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZONE)
    durable_backend.DurableConditions.recorder = broken  # type: ignore[method-assign]
    durable = build_plan(program, text, "durable")
    for number in range(1_100):  # more failures than live sessions a ruleset holds
        account = Account(f"A{number}", PLACED, "America/Chicago", {"balance": Decimal(number)})
        try:
            decide(durable, account, now)
        except DurableError as error:
            assert "recorder broke" in str(error)
        else:
            raise AssertionError("an exception inside durable-rules was swallowed")
    durable_backend.DurableConditions.recorder = working  # type: ignore[method-assign]
    reference, durable = design_plans()
    rng = random.Random(9)
    for number in range(200):
        account, now = random_account(rng, number)
        assert same(decide(durable, account, now), decide(reference, account, now))


def scenario_threads() -> None:
    """Eight threads deciding on one new durable plan get the reference's answers."""
    reference, durable = design_plans()
    wrong: list[object] = []
    start = threading.Barrier(8)
    sys.setswitchinterval(1e-6)  # switch threads often, so a race shows

    def work(seed: int) -> None:
        rng = random.Random(seed)
        start.wait()  # the first decisions (which build the ruleset) all at once
        try:
            for number in range(300):
                account, now = random_account(rng, number)
                if not same(decide(durable, account, now), decide(reference, account, now)):
                    wrong.append(account)
        except Exception as error:
            wrong.append(error)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not wrong, wrong[:3]


def scenario_wide_condition() -> None:
    """A negated `or` of six ranges has 4,096 conjuncts in DNF; it is matched atom by atom instead."""
    ranges = " or ".join(f"balance between ${low} and ${low + 1}" for low in range(1, 12, 2))
    text = f'strategy "Wide" version 1\n  audience not ({ranges}) and not paid\nend\n'
    program = parse(text).program
    assert isinstance(program, ast.Strategy)
    reference, durable = build_plan(program, text, "reference"), build_plan(program, text, "durable")
    now = dt.datetime(2026, 3, 5, 9, 0, tzinfo=ZONE)
    for cents in [*range(0, 1_400, 50), 99, 101, 199, 201]:
        for paid in (True, False, None, 1):
            facts = {"balance": Decimal(cents) / 100, "paid": paid}
            account = Account(f"A{cents}", PLACED, "America/Chicago", facts)
            assert same(decide(durable, account, now), decide(reference, account, now)), facts


def scenario_library_session_limit() -> None:
    """The raw library: a ruleset holding sessions it never deletes fails before 2,000."""
    from durable.lang import assert_fact, m, ruleset, when_all

    with ruleset("raw_sessions"):
        when_all(+m.x)(lambda c: None)
    try:
        for number in range(2_000):
            assert_fact("raw_sessions", {"sid": f"s{number}", "x": 1})
    except MemoryError:
        print(f"failed at session {number}")
        return
    raise AssertionError("2,000 live sessions: the limit the adapter guards against is gone")


def scenario_library_unmatched_fact() -> None:
    """The raw library: a fact no rule matches is refused, which the adapter's catch-all prevents."""
    from durable.engine import MessageNotHandledException
    from durable.lang import assert_fact, m, ruleset, when_all

    with ruleset("raw_unmatched"):
        when_all(m.x > 5)(lambda c: None)
    try:
        assert_fact("raw_unmatched", {"sid": "s1", "x": 1})
    except MessageNotHandledException:
        return
    raise AssertionError("an unmatched fact was accepted: the catch-all may no longer be needed")


def scenario_library_name_twice() -> None:
    """The raw library: a second ruleset with a name silently replaces the first one's rules."""
    from durable.engine import MessageNotHandledException
    from durable.lang import assert_fact, m, ruleset, when_all

    with ruleset("raw_twice"):
        when_all(m.x > 5)(lambda c: None)
    with ruleset("raw_twice"):
        when_all(m.x < 5)(lambda c: None)
    try:
        assert_fact("raw_twice", {"sid": "s1", "x": 10})
    except MessageNotHandledException:
        return
    raise AssertionError("the first ruleset's rule still matched")


def scenario_library_swallows_errors() -> None:
    """The raw library: an action's exception comes back inside the state, not raised."""
    from durable.lang import assert_fact, m, ruleset, when_all

    def boom(c: object) -> None:
        raise RuntimeError("boom")

    with ruleset("raw_errors"):
        when_all(m.x > 5)(boom)
    state = assert_fact("raw_errors", {"sid": "s1", "x": 10})
    assert "boom" in str(state.get("exception")), state


# ---------------------------------------------------------------- the tests


def scenario_many_sibling_tests() -> None:
    """Up to 300 ordering tests on one fact (one condition each, and one wide `or`) match as the reference."""
    from engine.durable_backend import DurableConditions
    from engine.values import compare

    balance = ast.Name("balance")
    tests = [ast.Compare(">", balance, ast.NumberLit(Decimal(k))) for k in range(300)]
    backend = DurableConditions("siblings")
    one_each = [backend.compile_expr(t, {}) for t in tests]
    anyone = backend.compile_expr(ast.Or(tuple(tests[:100])), {})
    for value in (Decimal(-1), Decimal(0), Decimal(64), Decimal("150.5"), Decimal(1000)):
        facts = {"balance": value}
        assert [p(facts) for p in one_each] == [compare(">", value, Decimal(k)) for k in range(300)]
        assert anyone(facts) == (value > 0)


def scenario_library_sibling_stack() -> None:
    """The raw library: 64 ordering tests on one field fail a fact with error 303 (the stack is full)."""
    from durable.lang import assert_fact, m, ruleset, when_all

    with ruleset("raw_siblings"):
        for k in range(64):
            when_all((m.kind == 2) & (m.x > k))(lambda c: None)  # as the adapter writes a number test
        when_all(+m.parley)(lambda c: None)  # and its catch-all
    try:
        assert_fact("raw_siblings", {"sid": "s1", "parley": 1, "kind": 2, "x": 1000})
    except Exception as error:  # durable_rules_engine.error, not importable by name
        assert "303" in str(error), error
        return
    raise AssertionError("64 sibling tests were evaluated: the stack limit the adapter avoids is gone")


@pytest.mark.slow
def test_5000_accounts_in_one_process() -> None:
    assert "5000 accounts" in run_isolated("scenario_5000_accounts", timeout=180)


ADAPTER_SCENARIOS = [
    "scenario_no_rule_matches",
    "scenario_same_strategy_twice",
    "scenario_error_surfaces",
    "scenario_threads",
    "scenario_wide_condition",
    "scenario_many_sibling_tests",
]
LIBRARY_SCENARIOS = [
    "scenario_library_session_limit",
    "scenario_library_unmatched_fact",
    "scenario_library_name_twice",
    "scenario_library_swallows_errors",
    "scenario_library_sibling_stack",
]


@pytest.mark.parametrize("scenario", ADAPTER_SCENARIOS)
def test_the_adapter_stays_clear(scenario: str) -> None:
    run_isolated(scenario)


# The raw library past 1,024 sessions: a MemoryError, or a crash of the whole interpreter.
CRASHING_HAZARDS = frozenset({"scenario_library_session_limit"})


@pytest.mark.parametrize("scenario", LIBRARY_SCENARIOS)
def test_the_hazard_is_real(scenario: str) -> None:
    run_isolated(scenario, timeout=60, crash_is_the_hazard=scenario in CRASHING_HAZARDS)


def test_a_hang_fails_cleanly() -> None:
    with pytest.raises(pytest.fail.Exception, match="did not finish"):
        run_isolated("scenario_hang", timeout=3)


def scenario_hang() -> None:
    """Stands in for a durable-rules hang, to show the harness turns it into a failure."""
    threading.Event().wait()
