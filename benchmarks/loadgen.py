"""A cheap HTTP/1.1 load generator: raw asyncio protocols over keep-alive connections.

The API benchmark used to drive the server with async httpx inside its own process, which capped
a run near 500 requests/s and took much of the CPU the server needed on a 2-core machine. This
client does next to nothing per request: every request's bytes are built before the run, a
response is read by finding its header end and `Content-Length`, and the event loop is uvloop's
when it is installed (it ships with `uvicorn[standard]`).

It is closed loop: `--clients` connections each keep one request in flight, sending the next as
soon as the previous answer is complete (what "N concurrent clients" means in the results). Request
bodies rotate through the lines of `--bodies` (JSON lines), or `--body` is sent every time.

It prints one JSON object: requests completed, seconds, requests/s, p50/p90/p99/max latency in ms,
errors by status (or by failure), and the generator's own CPU seconds and microseconds per request,
so a benchmark can say what share of the machine the generator itself took.

Run: `.venv/bin/python benchmarks/loadgen.py --url http://127.0.0.1:8000/v1/guard --body-file case.json
--header "Authorization: Bearer pk_…" --clients 32 --seconds 8`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HEADER_END = b"\r\n\r\n"


@dataclass
class Run:
    """What every connection shares: the requests to send, when to stop, and what was seen."""

    requests: list[bytes]
    stop_at: float
    record_from: float
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    sent: int = 0

    def next_request(self) -> bytes:
        """The next request's bytes, round robin over the prepared ones."""
        request = self.requests[self.sent % len(self.requests)]
        self.sent += 1
        return request

    def error(self, what: str) -> None:
        """Count one failed request by its status or failure."""
        self.errors[what] = self.errors.get(what, 0) + 1


def build_requests(url: str, bodies: list[bytes], headers: list[str]) -> list[bytes]:
    """Each body as a complete HTTP/1.1 POST (GET when there is no body), keep-alive."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = parts.netloc
    extra = "".join(f"{h.strip()}\r\n" for h in headers)
    if not bodies:
        return [f"GET {target} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode()]
    head = f"POST {target} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{extra}"
    return [f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body for body in bodies]


class Connection(asyncio.Protocol):
    """One keep-alive connection with one request in flight at a time."""

    def __init__(self, run: Run, done: asyncio.Future[None]) -> None:
        self.run = run
        self.done = done
        self.buffer = bytearray()
        self.started = 0.0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.send()

    def send(self) -> None:
        """Send the next request, or close when the run is over."""
        assert self.transport is not None
        self.started = time.perf_counter()
        if self.started >= self.run.stop_at:
            self.transport.close()
            return
        self.transport.write(self.run.next_request())

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(HEADER_END)
        if end < 0:
            return
        head = bytes(self.buffer[:end]).lower()
        length = content_length(head)
        if length is None:  # chunked or unknown framing: this client does not read it
            self.run.error("unframed")
            self.buffer.clear()
            assert self.transport is not None
            self.transport.close()
            return
        if len(self.buffer) < end + 4 + length:
            return
        finished = time.perf_counter()
        status = head[9:12].decode()
        del self.buffer[: end + 4 + length]
        if self.started >= self.run.record_from:
            self.run.latencies.append(finished - self.started)
            if status != "200":
                self.run.error(status)
        self.send()

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None or time.perf_counter() < self.run.stop_at:
            self.run.error("connection_lost")
        if not self.done.done():
            self.done.set_result(None)


def content_length(head: bytes) -> int | None:
    """The `Content-Length` of a lower-cased response head, or None when it has none."""
    at = head.find(b"\r\ncontent-length:")
    if at < 0:
        return None
    start = at + len(b"\r\ncontent-length:")
    stop = head.find(b"\r\n", start)
    return int(head[start : stop if stop >= 0 else len(head)])


async def drive(host: str, port: int, run: Run, clients: int, stagger: float = 0.0) -> None:
    """Open `clients` connections, `stagger` seconds apart, and wait until every one has finished its run.

    Why apart: connections opened all at once reach a multi-worker server while one worker is in
    `accept`, and it takes most of them for the whole run (32/0, 27/5 and 2/30 were seen with two
    uvicorn workers), so "2 workers" measured mostly one. Spaced out, they split about evenly.
    """
    loop = asyncio.get_running_loop()
    waits = []
    for _ in range(clients):
        done: asyncio.Future[None] = loop.create_future()
        await loop.create_connection(lambda d=done: Connection(run, d), host, port)  # type: ignore[misc]
        waits.append(done)
        if stagger:
            await asyncio.sleep(stagger)
    await asyncio.gather(*waits)


def percentile(ordered: list[float], share: float) -> float:
    """The `share` percentile of sorted latencies, in ms (0 when there are none)."""
    if not ordered:
        return 0.0
    return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(
    url: str, requests: list[bytes], clients: int, seconds: float, warmup: float, stagger: float | None = None
) -> dict[str, Any]:
    """Run the load for `warmup` + `seconds`; the summary of the measured part.

    Connections open `stagger` seconds apart (default: spread over the first half of the warm-up).
    """
    if stagger is None:
        stagger = warmup / 2 / clients if clients else 0.0
    parts = urlsplit(url)
    began = time.perf_counter()
    run = Run(requests, stop_at=began + warmup + seconds, record_from=began + warmup)
    cpu_before = os.times()
    runner = loop_runner()
    runner(drive(parts.hostname or "127.0.0.1", parts.port or 80, run, clients, stagger))
    cpu_after = os.times()
    cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    elapsed = max(1e-9, time.perf_counter() - run.record_from)
    ordered = sorted(run.latencies)
    count = len(ordered)
    return {
        "requests": count,
        "seconds": round(elapsed, 3),
        "rate": count / elapsed,
        "p50": percentile(ordered, 0.50),
        "p90": percentile(ordered, 0.90),
        "p99": percentile(ordered, 0.99),
        "max": 1000 * ordered[-1] if ordered else 0.0,
        "errors": run.errors,
        # the whole run (warm-up included) against every request sent: the generator's cost per request
        "sent": run.sent,
        "cpu_seconds": round(cpu, 3),
        "cpu_us_per_request": round(1e6 * cpu / max(1, run.sent), 1),
        "loop": runner.__module__.split(".")[0],
    }


TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from `/proc/PID/stat`; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15 of stat)


def tree(pid: int) -> list[int]:
    """A process and its descendants (uvicorn's supervisor and its workers), from `/proc`."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from `/proc/stat`."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


def loop_runner() -> Any:
    """`uvloop.run` when uvloop is installed, else `asyncio.run`."""
    try:
        import uvloop

        return uvloop.run
    except ImportError:  # a machine without uvicorn[standard]'s extras: the stock loop still works
        return asyncio.run


def read_bodies(args: argparse.Namespace) -> list[bytes]:
    """The request bodies: JSON lines from `--bodies`, else `--body-file` / `--body`, else none (GET)."""
    if args.bodies:
        return [line.strip().encode() for line in Path(args.bodies).read_text().splitlines() if line.strip()]
    if args.body_file:
        return [json.dumps(json.loads(Path(args.body_file).read_text())).encode()]
    if args.body is not None:
        return [args.body.encode()]
    return []


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run, print the summary as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="http://host:port/path")
    parser.add_argument("--clients", type=int, default=32, help="connections, one request in flight each")
    parser.add_argument("--seconds", type=float, default=8.0, help="how long to measure")
    parser.add_argument("--warmup", type=float, default=0.0, help="seconds of load before measuring")
    parser.add_argument("--header", action="append", default=[], help="`Name: value`, repeatable")
    parser.add_argument("--body", help="the JSON body of every request")
    parser.add_argument("--body-file", help="a file holding the JSON body of every request")
    parser.add_argument("--bodies", help="a JSON-lines file: one body per line, sent round robin")
    parser.add_argument(
        "--stagger", type=float, help="seconds between opening connections (default: spread over half the warm-up)"
    )
    args = parser.parse_args(argv)
    requests = build_requests(args.url, read_bodies(args), args.header)
    summary = measure(args.url, requests, args.clients, args.seconds, args.warmup, args.stagger)
    sys.stdout.write(json.dumps(summary) + "\n")


if __name__ == "__main__":
    main()
