"""The floor under `/v1/decide` on this machine: the same HTTP server and PostgreSQL work, no engine.

Issue 6 asks for >= 2,000 decisions/s on PostgreSQL with 2 workers and p99 < 20 ms. This measures
what a server on the fixed stack (uvicorn, PostgreSQL on the same machine) can reach here with no
decision logic at all: `floor_app.py` answers each request with only the database work every
decision needs (lock the account row, read its history in one statement, write one decision-sized
row, commit) and a decision-sized JSON answer, in one transaction per request, with several
drivers and ways of waiting; `floor_batched.py` writes the decisions waiting in a worker in one
transaction (group commit). Neither has a strategy, scores, guard, rendering or audit chain, so
what the decision itself may cost at the goal is what they leave. They run under the same load as
`bench_api.py` (`loadgen.py` in its own process, closed loop, the same accounts) beside
`/v1/decide` itself, and pgbench runs the per-request transaction from C.

Run: `.venv/bin/python benchmarks/bench_floor.py [--postgres URL] [--clients 32] [--seconds 8]`
(PostgreSQL from `--postgres` or `PARLEY_TEST_DATABASE_URL`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_api
import floor_app
import loadgen
from bench_api import ROOT

from runtime.db.database import make_engine


@contextmanager
def floor_server(url: str, workers: int, connections: str) -> Iterator[tuple[str, int]]:
    """`floor_app` under uvicorn on a free port until the block ends; its base URL and process id."""
    port = bench_api.free_port()
    uvicorn = Path(sys.executable).parent / "uvicorn"
    module = "floor_batched" if connections.endswith("g") else "floor_app"
    command = [str(uvicorn), f"{module}:app", "--app-dir", str(ROOT / "benchmarks"), "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    env = {**os.environ, "PARLEY_FLOOR_DATABASE_URL": url, "PARLEY_FLOOR_CONNECTIONS": connections.rstrip("tag")}
    env["PARLEY_FLOOR_DRIVER"] = "asyncpg" if connections.endswith("a") else "psycopg"
    env["PARLEY_FLOOR_TOGETHER"] = "1" if connections.endswith("t") else "0"
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(base, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        time.sleep(2)
        yield base, process.pid
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def run_load(base: str, path: str, key: str, ids: list[str], clients: int, seconds: float, pid: int) -> dict:
    """`loadgen.py` against one endpoint; its figures plus the server's and the machine's CPU."""
    bodies = ROOT / "var" / "bench" / "bodies-floor.jsonl"
    bodies.write_text("".join(json.dumps({"account_id": i, "now": bench_api.NOW}) + "\n" for i in ids))
    command = [sys.executable, str(ROOT / "benchmarks" / "loadgen.py"), "--url", base + path]
    command += ["--header", f"Authorization: Bearer {key}", "--bodies", str(bodies)]
    command += ["--clients", str(clients), "--seconds", str(seconds), "--warmup", str(bench_api.WARMUP)]
    workers = loadgen.tree(pid)
    before = [sum(loadgen.process_cpu(p) for p in workers), *loadgen.machine_busy()]
    got = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    after = [sum(loadgen.process_cpu(p) for p in workers), *loadgen.machine_busy()]
    server, busy, total = (b - a for a, b in zip(before, after, strict=True))
    got["server_ms"] = 1000 * server / max(1, got["sent"])
    got["busy_share"] = busy / total if total else 0.0
    return got


def pgbench_floor(url: str, ids: list[str], clients: int, seconds: float) -> str:
    """The same transaction driven by `pgbench` (a C client, no HTTP, no Python): PostgreSQL's own ceiling.

    Each transaction first reads an account id by number (one extra indexed read, outside the
    transaction), then runs the floor's lock, history read and write between BEGIN and COMMIT,
    with the account id bound as a parameter of prepared statements (`-M prepared`).
    """
    pgbench = shutil.which("pgbench")
    if pgbench is None:
        return "pgbench: not installed, skipped"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE floor_ids (n integer PRIMARY KEY, account_id text)")
        connection.exec_driver_sql(
            "INSERT INTO floor_ids SELECT * FROM unnest(%(ns)s::integer[], %(ids)s::text[])",
            {"ns": list(range(1, len(ids) + 1)), "ids": ids},
        )
    engine.dispose()
    values = {
        "account_id": ":aid",
        "now": "'2026-03-16T15:00:00+00'",
        "since": "'2026-02-14T15:00:00+00'",
        "subject": "'account:' || :aid",
        "trace": "'" + json.dumps(floor_app.TRACE) + "'",
    }
    values.update({k: f"'{v}'" for k, v in floor_app.READ_DEFAULTS.items()})

    def literal(sql: str) -> str:
        for name, value in values.items():
            sql = sql.replace(f"%({name})s", f"({value})")
        return " ".join(sql.split()) + ";"

    write = "INSERT INTO floor_decisions (account_id, at, trace) VALUES (%(account_id)s, %(now)s, %(trace)s)"
    script = ROOT / "var" / "bench" / "floor.pgbench"
    script.write_text(
        "\n".join(
            [
                f"\\set n random(1, {len(ids)})",
                "SELECT account_id AS aid FROM floor_ids WHERE n = :n \\gset",
                "BEGIN;",
                literal(floor_app.LOCK),
                literal(floor_app.READ.string),
                literal(write),
                "END;",
            ]
        )
        + "\n"
    )
    where = make_url(url)
    logs = ROOT / "var" / "bench" / "pgbench-log"
    for old in logs.parent.glob(logs.name + "*"):
        old.unlink()
    command = [pgbench, "-n", "-M", "prepared", "-c", str(clients), "-j", "2", "-T", str(int(seconds))]
    command += ["-f", str(script), "-l", "--log-prefix", str(logs)]  # every transaction's latency
    command += ["-h", where.host or "127.0.0.1", "-p", str(where.port or 5432), "-U", where.username or "postgres"]
    command += [where.database or "postgres"]
    options = dict(where.query).get("options", "")
    before = loadgen.machine_busy()
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PGOPTIONS": options})
    busy, total = (b - a for a, b in zip(before, loadgen.machine_busy(), strict=True))
    if done.returncode != 0:
        return f"pgbench failed: {done.stderr.strip()[-300:]}"
    tps = next((float(t.split()[2]) for t in done.stdout.splitlines() if t.startswith("tps =")), 0.0)
    # a log line: client, transaction, latency in µs, script, epoch seconds, µs
    seconds_each = sorted(int(row.split()[2]) / 1e6 for f in logs.parent.glob(logs.name + "*") for row in f.open())
    p50, p99 = (loadgen.percentile(seconds_each, q) for q in (0.50, 0.99))
    return (
        f"{'pgbench (C, no HTTP), same transaction':44} {tps:7,.0f} tps    p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
        f"machine busy {busy / total if total else 0.0:.0%}"
    )


def line(label: str, got: dict) -> str:
    """One result line."""
    return (
        f"{label:44} {got['rate']:7,.0f} req/s  p50 {got['p50']:6.1f} ms  p99 {got['p99']:6.1f} ms  "
        f"server CPU {got['server_ms']:.2f} ms/req  machine busy {got['busy_share']:.0%}  errors {got['errors'] or '-'}"
    )


def main() -> None:
    """Seed, then load the floor server and the real one in turn with the same requests."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("PARLEY_TEST_DATABASE_URL"))
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument(
        "--connections",
        default="0,1,1t,8,8a,2g",
        help="connections a floor worker (0: none; 1t: one, 2 round trips; 8a: asyncpg; 2g: waiting requests batched)",
    )
    args = parser.parse_args()
    if not args.postgres:
        print("bench_floor: skipped, it needs PostgreSQL (--postgres URL or PARLEY_TEST_DATABASE_URL)")
        return
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    print(f"bench_floor: nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    with bench_api.database("postgresql", ROOT / "var" / "bench", args.postgres) as url:
        key, ids = bench_api.seed(url, args.accounts)
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "CREATE TABLE floor_decisions (id bigserial PRIMARY KEY, account_id text, at timestamptz, trace jsonb)"
            )
        engine.dispose()
        for connections in args.connections.split(","):
            with floor_server(url, args.workers, connections) as (base, pid):
                floor = run_load(base, "/", key, ids, args.clients, args.seconds, pid)
            how = {
                "0": "no database (HTTP only)",
                "1": "a blocking connection",
                "1t": "a blocking connection, 2 round trips",
            }.get(connections, f"{connections.rstrip('tag')} async connections")
            how += " (asyncpg)" if connections.endswith("a") else ""
            how += ", requests waiting written together" if connections.endswith("g") else ""
            print(line(f"floor, {args.workers} workers, {how} each", floor))
        print(pgbench_floor(url, ids, args.clients, args.seconds))
        with bench_api.server(url, args.workers) as (base, pid):
            real = run_load(base, "/v1/decide", key, ids, args.clients, args.seconds, pid)
        print(line(f"/v1/decide, {args.workers} workers", real))
    print(f"clients {args.clients}; goal: >= 2,000/s with p99 < 20 ms; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
