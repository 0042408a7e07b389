"""The floor server of `floor_app.py`, with the decisions waiting in a worker written in one transaction.

The same database work per decision as `floor_app.py` — the account row locked, its events, live
contacts, audit-chain head and a decision id read, one decision-sized row written — but each
worker gathers the requests already waiting (up to `BATCH_MAX`, each account once) and runs them
as one transaction on one of its `PARLEY_FLOOR_CONNECTIONS` connections: the accounts locked in
one statement (in id order, so two batches never deadlock), their histories read in one, their
rows written in one, one commit. Every statement is decide's own shape over `= ANY(ids)`.

This is application-level group commit: a batch shares its round trips, its commit and the
database's wake-ups, which one transaction per request pays each time. A failed batch fails every
request in it. Suggested by an independent review of `bench_floor.py`, whose per-request floor
alone made the issue's goal look out of reach on this machine.

Run by `bench_floor.py` as `uvicorn floor_batched:app`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict
from typing import Any

import floor_app
import psycopg
from psycopg.types.json import Jsonb

BATCH_MAX = 64
LOCK = floor_app.LOCK.replace(
    "accounts.account_id = %(account_id)s::VARCHAR", "accounts.account_id = ANY(%(ids)s)"
).replace("FOR UPDATE OF accounts", "ORDER BY accounts.account_id FOR UPDATE OF accounts")
READ = """
SELECT events.account_id AS account, 'e' AS kind, events.id AS id, events.type AS name, events.at AS at,
       events.payload AS data, '' AS status, NULL AS direction, NULL AS outcome, NULL AS to_point
  FROM events WHERE events.account_id = ANY(%(ids)s) AND events.at <= %(now)s
UNION ALL
SELECT contacts.account_id, 'c', contacts.id, contacts.channel, contacts.at, contacts.debts, contacts.status,
       contacts.direction, contacts.outcome, contacts.to_point
  FROM contacts WHERE contacts.account_id = ANY(%(ids)s) AND contacts.at >= %(since)s
   AND contacts.status IN ('reserved', 'sent', 'delivered', 'failed')
UNION ALL
SELECT * FROM (
  SELECT DISTINCT ON (audit.subject) substr(audit.subject, 9), 'a', audit.n, audit.hash, NULL::timestamptz,
         NULL::json, '', NULL, NULL, NULL
    FROM audit WHERE audit.subject = ANY(%(subjects)s) ORDER BY audit.subject, audit.n DESC) AS heads
UNION ALL
SELECT account, 'd', nextval(pg_get_serial_sequence('decisions', 'id')), NULL, NULL, NULL, '', NULL, NULL, NULL
  FROM unnest(%(ids)s::text[]) AS account
ORDER BY 1, 2, 5, 3"""
WRITE = (
    "INSERT INTO floor_decisions (account_id, at, trace) "
    "SELECT * FROM unnest(%(ids)s::text[], %(ats)s::timestamptz[], %(traces)s::jsonb[])"
)
Request = tuple[str, dt.datetime, "asyncio.Future[None]"]
QUEUE: list[asyncio.Queue[Request]] = []
WRITERS: list[asyncio.Task[None]] = []  # held here: the event loop keeps only weak references to tasks


def next_batch(waiting: asyncio.Queue[Request], first: list[Request]) -> tuple[list[Request], list[Request]]:
    """The requests to write together (each account once), and those to keep for the next batch."""
    items = list(first)
    while not waiting.empty() and len(items) < BATCH_MAX:
        items.append(waiting.get_nowait())
    seen: set[str] = set()
    batch, later = [], []
    for item in items:
        (later if item[0] in seen else batch).append(item)
        seen.add(item[0])
    return batch, later


async def write_batch(connection: psycopg.AsyncConnection[Any], batch: list[Request]) -> None:
    """Lock, read and write every decision of the batch in one transaction."""
    ids = [account for account, _, _ in batch]
    now = batch[0][1]
    async with connection.transaction():
        await (await connection.execute(LOCK, {"ids": ids})).fetchall()
        read = {"ids": ids, "now": now, "since": now - dt.timedelta(days=30), "subjects": [f"account:{i}" for i in ids]}
        rows = await (await connection.execute(READ, read)).fetchall()
        histories: dict[str, list[Any]] = defaultdict(list)
        for row in rows:  # each account's own history, as decide would read it
            histories[row[0]].append(row[1:])
        traces = [Jsonb(floor_app.TRACE) for _ in batch]
        await connection.execute(WRITE, {"ids": ids, "ats": [at for _, at, _ in batch], "traces": traces})


async def writer(waiting: asyncio.Queue[Request]) -> None:
    """One connection's loop: take what is waiting, write it as one transaction, answer each request."""
    connection = await psycopg.AsyncConnection.connect(**floor_app.where())
    later: list[Request] = []
    while True:
        batch, later = next_batch(waiting, later or [await waiting.get()])
        try:
            await write_batch(connection, batch)
        except psycopg.Error as problem:
            for _, _, answer in batch:
                answer.set_exception(problem)
            continue
        for _, _, answer in batch:
            answer.set_result(None)


async def decide(account_id: str, now: dt.datetime) -> None:
    """Queue the request for this worker's writers and wait until its batch is committed."""
    loop = asyncio.get_running_loop()
    if not QUEUE:
        QUEUE.append(asyncio.Queue())
        for _ in range(max(1, floor_app.CONNECTIONS)):
            WRITERS.append(loop.create_task(writer(QUEUE[0])))
    answer: asyncio.Future[None] = loop.create_future()
    QUEUE[0].put_nowait((account_id, now, answer))
    await answer


app = floor_app.asgi(decide)
