"""kill -9 the delivery worker at random points in 50 runs: no message lost, none delivered twice.

The worker runs as its own process against a SQLite file (and PostgreSQL when
`PARLEY_TEST_DATABASE_URL` is set) and delivers over the signed webhook to a receiver in this
process, which keeps every raw post and dedupes by idempotency key, as a real receiver does. Each
run queues a few messages, starts a worker, and kills it with SIGKILL at a random point:

- on a post, before the receiver answers (the outside world has the message, the worker never hears
  so): the message must be sent again under the same key, and the receiver must drop the repeat;
- a random few milliseconds after a post (while reading the answer or marking the row delivered);
- at a random time after the start (leasing, committing, idle, anywhere).

Workers are forked from a small server process that has already imported the worker, so 50 starts
take seconds, not a minute; runs 25 and 50, and the final run that drains the queue and stops on
SIGTERM (two workers side by side there), is a plain `python -m runtime.outbox.worker`.

Afterwards the outbox and the ledger are compared with what the receiver kept: every message
delivered and received exactly once after dedupe, its text intact, and the raw count of posts shows
the resends happened (each no more than the message's leases).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from db_fixtures import database_url, db_engine  # noqa: F401  (fixtures)
from sqlalchemy.engine import Engine
from sqlmodel import select
from test_channels_webhook import SECRET, Receiver, serving
from test_outbox_store import seed

from runtime.db.database import read_session
from runtime.db.tables import ContactRow, OutboxRow
from runtime.outbox.store import counts

RUNS = 50
PER_RUN = 6
ROOT = Path(__file__).resolve().parents[1]
# A fork server: imports the worker once, then forks one worker per request. Requests on stdin:
# `{"argv": [...], "env": {...}}` answers `started PID`; `wait PID` answers `exited PID CODE`
# (CODE negative for a signal, as subprocess reports it). It runs no threads, so forking is safe.
FORK_SERVER = """
import json, os, sys
from runtime.outbox.worker import main
for line in sys.stdin:
    if line.startswith("wait "):
        pid = int(line.split()[1])
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print(f"exited {pid} {code}", flush=True)
        continue
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        os.environ.update(request["env"])
        code = 1
        try:
            code = main(request["argv"])
        finally:
            os._exit(code)
    print(f"started {pid}", flush=True)
"""


class ForkServer:
    """Starts workers in milliseconds: forked from a process that has imported the worker already."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", FORK_SERVER],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def ask(self, line: str) -> list[str]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().split()

    def start(self, argv: list[str], env: dict[str, str]) -> int:
        """A new worker's pid."""
        return int(self.ask(json.dumps({"argv": argv, "env": env}))[1])

    def wait(self, pid: int) -> int:
        """The worker's exit code once it has ended (negative: the signal that ended it)."""
        return int(self.ask(f"wait {pid}")[2])

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(10)


class Runs:
    """The worker now running, and what happened to the workers so far."""

    def __init__(self, found: Receiver) -> None:
        self.found = found
        self.pid: int | None = None
        self.kill_on_post: int | None = None  # kill on this post of the current run
        self.kill_delay = 0.0
        self.posts = 0
        self.killed = threading.Event()
        self.kills: Counter[str] = Counter()
        found.on_post = self.on_post

    def start(self, on_post: int | None, delay: float) -> None:
        self.kill_on_post, self.kill_delay, self.posts = on_post, delay, 0
        self.killed.clear()

    def on_post(self, _key: str) -> None:
        """Called by the receiver after keeping a post and before answering it."""
        self.posts += 1
        if self.kill_on_post is None or self.posts != self.kill_on_post or self.pid is None:
            return
        if self.kill_delay == 0:
            self.kill("before the answer")
        else:
            threading.Timer(self.kill_delay, self.kill, args=("just after a post",)).start()

    def kill(self, point: str) -> None:
        """SIGKILL the current worker (once)."""
        if self.pid is not None and not self.killed.is_set():
            self.killed.set()
            os.kill(self.pid, signal.SIGKILL)
            self.kills[point] += 1


NO_PACKS = ROOT / "tests" / "fixtures" / "no_packs"  # the mechanics alone: see its README


def worker_argv(url: str) -> list[str]:
    timing = ["--poll-seconds", "0.02", "--lease-seconds", "1", "--limit", "4"]
    return ["--database-url", url, "--policies", str(NO_PACKS), *timing]


def worker_env(hook_url: str) -> dict[str, str]:
    return {
        "PARLEY_CHANNEL_ROUTES": "sms=webhook",
        "PARLEY_WEBHOOK_URL": hook_url,
        "PARLEY_WEBHOOK_SECRET": SECRET,
        "PARLEY_LOG_LEVEL": "WARNING",
    }


def plain_worker(url: str, hook_url: str) -> subprocess.Popen[bytes]:
    """`python -m runtime.outbox.worker` as a plain process."""
    env = {**os.environ, **worker_env(hook_url)}
    command = [sys.executable, "-m", "runtime.outbox.worker", *worker_argv(url)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def one_run(number: int, runs: Runs, url: str, hook_url: str, chance: random.Random, forks: ForkServer) -> None:
    """Start a worker and SIGKILL it at a random point."""
    mode = number % 3
    runs.start(
        on_post=chance.randint(1, PER_RUN) if mode < 2 else None, delay=0 if mode == 0 else chance.random() / 200
    )
    plain = number % 25 == 24
    process = plain_worker(url, hook_url) if plain else None
    runs.pid = process.pid if process else forks.start(worker_argv(url), worker_env(hook_url))
    wait_start = 2.5 if plain else 0.0  # a plain interpreter starts and imports first
    if mode == 2:
        time.sleep(wait_start + chance.random() * 0.3)
        runs.kill("at a random time")
    elif not runs.killed.wait(wait_start + 5):
        runs.kill("at a random time")  # the chosen post never came (another run's lease held it)
    code = process.wait(10) if process else forks.wait(runs.pid)
    assert code == -signal.SIGKILL
    runs.pid = None


def drain(url: str, hook_url: str, engine: Engine, total: int) -> None:
    """Two last plain workers, side by side, deliver what is left, then stop cleanly on SIGTERM."""
    processes = [plain_worker(url, hook_url) for _ in range(2)]
    deadline = time.monotonic() + 90  # only as long as needed; generous for a loaded machine
    while counts(engine).get("delivered", 0) < total and time.monotonic() < deadline:
        time.sleep(0.1)
    for process in processes:
        process.send_signal(signal.SIGTERM)
    assert [process.wait(10) for process in processes] == [0, 0]


@pytest.mark.slow
def test_kill_9_loses_nothing_and_delivers_nothing_twice(db_engine: Engine, database_url: str) -> None:  # noqa: F811
    seed_value = int(os.environ.get("PARLEY_KILL9_SEED") or random.randrange(1 << 30))
    chance = random.Random(seed_value)
    found = Receiver()
    runs = Runs(found)
    started = time.monotonic()
    forks = ForkServer()
    with serving(found) as hook_url:
        for number in range(RUNS):
            seed(db_engine, PER_RUN, account=f"acct-{number % 7}")
            one_run(number, runs, database_url, hook_url, chance, forks)
        total = RUNS * PER_RUN
        drain(database_url, hook_url, db_engine, total)
    forks.close()
    with read_session(db_engine) as session:
        rows = session.exec(select(OutboxRow)).all()
        contact_statuses = [c.status for c in session.exec(select(ContactRow)).all()]
        stored = {r.idempotency_key: (r.status, r.attempts, r.message["body"]) for r in rows}
    raw = Counter(found.raw)
    resends = sum(raw.values()) - len(raw)
    figures = {
        "backend": database_url.split(":", 1)[0],
        "runs": RUNS,
        "messages": total,
        "kills": dict(runs.kills),
        "posts": sum(raw.values()),
        "resends": resends,
        "kept by the receiver": len(found.messages),
        "posts torn by a kill": found.torn,
        "random seed": seed_value,
        "seconds": round(time.monotonic() - started, 1),
    }
    print(f"\nkill -9 figures: {figures}")
    # Nothing lost: every queued message is delivered, in the outbox, the ledger and the receiver.
    assert len(rows) == len(contact_statuses) == total
    assert counts(db_engine) == {"delivered": total}
    assert set(contact_statuses) == {"delivered"}
    assert set(found.messages) == set(stored) and found.bad_signatures == 0
    # Nothing twice: one message per key after dedupe, each the text that was queued.
    for key, (_status, _attempts, body) in stored.items():
        assert found.messages[key]["message"]["body"] == body
    # The resends happened, and only as repeats of a leased message under its own key.
    assert resends >= runs.kills["before the answer"] > 0
    assert all(raw[key] <= attempts for key, (_s, attempts, _b) in stored.items())
