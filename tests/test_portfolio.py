"""Portfolio files: CSV and Parquet read to the same accounts, bad cells name their row and column,
and decisions written as CSV, Parquet and JSON Lines read back the same."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.demo_portfolio import COLUMNS, demo_rows
from runtime.portfolio import KNOWN_COLUMNS, PortfolioError, accounts_from_rows, read_portfolio
from runtime.portfolio_out import DECISION_COLUMNS, error_row, write_decisions, write_table

GOOD = {"account_id": "A1", "placed_on": "2026-03-02", "timezone": "America/Chicago"}


def one(**cells: Any):
    return accounts_from_rows([{**GOOD, **cells}])


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_demo_portfolio_reads_back_whole(tmp_path: Path, suffix: str) -> None:
    rows = demo_rows(40, seed=3)
    path = tmp_path / f"book{suffix}"
    assert write_table(path, rows, COLUMNS) == 40
    book = read_portfolio(path)
    assert book.errors == []
    assert [a.account.account_id for a in book.accounts] == [r["account_id"] for r in rows]
    assert book.accounts == accounts_from_rows(rows).accounts


def test_csv_and_parquet_give_the_same_accounts(tmp_path: Path) -> None:
    rows = demo_rows(25, seed=5)
    write_table(tmp_path / "a.csv", rows, COLUMNS)
    write_table(tmp_path / "a.parquet", rows, COLUMNS)
    assert read_portfolio(tmp_path / "a.csv").accounts == read_portfolio(tmp_path / "a.parquet").accounts


@pytest.mark.parametrize(
    ("cells", "name", "value"),
    [
        ({"balance": "$1,250.50"}, "balance", Decimal("1250.50")),
        ({"days_past_due": "130"}, "days_past_due", 130),
        ({"paid": "yes"}, "paid", True),
        ({"consent.sms": "FALSE"}, "consent.sms", False),
        ({"score.distress": "0.82"}, "score.distress", Decimal("0.82")),
        ({"best_time": "14:30"}, "best_time", 870),
        ({"patient.language": " es "}, "patient.language", "es"),
        ({"balance": ""}, "balance", None),  # empty: unknown, not zero
    ],
)
def test_fact_cells_are_typed_as_the_schema_says(cells: dict[str, str], name: str, value: object) -> None:
    book = one(**cells)
    assert book.errors == []
    assert book.accounts[0].account.facts.get(name) == value


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        ({"balance": "lots"}, "balance", "`lots` is not an amount of money"),
        ({"score.distress": "1.4"}, "score.distress", "outside what `score.distress` can be"),
        ({"paid": "maybe"}, "paid", "not a yes/no state"),
        ({"best_time": "25:00"}, "best_time", "not a time of day"),
        ({"placed_on": "03/02/2026"}, "placed_on", "write YYYY-MM-DD"),
        ({"timezone": "Mars/Olympus"}, "timezone", "not a known time zone"),
        ({"timezone": ""}, "timezone", "needs the patient's time zone"),
        ({"account_id": " "}, "account_id", "needs an id"),
        ({"history": "[{"}, "history", "not JSON"),
        ({"events": "{}"}, "events", "expected a list"),
        ({"account_events": '[{"type": "reply", "at": "soon"}]'}, "account_events[0].at", "not a time"),
        ({"progress": '{"steps_acted": {"Call": "x"}}'}, "progress", "whole numbers"),
    ],
)
def test_a_bad_cell_names_its_row_and_column(cells: dict[str, str], column: str, words: str) -> None:
    book = accounts_from_rows([GOOD | {"account_id": "A0"}, {**GOOD, "account_id": "A9", **cells}])
    assert len(book.accounts) == 1  # the good row is still decided
    (error,) = book.errors
    assert (error.row, error.column) == (2, column)
    assert words in error.message
    assert error.render().startswith("row 2")


def test_a_duplicate_account_is_reported() -> None:
    book = accounts_from_rows([GOOD, GOOD])
    assert [(e.row, e.column) for e in book.errors] == [(2, "account_id")]


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ({**GOOD, "balanse": "1"}, "unknown column `balanse`; did you mean `balance`?"),
        ({"account_id": "A1", "timezone": "America/Chicago"}, "no `placed_on` column"),
    ],
)
def test_a_bad_header_stops_the_run(row: dict[str, str], words: str) -> None:
    with pytest.raises(PortfolioError, match=re.escape(words)):
        accounts_from_rows([row])


@pytest.mark.parametrize("name", ["book.xlsx", "missing.csv"])
def test_a_file_that_is_not_a_portfolio(tmp_path: Path, name: str) -> None:
    with pytest.raises(PortfolioError):
        read_portfolio(tmp_path / name)


def test_json_columns_reach_the_account_and_ledger() -> None:
    book = one(
        debts='[{"id": "D7", "kind": "medical", "balance": "90.00"}]',
        history='[{"at": "2026-03-03T10:00:00", "channel": "call", "outcome": "no_answer"}]',
        account_events=json.dumps([{"id": "R1", "type": "reply", "at": "2026-03-04T09:00:00", "facts": {"x": 1}}]),
        progress='{"steps_acted": {"Call": 2}, "handled": ["on reply #1|R0"]}',
        score_sources='{"score.distress": {"model": "distress-hgb", "version": "1.0.0"}}',
        organization="provider",
    )
    item = book.accounts[0]
    assert item.account.debts == ("D7",)
    assert item.ledger.organization == "provider" and len(item.ledger.history) == 1
    (reply,) = item.account.events
    assert reply.at == dt.datetime(2026, 3, 4, 9, tzinfo=ZoneInfo("America/Chicago"))  # patient-local
    assert item.account.progress.steps_acted == {"Call": 2}
    assert item.account.score_sources["score.distress"].model_id == "distress-hgb"


ROWS = [
    {c: None for c in DECISION_COLUMNS}
    | {"account_id": "A1", "status": "proposed", "action": "send", "day": 3, "details": {"tone": "gentle"}},
    {c: None for c in DECISION_COLUMNS} | {"account_id": "A2", "status": "none", "day": 4, "trace": {"steps": []}},
]


def test_decisions_as_csv_parquet_and_jsonl_agree(tmp_path: Path) -> None:
    for suffix in (".csv", ".parquet", ".jsonl"):
        assert write_decisions(tmp_path / f"out{suffix}", ROWS) == 2
    with (tmp_path / "out.csv").open() as handle:
        from_csv = list(csv.DictReader(handle))
    from_parquet = pq.read_table(tmp_path / "out.parquet").to_pylist()
    from_jsonl = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert list(from_csv[0]) == list(DECISION_COLUMNS) == list(from_parquet[0]) == list(from_jsonl[0])
    assert json.loads(from_csv[0]["details"]) == json.loads(from_parquet[0]["details"]) == from_jsonl[0]["details"]
    assert [r["day"] for r in from_parquet] == [3, 4] == [r["day"] for r in from_jsonl]


def test_an_unreadable_row_becomes_an_error_row() -> None:
    (error,) = accounts_from_rows([{**GOOD, "balance": "lots"}]).errors
    row = error_row(error)
    assert row["status"] == "error" and row["account_id"] == "A1" and "balance" in row["error"]


def test_writing_to_an_unknown_suffix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PortfolioError):
        write_decisions(tmp_path / "out.xlsx", ROWS)


def test_parquet_is_written_in_chunks_without_losing_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import runtime.portfolio_out as portfolio_out

    monkeypatch.setattr(portfolio_out, "PARQUET_CHUNK", 1)
    many = [ROWS[0] | {"account_id": f"A{i}"} for i in range(5)]
    assert write_decisions(tmp_path / "out.parquet", iter(many)) == 5
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.column("account_id").to_pylist() == [f"A{i}" for i in range(5)]
    assert pq.ParquetFile(tmp_path / "out.parquet").num_row_groups == 5


def test_the_demo_portfolio_is_the_same_for_the_same_seed() -> None:
    assert demo_rows(20, seed=4) == demo_rows(20, seed=4)
    assert demo_rows(20, seed=4) != demo_rows(20, seed=5)


CELL = st.none() | st.text(max_size=15) | st.booleans() | st.integers() | st.floats(allow_nan=True)
COLUMN = st.sampled_from(sorted(KNOWN_COLUMNS))


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.dictionaries(COLUMN, CELL, max_size=8), min_size=1, max_size=3))
def test_any_cells_give_accounts_or_named_errors(rows: list[dict[str, Any]]) -> None:
    rows = [GOOD | row for row in rows]
    book = accounts_from_rows(rows)
    assert len(book.accounts) + len(book.errors) == len(rows)
    assert all(e.column and e.message for e in book.errors)
