"""The ledger is race-free: 8 processes × 2,000 decide calls over 50 shared accounts on PostgreSQL,
then an independent recount of the whole ledger against the packs' caps finds zero violations.

The strategy is far more eager than the law (three calls a day, the checker would refuse it), so
the caps bind all the time: Regulation F's 7 calls in 7 days per debt is what stops most calls.
The processes share one clock that advances with every call (all 16,000 calls span about four
weeks from 09:00 New York time on day 1), the way workers share the wall clock: a decision can
still arrive just after a later one (it read the clock, then waited for the account's lock), and
at night the guard moves calls to 08:00, where contacts of different decisions meet at the same
instant.

That the recount can fail is shown by running the same load without the account lock, once, by
hand (it is not a test, since how many violations a race produces varies from run to run):

    PARLEY_TEST_DATABASE_URL=postgresql+psycopg://… .venv/bin/python tests/test_ledger_race_pg.py --no-lock

Needs PARLEY_TEST_DATABASE_URL; skipped without it. Sizes: PARLEY_RACE_PROCESSES, PARLEY_RACE_CALLS.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # db_fixtures, also when run as a script

from db_fixtures import *  # noqa: F403  (pytest finds the fixture postgres_url here)
from db_fixtures import (
    EAGER_TEXT,
    PG_ENV,
    T0,
    fresh_postgres_schema,
    guard_rules,
    plan_of,
    seed_account,
)
from sqlmodel import Session, func, select

from runtime.db.database import make_engine, read_session, transaction
from runtime.db.migrate import upgrade
from runtime.db.tables import AccountRow, ContactRow, DecisionRow, OutboxRow
from runtime.store import audit
from runtime.store.ledger import caps_from_rules, recount_violations

PROCESSES = int(os.environ.get("PARLEY_RACE_PROCESSES", "8"))
CALLS = int(os.environ.get("PARLEY_RACE_CALLS", "2000"))
ACCOUNTS = 50
STEP = dt.timedelta(minutes=20)  # the clock per call of one process: 2,000 calls ≈ 28 days


def worker(
    url: str, index: int, calls: int, lock: bool, results: multiprocessing.Queue, clock: Any, processes: int
) -> None:
    """One process: `calls` decisions on random shared accounts, reading the shared clock for each."""
    import runtime.service.decide as service

    if not lock:  # the one-off check that the recount can fail: read the account without locking it
        service.locked_account = lambda session, account_id: session.get(AccountRow, account_id)  # type: ignore[assignment]
    engine = make_engine(url, pool_size=1, max_overflow=0)
    plans, rules = {"Eager": plan_of(EAGER_TEXT)}, guard_rules()
    chooser = random.Random(index)
    contacts = refused = capped = 0
    for _ in range(calls):
        with clock.get_lock():
            tick = clock.value
            clock.value += 1
        now = T0 + STEP * tick / processes
        account_id = f"A{chooser.randrange(ACCOUNTS):02d}"
        out = service.decide_and_reserve(engine, account_id, now, plans, rules)
        contacts += sum(1 for p in out.proposals if p.get("contact_id"))
        refused += len(out.refused)
        capped += sum(1 for step in out.trace["steps"] for v in step["guard"] if is_cap(v))
    engine.dispose()
    results.put((index, contacts, refused, capped))


def is_cap(verdict: dict) -> bool:
    """Whether a guard verdict in a trace refused a call for Regulation F's 7 in 7 days."""
    return any(v.get("rule") == "REGF-FREQ-7IN7" for v in verdict.get("violations", []))


def run_race(url: str, processes: int = PROCESSES, calls: int = CALLS, lock: bool = True) -> dict[str, object]:
    """Seed the accounts, run the processes, recount; the figures of the run."""
    upgrade(url)
    engine = make_engine(url)
    with transaction(engine) as session:
        for n in range(ACCOUNTS):
            seed_account(session, f"A{n:02d}", f"P{n:02d}")
    engine.dispose()  # nothing open across the fork
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue = context.Queue()
    clock = context.Value("q", 0)
    started = time.perf_counter()
    workers = [
        context.Process(target=worker, args=(url, i, calls, lock, results, clock, processes)) for i in range(processes)
    ]
    for process in workers:
        process.start()
    try:
        figures = [results.get(timeout=3600) for _ in workers]
    finally:
        for process in workers:
            process.join(timeout=60)
            if process.is_alive():  # a worker that failed to report: stop it before its schema is dropped
                process.kill()
                process.join()
    elapsed = time.perf_counter() - started
    engine = make_engine(url)
    with read_session(engine) as session:
        violations = recount_violations(session, caps_from_rules(guard_rules()))
        report = audit.verify(session)
        counts = {table.__name__: count(session, table) for table in (DecisionRow, ContactRow, OutboxRow)}
    engine.dispose()
    return {
        "processes": processes,
        "calls": processes * calls,
        "accounts": ACCOUNTS,
        "seconds": round(elapsed, 1),
        "contacts": sum(f[1] for f in figures),
        "refused_by_ledger": sum(f[2] for f in figures),
        "refused_by_guard_for_7in7": sum(f[3] for f in figures),
        "exit_codes": [p.exitcode for p in workers],
        "violations": violations,
        "audit_ok": report.ok,
        "audit_rows": report.checked,
        **counts,
    }


def count(session: Session, table: type) -> int:
    """Rows in a table."""
    return int(session.exec(select(func.count()).select_from(table)).one())


@pytest.mark.postgres
@pytest.mark.slow
def test_no_cap_is_broken_by_concurrent_deciders(postgres_url: str) -> None:
    figures = run_race(postgres_url)
    print({k: v for k, v in figures.items() if k != "violations"})
    assert figures["exit_codes"] == [0] * PROCESSES
    assert figures["violations"] == []
    assert figures["DecisionRow"] == PROCESSES * CALLS
    # Every decision reserved what it said, and every contact has its message queued.
    assert figures["ContactRow"] == figures["contacts"] == figures["OutboxRow"]
    # The test means something: many contacts went out, and the caps (not luck) stopped the rest.
    days = CALLS * STEP.total_seconds() / 86_400
    assert figures["contacts"] > ACCOUNTS * days / 2
    assert figures["refused_by_guard_for_7in7"] > figures["contacts"] / 10
    seeded = 2 * ACCOUNTS  # each seeded patient and account leaves its own upsert row
    assert figures["audit_ok"] and figures["audit_rows"] == PROCESSES * CALLS + seeded


if __name__ == "__main__":
    base = os.environ.get(PG_ENV)
    if not base:
        raise SystemExit(f"set {PG_ENV}")
    with fresh_postgres_schema(base) as url:
        result = run_race(url, lock="--no-lock" not in sys.argv)
    found = result.pop("violations")
    print(result)
    print(f"{len(found)} violation(s)", *found[:5], sep="\n")
