"""A portfolio on disk: accounts in (CSV or Parquet), decisions out (CSV, Parquet or JSON Lines).

This is an edge of the system: it reads and writes files and hands pure values to `engine`.

Portfolio columns (one row per account; CSV text or Parquet values; an empty cell is unknown):

| column | meaning |
|---|---|
| `account_id` | required; unique in the file |
| `placed_on` | required; the day the account entered the strategy, `2026-03-02` |
| `timezone` | required; the patient's IANA time zone, `America/Chicago` |
| `organization` | who collects (`agency`, `provider`, `nonprofit_hospital`); empty: the strategy's |
| a fact of the language | `balance`, `days_past_due`, `jurisdiction`, `consent.sms`, `paid`, `score.distress`, … |
| `debts` | JSON list of the guard case's debts (`{"id": "D1", "kind": "medical", …}`); empty: one debt `D1` |
| `history` | JSON list of the guard case's ledger rows (`{"at", "channel", "direction", "debts", "outcome"}`) |
| `events` | JSON list of the guard case's events (`{"at", "type", "debt", …}`) |
| `patient` | JSON object adding to the guard case's patient (`inconvenient_times`, `contact_points`, …) |
| `account_events` | JSON list of what the strategy reacts to: `{"id", "type", "at", "facts"}` |
| `progress` | JSON object: `steps_acted`, `last_acted_day`, `handler_counts` (name → count), `handled` (list) |
| `score_sources` | JSON object: score name → `{"model": …, "version": …}` |

`progress` also holds `paused_until`, `stopped_channels` and `ended` while a strategy's own `pause`
or `stop` is in force (`engine.holds`). The last reply's `intent.*` and `sentiment.*` facts become
the account's where its columns do not set them (`engine.account.with_last_reply`), as in the service.
The file says which events are news: a conversation in `history` is the guard's (it starts Regulation
F's seven days) and the strategy hears it (`on conversation`) only when `account_events` lists it too;
a `history` row is often an old contact that a portfolio without `progress` would otherwise hear again.

Facts are typed as the schema says (`dsl.schema.FACTS`): money and scores as decimals (`$` and
thousands separators allowed), days as whole numbers, states, consents and intents as `true` or
`false`, `best_time` as `14:30`. Times without an offset are the patient's local time. A row that
cannot be read is reported with its row number and column, and the other rows are decided.

Decisions are written by `runtime.portfolio_out`.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dsl.schema import FACTS, Kind, suggest
from engine.account import Account, AccountEvent, Progress, ScoreSource, with_last_reply
from engine.decide import CONTACT_CHANNELS
from engine.guarding import Ledger, prepare_ledger

REQUIRED = ("account_id", "placed_on", "timezone")
JSON_COLUMNS = ("debts", "history", "events", "patient", "account_events", "progress", "score_sources")
KNOWN_COLUMNS = frozenset({*REQUIRED, "organization", *JSON_COLUMNS, *FACTS})
READ_SUFFIXES = (".csv", ".parquet", ".pq")
TRUE_WORDS = frozenset({"true", "yes", "1", "y", "t"})
FALSE_WORDS = frozenset({"false", "no", "0", "n", "f"})


class PortfolioError(ValueError):
    """The file as a whole cannot be read: missing, of an unknown kind, or with unknown columns."""


@dataclass(frozen=True)
class RowError:
    """One row that could not be read, and why."""

    row: int  # 1-based, counting data rows
    account_id: str | None
    column: str
    message: str

    def render(self) -> str:
        """`row 17 (A17), column `balance`: …`."""
        who = f" ({self.account_id})" if self.account_id else ""
        return f"row {self.row}{who}, column `{self.column}`: {self.message}"


@dataclass(frozen=True)
class PortfolioAccount:
    """An account ready to decide on, with the ledger its guard reads."""

    account: Account
    ledger: Ledger
    row: int


@dataclass
class Portfolio:
    """Every account read, and every row that could not be."""

    accounts: list[PortfolioAccount] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class BadCell(Exception):
    """A cell that cannot be read (becomes a `RowError`)."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


# ---------------------------------------------------------------- reading


def read_portfolio(path: Path) -> Portfolio:
    """Every account in a CSV or Parquet file; raises `PortfolioError` when the file itself is unusable."""
    return accounts_from_rows(read_rows(path))


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The file's rows as column → value."""
    suffix = path.suffix.lower()
    if suffix not in READ_SUFFIXES:
        raise PortfolioError(f"`{path.name}` is neither CSV nor Parquet; name it `.csv` or `.parquet`")
    if not path.is_file():
        raise PortfolioError(f"there is no portfolio file `{path}`")
    if suffix == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return list(csv.DictReader(handle))
    import pyarrow.parquet as pq  # only a Parquet run pays for the import

    try:
        return pq.read_table(path).to_pylist()
    except (OSError, ValueError) as problem:
        raise PortfolioError(f"`{path.name}` is not a readable Parquet file ({problem})") from None


def accounts_from_rows(rows: Iterable[dict[str, Any]]) -> Portfolio:
    """Accounts from rows; unknown columns stop the run, a bad cell only skips its row."""
    portfolio = Portfolio()
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        if number == 1:
            check_columns(row)
        try:
            item = account_from_row(row, number)
        except BadCell as bad:
            portfolio.errors.append(RowError(number, text_or_none(row.get("account_id")), bad.column, bad.message))
            continue
        if item.account.account_id in seen:
            portfolio.errors.append(
                RowError(number, item.account.account_id, "account_id", "this account is listed twice")
            )
            continue
        seen.add(item.account.account_id)
        portfolio.accounts.append(item)
    return portfolio


def check_columns(row: dict[str, Any]) -> None:
    """Every column is one we know, and the required ones are there."""
    missing = [c for c in REQUIRED if c not in row]
    if missing:
        raise PortfolioError(f"the portfolio has no `{missing[0]}` column; required: {', '.join(REQUIRED)}")
    for column in row:
        if column not in KNOWN_COLUMNS:
            near = suggest(column, KNOWN_COLUMNS)
            hint = f"; did you mean `{near}`?" if near else ""
            raise PortfolioError(f"unknown column `{column}`{hint}")


def account_from_row(row: dict[str, Any], number: int) -> PortfolioAccount:
    """One account and its ledger; raises `BadCell` naming the column."""
    account_id = text_or_none(row.get("account_id"))
    if account_id is None:
        raise BadCell("account_id", "every account needs an id")
    zone_name = read_zone(row.get("timezone"))
    zone = ZoneInfo(zone_name)
    facts = {name: read_fact(name, value) for name, value in row.items() if name in FACTS and not blank(value)}
    debts = json_cell(row, "debts", list)
    ledger = Ledger(
        history=tuple(json_cell(row, "history", list)),
        events=tuple(json_cell(row, "events", list)),
        debts=tuple(debts),
        patient=json_cell(row, "patient", dict),
        organization=text_or_none(row.get("organization")),
    )
    debt_ids = tuple(str(d.get("id")) for d in debts if isinstance(d, dict)) or ("D1",)
    zones = ledger.patient.get("timezones", [])
    extra_zones = tuple(read_zone(z, "patient") for z in zones if z != zone_name) if isinstance(zones, list) else ()
    account = Account(  # what the patient said last reaches the steps and the guard, as in the service
        account_id=account_id,
        placed_on=read_date(row.get("placed_on")),
        timezone=zone_name,
        facts=facts,
        events=read_account_events(json_cell(row, "account_events", list), zone),
        progress=read_progress(json_cell(row, "progress", dict)),
        score_sources=read_sources(json_cell(row, "score_sources", dict)),
        debts=debt_ids,
        extra_zones=extra_zones,
    )
    # The ledger's rows are validated here, once, as a database validates a row when it is written;
    # deciding then builds each guard case from typed objects (a row that does not read is left
    # for the guard, whose refusal names the field).
    account = with_last_reply(account)
    return PortfolioAccount(account, prepare_ledger(account, ledger), number)


def blank(value: Any) -> bool:
    """An empty cell: unknown."""
    return value is None or (isinstance(value, str) and not value.strip())


def text_or_none(value: Any) -> str | None:
    """A cell as trimmed text, None when empty."""
    return None if blank(value) else str(value).strip()


def read_zone(value: Any, column: str = "timezone") -> str:
    """An IANA time zone name (`column` names where it was read, for the error)."""
    name = text_or_none(value)
    if name is None:
        raise BadCell(column, "every account needs the patient's time zone, such as `America/Chicago`")
    try:
        ZoneInfo(name)
    except (ValueError, OSError, LookupError):
        raise BadCell(column, f"`{name}` is not a known time zone; use a name such as `America/Chicago`") from None
    return name


def read_date(value: Any) -> dt.date:
    """`placed_on` as a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = text_or_none(value)
    try:
        return dt.date.fromisoformat(text or "")
    except ValueError:
        raise BadCell("placed_on", f"`{text or ''}` is not a date; write YYYY-MM-DD") from None


def read_fact(name: str, value: Any) -> object:
    """A fact cell in the type the schema gives it."""
    fact = FACTS[name]
    kind = fact.kind
    if kind is Kind.BOOLEAN:
        return read_bool(name, value)
    if kind in (Kind.MONEY, Kind.SCORE, Kind.DAYS, Kind.NUMBER):
        number = read_number(name, value, kind)
        if not fact.in_range(number):
            raise BadCell(name, f"`{value}` is outside what `{name}` can be")
        if kind in (Kind.DAYS, Kind.NUMBER) and number == number.to_integral_value():
            return int(number)
        return number
    if kind is Kind.CLOCK:
        return read_clock(name, value)
    return str(value).strip()


def read_bool(name: str, value: Any) -> bool:
    """`true`/`false` (also yes/no, 1/0)."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise BadCell(name, f"`{value}` is not a yes/no state; write `true` or `false`")


def read_number(name: str, value: Any, kind: Kind) -> Decimal:
    """A decimal number; money may carry `$` and thousands separators."""
    if isinstance(value, bool):
        raise BadCell(name, f"`{value}` is not {kind.words}")
    text = str(value).strip().replace(",", "").removeprefix("$")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise BadCell(name, f"`{value}` is not {kind.words}") from None
    if not number.is_finite():
        raise BadCell(name, f"`{value}` is not {kind.words}")
    return number


def read_clock(name: str, value: Any) -> int:
    """`14:30` as minutes since midnight (what decide compares `best_time` in)."""
    text = str(value).strip()
    hours, _, minutes = text.partition(":")
    if hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60 and len(minutes) == 2:
        return int(hours) * 60 + int(minutes)
    raise BadCell(name, f"`{text}` is not a time of day such as `14:30`")


def json_cell(row: dict[str, Any], column: str, shape: type) -> Any:
    """A JSON column's value (a list or an object); empty: an empty one."""
    value = row.get(column)
    if blank(value):
        return shape()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as problem:
            raise BadCell(column, f"not JSON: {problem.msg} at character {problem.pos}") from None
    if not isinstance(value, shape):
        wanted = "a list `[…]`" if shape is list else "an object `{…}`"
        raise BadCell(column, f"expected {wanted}")
    return value


def read_account_events(items: list[Any], zone: ZoneInfo) -> tuple[AccountEvent, ...]:
    """`account_events`: what the strategy's `on EVENT` handlers react to."""
    events = []
    for index, item in enumerate(items):
        where = f"account_events[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise BadCell(where, 'expected an object with a `type`, such as `{"type": "reply", …}`')
        facts = item.get("facts", {})
        if not isinstance(facts, dict):
            raise BadCell(f"{where}.facts", "expected an object `{…}`")
        at = read_instant(item.get("at"), zone, f"{where}.at")
        events.append(AccountEvent(str(item.get("id", f"E{index + 1}")), item["type"], at, facts))
    return tuple(events)


def read_instant(value: Any, zone: ZoneInfo, column: str) -> dt.datetime:
    """An ISO time; without an offset it is the patient's local time."""
    try:
        at = dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise BadCell(column, f"`{value}` is not a time such as `2026-03-10T14:05:00`") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=zone)


def read_progress(data: dict[str, Any]) -> Progress:
    """`progress`: how far the account has come through the strategy, and the `pause` and `stop` in force."""
    try:
        return Progress(
            steps_acted={str(k): int(v) for k, v in data.get("steps_acted", {}).items()},
            last_acted_day={str(k): int(v) for k, v in data.get("last_acted_day", {}).items()},
            handled=frozenset(str(h) for h in data.get("handled", [])),
            handler_counts={str(k): int(v) for k, v in data.get("handler_counts", {}).items()},
            paused_until=paused_until(data.get("paused_until")),
            stopped_channels=stopped_channels(data.get("stopped_channels", [])),
            ended=flag(data.get("ended", False)),
        )
    except (AttributeError, TypeError, ValueError):
        raise BadCell(
            "progress",
            "expected counts as whole numbers, `handled` as a list, `stopped_channels` as a list of "
            "channels, `ended` as true or false and `paused_until` as a time with its UTC offset",
        ) from None


def stopped_channels(value: Any) -> frozenset[str]:
    """`progress.stopped_channels`: a list of contact channels (a bare string is not one)."""
    if not isinstance(value, list) or any(c not in CONTACT_CHANNELS for c in value):
        raise ValueError("stopped_channels")
    return frozenset(value)


def flag(value: Any) -> bool:
    """A true or false that is one (not the text `"true"`)."""
    if not isinstance(value, bool):
        raise ValueError("ended")
    return value


def paused_until(value: Any) -> dt.datetime | None:
    """`progress.paused_until`: an instant with its offset, or nothing."""
    if value is None:
        return None
    at = dt.datetime.fromisoformat(str(value))
    if at.utcoffset() is None:
        raise ValueError("a pause ends at an instant with its UTC offset")
    return at


def read_sources(data: dict[str, Any]) -> dict[str, ScoreSource]:
    """`score_sources`: which model gave each score."""
    sources = {}
    for name, source in data.items():
        if not isinstance(source, dict):
            raise BadCell(f"score_sources.{name}", 'expected `{"model": …, "version": …}`')
        sources[str(name)] = ScoreSource(str(source.get("model", "")), str(source.get("version", "")))
    return sources
