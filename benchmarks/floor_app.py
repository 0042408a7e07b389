"""The least a `/v1/decide` server could do per request, for `bench_floor.py`: no engine, no scores.

A raw ASGI app (no FastAPI) on the same server as `parley serve` (uvicorn with httptools and
uvloop). Each request's JSON body names an account; the worker then runs, in one PostgreSQL
transaction on its own psycopg connection, the statements every real decision needs — the lock on
the account row and the one history read, exactly as `runtime.store.hot` compiles them — and one
insert of a decision-sized row, commits, and answers with a decision-sized JSON body. A real
decision does all of this and more (scores, the strategy, the guard, the audit chain, contacts and
outbox rows), so what this server sustains bounds what a `/v1/decide` that writes each decision in
its own transaction can on the same machine (`floor_batched.py` writes the waiting ones together).

`PARLEY_FLOOR_CONNECTIONS=0` leaves the database out (HTTP and JSON alone). Two ways to wait for
the database are measured: `PARLEY_FLOOR_CONNECTIONS=1` gives each worker one blocking
connection (least CPU: requests are served one after another), a larger number gives each worker
that many asynchronous connections (requests overlap their round trips); `PARLEY_FLOOR_TOGETHER=1`
sends a blocking connection's transaction in two round trips instead of five (`together`); and
`PARLEY_FLOOR_DRIVER=asyncpg` does the same through asyncpg (a driver written in C; the `bench`
extra installs it), so the floor is not psycopg's.

Run by `bench_floor.py` as `uvicorn floor_app:app`; `PARLEY_FLOOR_DATABASE_URL` names the database
(a SQLAlchemy URL whose schema `bench_floor.py` seeded).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from psycopg.types.json import Json
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url

from runtime.store import hot

DIALECT = postgresql.dialect(paramstyle="pyformat")  # psycopg's `%(name)s` placeholders
LOCK = hot.LOCK_ACCOUNT.compile(dialect=DIALECT).string
READ = hot.READ_HISTORY_PG.compile(dialect=DIALECT)
READ_DEFAULTS = {k: v for k, v in READ.params.items() if v is not None}
WRITE = "INSERT INTO floor_decisions (account_id, at, trace) VALUES (%(account_id)s, %(at)s, %(trace)s)"
TRACE = {
    "steps": [{"step": f"step {i}", "conditions": [{"text": "balance > 25", "value": True}] * 4} for i in range(8)]
}
ANSWER = json.dumps({"decision_id": 0, "proposals": [], "trace": TRACE}).encode()


CONNECTIONS = int(os.environ.get("PARLEY_FLOOR_CONNECTIONS", "1"))
TOGETHER = os.environ.get("PARLEY_FLOOR_TOGETHER") == "1"  # two round trips, not five (see `together`)
DRIVER = os.environ.get("PARLEY_FLOOR_DRIVER", "psycopg")  # or `asyncpg`, if installed: a driver written in C


def where() -> dict[str, Any]:
    """psycopg's connection arguments for the URL's database and schema."""
    url = make_url(os.environ["PARLEY_FLOOR_DATABASE_URL"])
    options = dict(url.query).get("options", "")
    return {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database, "options": options}


def connect() -> psycopg.Connection[Any]:
    """This worker's blocking connection."""
    return psycopg.connect(**where(), autocommit=TOGETHER)


CONNECTION: list[psycopg.Connection[Any]] = []
POOL: list[asyncio.Queue[psycopg.AsyncConnection[Any]]] = []


def statements(account_id: str, now: dt.datetime) -> list[tuple[str, dict[str, Any]]]:
    """The lock, the history read and the write, with their parameters."""
    read = {**READ_DEFAULTS, "account_id": account_id, "now": now, "since": now - dt.timedelta(days=30)}
    read["subject"] = f"account:{account_id}"
    write = {"account_id": account_id, "at": now, "trace": Json(TRACE)}
    return [(LOCK, {"account_id": account_id}), (READ.string, read), (WRITE, write)]


async def decide_async(account_id: str, now: dt.datetime) -> None:
    """The same work on one of this worker's asynchronous connections."""
    if not POOL:  # the first request opens them; the others wait on the queue meanwhile
        POOL.append(asyncio.Queue())
        for _ in range(CONNECTIONS):
            POOL[0].put_nowait(await psycopg.AsyncConnection.connect(**where()))
    connection = await POOL[0].get()
    try:
        async with connection.transaction():
            for sql, params in statements(account_id, now):
                cursor = await connection.execute(sql, params)
                if sql != WRITE:
                    await cursor.fetchall()
    finally:
        POOL[0].put_nowait(connection)


def decide(account_id: str, now: dt.datetime) -> None:
    """Lock, read, write, commit: the database work every decision needs, and nothing else."""
    if not CONNECTION:
        CONNECTION.append(connect())
    connection = CONNECTION[0]
    if TOGETHER:
        decide_together(connection, account_id, now)
        return
    with connection.transaction():
        for sql, params in statements(account_id, now):
            cursor = connection.execute(sql, params)
            if sql != WRITE:
                cursor.fetchall()


def together(account_id: str, now: dt.datetime) -> list[tuple[str, dict[str, Any]]]:
    """The transaction as two round trips: BEGIN, the lock and the read; then the write and COMMIT.

    Values are bound on the client (psycopg's client cursors), which lets one simple query carry
    several statements: the fewest round trips a decision can take, since the write depends on
    what was read.
    """
    (lock, lock_params), (read, read_params), (write, write_params) = statements(account_id, now)
    return [(f"BEGIN; {lock}; {read}", {**lock_params, **read_params}), (f"{write}; COMMIT", write_params)]


def decide_together(connection: psycopg.Connection[Any], account_id: str, now: dt.datetime) -> None:
    """`together` on a blocking connection (in autocommit mode: the statements hold the transaction)."""
    cursor = psycopg.ClientCursor(connection)
    for sql, params in together(account_id, now):
        cursor.execute(sql, params)
        while True:  # every statement's rows, as a driver must read them
            if cursor.description is not None:
                cursor.fetchall()
            if not cursor.nextset():
                break


def numbered(sql: str, names: list[str]) -> str:
    """psycopg's `%(name)s` placeholders as asyncpg's `$1`, in the order of `names`."""
    for number, name in enumerate(names, 1):
        sql = sql.replace(f"%({name})s", f"${number}")
    return sql


ASYNCPG: list[Any] = []


async def decide_asyncpg(account_id: str, now: dt.datetime) -> None:
    """The same work through asyncpg, on a pool of this worker's connections."""
    import asyncpg

    if not ASYNCPG:
        ASYNCPG.append(None)  # claimed: other first requests wait below for the pool
        url = where()
        ASYNCPG[0] = await asyncpg.create_pool(
            host=url["host"],
            port=url["port"],
            user=url["user"],
            database=url["dbname"],
            server_settings={"search_path": url["options"].removeprefix("-csearch_path=")},
            min_size=CONNECTIONS,
            max_size=CONNECTIONS,
        )
    while ASYNCPG[0] is None:
        await asyncio.sleep(0.01)
    async with ASYNCPG[0].acquire() as connection, connection.transaction():
        for sql, params in statements(account_id, now):
            names = list(params)
            values = [params[n].obj if isinstance(params[n], Json) else params[n] for n in names]
            values = [json.dumps(v) if isinstance(v, dict) else v for v in values]
            await connection.fetch(numbered(sql, names), *values)


Decide = Callable[[str, dt.datetime], Awaitable[None]]


async def decide_by_settings(account_id: str, now: dt.datetime) -> None:
    """The database work in the way the environment chose."""
    if CONNECTIONS == 0:
        return  # HTTP and JSON alone: what the server costs before any database work
    if DRIVER == "asyncpg":
        await decide_asyncpg(account_id, now)
    elif CONNECTIONS == 1:
        decide(account_id, now)
    else:
        await decide_async(account_id, now)


def asgi(work: Decide) -> Callable[[dict[str, Any], Any, Any], Awaitable[None]]:
    """An ASGI app: POST a body `{"account_id", "now"}`, `work` runs, the answer is a decision-sized body."""

    async def serve(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if body:  # a bodiless request is the benchmark asking whether the server is up
            data = json.loads(body)
            await work(data["account_id"], dt.datetime.fromisoformat(data["now"]))
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(ANSWER)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": ANSWER})

    return serve


app = asgi(decide_by_settings)
