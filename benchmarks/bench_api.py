"""The engine API under load: `/v1/decide` and `/v1/guard` throughput and p50/p99 latency.

For each database (SQLite file; PostgreSQL when `--postgres URL` or `PARLEY_TEST_DATABASE_URL`
is given) and each worker count (1, 2): a fresh database with `strategies/agency_placement.parley`
deployed (through four eyes, by the stores) and `--accounts` synthetic accounts from
`runtime.demo_portfolio`; `parley serve` starts as a subprocess; then `benchmarks/loadgen.py` (raw
asyncio HTTP/1.1 keep-alive connections on uvloop, in its own process) keeps 32 and then 128
requests in flight for `--seconds` per endpoint after a 1 s warm-up, and counts.

`/v1/decide` decides an account (round robin) at one instant of one day: the first call for an
account reserves its contacts and queues their messages; later calls within the day find the
steps done and store a decision that proposes nothing, each still in one locked transaction with
its decision row and audit row. `/v1/guard` judges DESIGN.md's example case.

Each line ends with where the CPU went, from `/proc` over the run (warm-up included): the
server's processes (uvicorn's supervisor and workers), PostgreSQL's backends and the generator,
each in ms of CPU per request; then the generator's share of all the cores and how busy the
machine was (other work on the machine shows as busy time nobody here used). The generator and
PostgreSQL run on the same cores as the server, so the throughput is what the machine does for
all three; `nproc` and the load average are printed with it.

The last lines compare with `decide_and_reserve` and `engine.decide` in-process on the same
accounts, the ceilings the service's overhead is measured against.

Run: `.venv/bin/python benchmarks/bench_api.py [--seconds 8] [--accounts 2000] [--postgres URL]
[--databases postgresql] [--workers 2]`
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from engine.decide import decide
from engine.guard import compile_rules
from engine.guarding import account_guard
from runtime.db.database import make_engine, transaction
from runtime.db.migrate import upgrade
from runtime.demo_portfolio import demo_contact_points, demo_rows
from runtime.files import load_policies, load_templates
from runtime.service.plans import compile_text
from runtime.store import accounts, keys
from runtime.store import strategies as store

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen

ROOT = Path(__file__).resolve().parent.parent
STRATEGY = ROOT / "strategies" / "agency_placement.parley"
WORDING = ROOT / "policies" / "disclosures.toml"  # the packs' wording book, what `parley serve` reads
CASE = json.loads((ROOT / "tests" / "guard_cases" / "design_example.json").read_text())["case"]
DAY = dt.date(2026, 3, 16)
NOW = "2026-03-16T15:00:00Z"
PARLEY = Path(sys.executable).parent / "parley"
WARMUP = 1.0  # seconds of load before measuring: first requests fill caches and open pool connections


def seed(url: str, size: int) -> tuple[str, list[str]]:
    """Migrate, store a key, deploy the agency strategy and load `size` accounts; the key and account ids."""
    from runtime.demo_service import payloads

    upgrade(url)
    engine = make_engine(url)
    now = dt.datetime.now(dt.UTC)
    text = STRATEGY.read_text()
    plan = compile_text(text, STRATEGY.name)
    ids = []
    with transaction(engine) as session:
        key = keys.create_key(session, "bench", ["outreach", "compliance"], now)[1]
        name = plan.strategy.name
        row, _ = store.create_version(session, name, plan.version, text, plan.content_hash, "author", now)
        store.submit(session, row, "author", now, 0)
        store.approve(session, row, "officer", now)
        store.deploy(session, row, "officer", now)
        for index, data in enumerate(demo_rows(size * 3, today=DAY)):
            if data["jurisdiction"] not in ("US-PA", "US-OH", "US-NJ") or data["patient.language"] != "en":
                continue  # the agency strategy's states; English, the language the demo has wording for
            patient, account, _ = payloads(data, name, "agency", index)
            accounts.upsert_patient(session, account["patient_id"], reachable(patient, index), now)
            accounts.upsert_account(session, data["account_id"], account, now)
            ids.append(data["account_id"])
            if len(ids) == size:
                break
    engine.dispose()
    return key, ids


def reachable(patient: dict[str, Any], index: int) -> dict[str, Any]:
    """The demo patient with made-up contact points (decide refuses a contact it has no address for)."""
    return {**patient, "contact_points": demo_contact_points(index)}


def free_port() -> int:
    """A port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def server(url: str, workers: int) -> Iterator[tuple[str, int]]:
    """`parley serve` on a free port until the block ends; its base URL and process id."""
    port = free_port()
    command = [str(PARLEY), "serve", "--port", str(port), "--database-url", url, "--workers", str(workers)]
    command += ["--log-level", "warning"]
    env = {**os.environ, "PARLEY_DISCLOSURES": str(WORDING)}
    log = (ROOT / "var" / "bench" / f"server-{port}.log").open("w")  # warnings and errors, for a failed cell
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise RuntimeError("the server did not start")
        time.sleep(2 if workers > 1 else 0)  # let every worker finish starting, not only the first
        yield base, process.pid
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


class Backends:
    """The CPU of the PostgreSQL backends serving the benchmark's server (found by the
    `application_name` its URL sets), so other work on the same PostgreSQL is not counted.

    The pool closes its overflow connections as they come back, so the backends are looked at
    every `every` seconds during a run (`watch`) and each one's last reading is kept: a backend
    opened during the run counts from its start, one closed counts up to its last reading."""

    def __init__(self, url: str, every: float = 0.5) -> None:
        self.name = dict(make_url(url).query).get("application_name")
        self.url = url.replace(f"application_name={self.name}", "application_name=bench-probe")
        self.every = every
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}

    def look(self, connection: Any) -> None:
        """Read every backend's CPU now."""
        query = "SELECT pid FROM pg_stat_activity WHERE application_name = %(name)s"
        for (pid,) in connection.exec_driver_sql(query, {"name": self.name}):
            reading = loadgen.process_cpu(pid)  # 0 when it closed since the query: keep the last
            self.last[pid] = max(reading, self.last.get(pid, 0.0))
            self.first.setdefault(pid, self.last[pid])

    def watch(self, process: subprocess.Popen[str]) -> float:
        """Look until `process` ends; the backends' CPU seconds over that time (0 without PostgreSQL)."""
        if not self.name:
            process.wait()
            return 0.0
        engine = make_engine(self.url)
        try:
            with engine.connect() as connection:
                self.look(connection)
                known = set(self.first)
                while process.poll() is None:
                    time.sleep(self.every)
                    self.look(connection)
        finally:
            engine.dispose()
        return sum(cpu - (self.first[pid] if pid in known else 0.0) for pid, cpu in self.last.items())


def load(
    base: str, key: str, endpoint: str, ids: list[str], clients: int, seconds: float, server_pid: int, url: str
) -> dict[str, Any]:
    """Keep `clients` requests in flight for `seconds` with `loadgen.py` in its own process;
    throughput, latency percentiles, errors, and the CPU the server, PostgreSQL and the generator took."""
    folder = ROOT / "var" / "bench"
    bodies = folder / f"bodies-{endpoint}.jsonl"
    lines = [CASE] if endpoint == "guard" else [{"account_id": account_id, "now": NOW} for account_id in ids]
    bodies.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    command = [sys.executable, str(ROOT / "benchmarks" / "loadgen.py"), "--url", f"{base}/v1/{endpoint}"]
    command += ["--header", f"Authorization: Bearer {key}", "--bodies", str(bodies)]
    command += ["--clients", str(clients), "--seconds", str(seconds), "--warmup", str(WARMUP)]
    workers = loadgen.tree(server_pid)
    before = [sum(loadgen.process_cpu(p) for p in workers), *loadgen.machine_busy()]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    db_cpu = Backends(url).watch(process)
    after = [sum(loadgen.process_cpu(p) for p in workers), *loadgen.machine_busy()]
    if process.returncode != 0:
        raise RuntimeError(f"the load generator failed ({process.returncode})")
    assert process.stdout is not None
    got = json.loads(process.stdout.read())
    sent = max(1, got["sent"])  # the warm-up's requests cost the server too
    server_cpu, busy, total = (b - a for a, b in zip(before, after, strict=True))
    got["server_ms"] = 1000 * server_cpu / sent
    got["db_ms"] = 1000 * db_cpu / sent
    got["gen_share"] = got["cpu_seconds"] / total if total else 0.0  # of all the cores over the run
    got["busy_share"] = busy / total if total else 0.0
    return got


def in_process(ids: list[str], url: str) -> float:
    """`engine.decide` per second on the same accounts, with each account's guard, no database."""
    engine = make_engine(url)
    now = dt.datetime.fromisoformat(NOW)
    rules = compile_rules(load_policies(ROOT / "policies")[0])
    plan = compile_text(STRATEGY.read_text(), STRATEGY.name)
    with transaction(engine) as session:
        states = [accounts.load_account(session, account_id, now) for account_id in ids]
    engine.dispose()
    started = time.perf_counter()
    for account, ledger in states:
        decide(plan, account, now, account_guard(account, ledger, rules, "agency", now))
    return len(states) / (time.perf_counter() - started)


def in_service(ids: list[str], url: str) -> float:
    """`decide_and_reserve` per second, one thread, no HTTP: the database's share of a decision."""
    from engine.deploy import LivePlans
    from runtime.render import load_disclosure_wording
    from runtime.service.decide import decide_and_reserve

    engine = make_engine(url)
    now = dt.datetime.fromisoformat(NOW) + dt.timedelta(days=1)  # a day the server's run did not touch
    rules = compile_rules(load_policies(ROOT / "policies")[0])
    plans = LivePlans()
    plans.deploy(compile_text(STRATEGY.read_text(), STRATEGY.name))
    templates = load_templates(ROOT / "templates")[0]
    wording = load_disclosure_wording(WORDING)
    started = time.perf_counter()
    for account_id in ids:
        decide_and_reserve(engine, account_id, now, plans, rules, None, templates, wording, actor="bench")
    rate = len(ids) / (time.perf_counter() - started)
    engine.dispose()
    return rate


@contextmanager
def database(kind: str, folder: Path, postgres: str | None) -> Iterator[str]:
    """A fresh database URL: a SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    assert postgres is not None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(postgres)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        query = {"options": f"-csearch_path={schema}", "application_name": schema}  # names the server's backends
        yield make_url(postgres).update_query_dict(query).render_as_string(False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def cell(kind: str, workers: int, endpoint: str, clients: int, got: dict[str, Any]) -> str:
    """One result line: the cell, throughput, latency and errors, then where the CPU went."""
    return (
        f"{kind:<11}{workers:>8}{endpoint:>9}{clients:>8}{got['rate']:>9.0f}"
        f"{got['p50']:>9.1f}{got['p99']:>9.1f}  {got['errors'] or '-'}"
        f"  [cpu {got['server_ms']:.2f} / {got['db_ms']:.2f} / {got['cpu_us_per_request'] / 1000:.2f} ms;"
        f" generator {got['gen_share']:.0%}, machine busy {got['busy_share']:.0%}]"
    )


def main() -> None:
    """Run the matrix and print one line per cell."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--postgres", default=os.environ.get("PARLEY_TEST_DATABASE_URL"))
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--clients", default="32,128")
    parser.add_argument("--databases", default="sqlite,postgresql", help="which of sqlite, postgresql to run")
    args = parser.parse_args()
    print(f"python {platform.python_version()}, nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    wanted = args.databases.split(",")
    kinds = [k for k in ("sqlite", "postgresql") if k in wanted and (k == "sqlite" or args.postgres)]
    print(
        f"{'database':<11}{'workers':>8}{'endpoint':>9}{'clients':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}  errors"
        "  [CPU ms/request: server, postgres, generator; generator's and machine's share of the cores]"
    )
    ceiling, service = None, {}
    for kind in kinds:
        for workers in [int(w) for w in args.workers.split(",")]:
            with database(kind, folder, args.postgres) as url:
                key, ids = seed(url, args.accounts)
                if ceiling is None:
                    ceiling = in_process(ids, url)
                with server(url, workers) as (base, pid):
                    for endpoint in ("decide", "guard"):
                        for clients in [int(c) for c in args.clients.split(",")]:
                            got = load(base, key, endpoint, ids, clients, args.seconds, pid, url)
                            print(cell(kind, workers, endpoint, clients, got), flush=True)
                if kind not in service:
                    service[kind] = in_service(ids, url)
    for kind, rate in service.items():
        print(f"in-process decide_and_reserve on {kind}, one thread, no HTTP: {rate:,.0f} decisions/s")
    print(f"in-process engine.decide with the guard, one thread, no database: {ceiling:,.0f} decisions/s")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
