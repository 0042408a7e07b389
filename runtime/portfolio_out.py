"""Decisions out of a portfolio run: CSV, Parquet or JSON Lines, one row per proposed action.

Decision columns (one row per proposed action; an account with none, or whose row could not be
read, has one row with an empty `action`): `account_id`, `status` (`proposed`, `none`, `error`),
`action`, `source` (step or handler), `channel`, `template`, `at` (the send time, with offset),
`details` (JSON; a `screen` also names the hand-off `queue` and `priority` the service would
open for it), `day`, `outcome`, `strategy`, `strategy_version`, `strategy_hash`, `evaluator`,
`now`, `error`, `trace` (JSON: every step, the conditions with their values, the scores, the
guard's verdicts). JSON Lines carries `details` and `trace` as objects instead of text.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from engine.decide import Decision
from engine.plan import Plan
from runtime.portfolio import PortfolioError, RowError
from runtime.store.handoffs_screening import is_screen, screening_details

WRITE_SUFFIXES = (".csv", ".parquet", ".pq", ".jsonl")
PARQUET_CHUNK = 10_000  # rows per Parquet row group: bounded memory on any portfolio size
# INVARIANT: the order of the decision file's columns; readers of old files rely on it.
DECISION_COLUMNS = ("account_id", "status", "action", "source", "channel", "template", "at", "details", "day")
DECISION_COLUMNS += ("outcome", "strategy", "strategy_version", "strategy_hash", "evaluator", "now", "error", "trace")


def decision_rows(decision: Decision, plan: Plan, evaluator: str) -> list[dict[str, Any]]:
    """A decision as output rows: one per proposal, or one saying why there is none."""
    common = {
        "account_id": decision.account_id,
        "day": decision.day,
        "outcome": decision.trace.outcome,
        "strategy": plan.strategy.name,
        "strategy_version": plan.version,
        "strategy_hash": decision.strategy_hash,
        "evaluator": evaluator,
        "now": decision.now.isoformat(),
        "error": None,
        "trace": decision.trace.to_dict(),
    }
    if not decision.proposals:
        return [{**dict.fromkeys(DECISION_COLUMNS), **common, "status": "none"}]
    return [
        {
            **common,
            "status": "proposed",
            "action": p.action,
            "source": p.source,
            "channel": p.channel,
            "template": p.template,
            "at": p.at.isoformat(),
            "details": screening_details(p, decision.proposals) if is_screen(p) else dict(p.details),
        }
        for p in decision.proposals
    ]


def error_row(error: RowError) -> dict[str, Any]:
    """The output row of an account whose row could not be read."""
    return dict.fromkeys(DECISION_COLUMNS) | {
        "account_id": error.account_id,
        "status": "error",
        "error": error.render(),
    }


def write_decisions(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write decision rows as CSV, Parquet or JSON Lines (by the suffix); the number written."""
    return write_table(path, rows, DECISION_COLUMNS)


def write_table(path: Path, rows: Iterable[dict[str, Any]], columns: tuple[str, ...]) -> int:
    """Rows to a file by its suffix; objects become JSON text except in JSON Lines."""
    suffix = path.suffix.lower()
    if suffix not in WRITE_SUFFIXES:
        raise PortfolioError(f"`{path.name}`: write `.csv`, `.parquet` or `.jsonl`")
    count = 0
    if suffix == ".jsonl":
        with path.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False, default=str) + "\n")
                count += 1
        return count
    flat = ({c: cell(row.get(c)) for c in columns} for row in rows)
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for row in flat:
                writer.writerow(row)
                count += 1
        return count
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(c, pa.int64() if c == "day" else pa.string()) for c in columns])
    with pq.ParquetWriter(path, schema) as writer:
        for chunk in batched(flat, PARQUET_CHUNK):
            writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
            count += len(chunk)
    return count


def batched(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """Rows in lists of `size` (the last one shorter)."""
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def cell(value: Any) -> Any:
    """A value as a flat cell: objects as JSON text, numbers of days as they are, the rest as text."""
    if value is None or (isinstance(value, int | str) and not isinstance(value, bool)):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value).lower() if isinstance(value, bool) else str(value)
