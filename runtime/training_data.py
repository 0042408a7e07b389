"""A provider's own payment history, read for `parley train --data FILE` (CSV or Parquet).

An edge of the system: it reads a file and hands facts and outcomes to `engine.scores.models`,
the same pipeline that trains the shipped models. Every problem is collected, not raised one at a
time, and each names its row and column so the file can be fixed in one pass.

Columns (one row per closed account; an empty cell is unknown and takes the feature's documented
default, `engine.scores.features`):

| column | meaning |
|---|---|
| `paid_in_full` | required outcome: `1`/`true` when the balance was paid in full, else `0`/`false` |
| `distressed` | required outcome: `1`/`true` when the patient was found in financial hardship |
| `balance` | required: the balance when outreach began, in dollars |
| `original_balance`, `days_past_due`, `days_since_first_statement` | optional numbers |
| `insured`, `plan_active` | optional yes/no (`1`/`0`, `true`/`false`) |
| `patient.age` | optional, in years |
| `prior_statements`, `prior_payments`, `missed_payments`, `contacts_reached` | optional counts |
| `income_to_poverty` | optional: household income over the federal poverty guideline |
| `account_id` | optional: named in error messages |
| `patient.language`, `jurisdiction` | optional: groups for the model card's fairness summary |

Any other column is an error (a misspelt feature would otherwise be silently ignored).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dsl.schema import suggest
from engine.scores.features import SOURCES, Source, read_number

OUTCOMES = ("paid_in_full", "distressed")
REQUIRED = (*OUTCOMES, "balance")
FEATURE_COLUMNS = {source.fact: source for source in SOURCES.values()}
EXTRA_FACTS = {"days_since_first_statement": Source("days_since_first_statement", 0.0, "", 0.0)}
GROUP_COLUMNS = {"patient.language": "language", "jurisdiction": "jurisdiction"}
KNOWN = frozenset({*OUTCOMES, *FEATURE_COLUMNS, *EXTRA_FACTS, *GROUP_COLUMNS, "account_id"})
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "t", "1.0"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "f", "0.0"})
MIN_EACH_OUTCOME = 25  # fewer and the 3-fold calibration on 80% of the rows has too little to learn from
MAX_SHOWN = 20


class TrainingDataError(ValueError):
    """The file cannot be trained on; `problems` lists every reason found, each naming where."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class TrainingSet:
    """Accounts as facts, their two outcomes, their groups, and what identifies the file."""

    facts: list[dict[str, object]]
    outcomes: dict[str, np.ndarray]
    groups: dict[str, list[str]] = field(default_factory=dict)
    description: str = ""
    absent: tuple[str, ...] = ()  # feature columns the file does not have (their defaults apply)


def file_hash(path: Path) -> str:
    """The file's SHA-256, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The file's rows as dictionaries (CSV cells as text, Parquet cells as stored)."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise TrainingDataError([f"there is no file `{path}`"])
    import pandas as pd  # loaded only to train: it costs a second at import

    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")  # Excel adds a BOM
        elif suffix in {".parquet", ".pq"}:
            frame = pd.read_parquet(path)
        else:
            raise TrainingDataError([f"`{path.name}`: train on a `.csv` or `.parquet` file"])
    except (ValueError, OSError, UnicodeDecodeError) as problem:
        if isinstance(problem, TrainingDataError):
            raise
        raise TrainingDataError([f"`{path.name}` cannot be read: {problem}"]) from problem
    return frame.to_dict(orient="records")


def check_columns(columns: list[str]) -> list[str]:
    """Problems with the header: required columns missing, unknown columns (with a near name)."""
    problems = [f"column `{name}` is missing; every row needs it" for name in REQUIRED if name not in columns]
    for name in columns:
        if name not in KNOWN:
            near = suggest(name, KNOWN)
            hint = f"; did you mean `{near}`?" if near else ""
            problems.append(f"column `{name}` is not one `parley train` reads{hint}")
    return problems


def blank(value: Any) -> bool:
    """Whether a cell is empty (an empty string, None or NaN)."""
    return (
        value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, float) and value != value)
    )


def read_outcome(value: Any) -> int | None:
    """A 0/1 outcome from a cell, or None when it is not one."""
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, int | float | np.integer | np.floating) and value in (0, 1):
        return int(value)
    text = str(value).strip().lower()
    return 1 if text in TRUE_WORDS else 0 if text in FALSE_WORDS else None


def read_cell(column: str, value: Any, where: str) -> tuple[object | None, str | None]:
    """One feature cell as a fact value, or the problem with it."""
    source = FEATURE_COLUMNS.get(column) or EXTRA_FACTS[column]
    if isinstance(value, np.generic):
        value = value.item()  # Parquet's numbers arrive as numpy scalars
    if source.high == 1:  # yes/no features
        flag = read_outcome(value)
        return (None, f"{where}, column `{column}`: `{value}` is not yes or no") if flag is None else (flag, None)
    number = read_number(value.strip() if isinstance(value, str) else value, source)
    if number is None:
        if read_number(value, Source(column, 0.0, "", -np.inf)) is None:
            return None, f"{where}, column `{column}`: `{value}` is not a number"
        upper = "" if source.high == np.inf else f" to {source.high:g}"
        return None, f"{where}, column `{column}`: `{value}` is outside {source.low:g}{upper}"
    return number, None


def read_training(path: Path) -> TrainingSet:
    """Facts, outcomes and groups from a provider's file, or a `TrainingDataError` naming every problem."""
    rows = read_rows(path)
    if not rows:
        raise TrainingDataError([f"`{path.name}` has no rows"])
    columns = list(rows[0])
    problems = check_columns(columns)
    if problems:
        raise TrainingDataError(problems)
    facts: list[dict[str, object]] = []
    outcomes: dict[str, list[int]] = {name: [] for name in OUTCOMES}
    groups: dict[str, list[str]] = {GROUP_COLUMNS[c]: [] for c in columns if c in GROUP_COLUMNS}
    for number, row in enumerate(rows, start=1):
        where = row_name(number, row)
        fact: dict[str, object] = {}
        for column, value in row.items():
            if column in OUTCOMES:
                outcome = read_outcome(value)
                if outcome is None:
                    problems.append(f"{where}, column `{column}`: `{value}` is not 0 or 1 (or true or false)")
                outcomes[column].append(outcome or 0)
            elif column in GROUP_COLUMNS:
                groups[GROUP_COLUMNS[column]].append("unknown" if blank(value) else str(value).strip())
            elif column != "account_id" and not blank(value):
                read, problem = read_cell(column, value, where)
                if problem:
                    problems.append(problem)
                else:
                    fact[column] = read
        if blank(row.get("balance")):
            problems.append(f"{where}, column `balance`: it is empty; every row needs a balance")
        facts.append(fact)
    arrays = {name: np.array(values, dtype=int) for name, values in outcomes.items()}
    problems += [problem for name, values in arrays.items() if (problem := too_few(name, values))]
    if problems:
        shown = problems[:MAX_SHOWN]
        if len(problems) > MAX_SHOWN:
            shown.append(f"… and {len(problems) - MAX_SHOWN} more problem(s)")
        raise TrainingDataError(shown)
    described = f"provider history `{path.name}` (sha256 {file_hash(path)[:16]}, {len(rows):,} rows)"
    absent = tuple(name for name, s in SOURCES.items() if s.fact not in columns)
    return TrainingSet(facts, arrays, groups, described, absent)


def row_name(number: int, row: Mapping[str, Any]) -> str:
    """`row 17` or `row 17 (A17)` when the row has an account id."""
    account = row.get("account_id")
    return f"row {number}" if blank(account) else f"row {number} ({str(account).strip()})"


def too_few(name: str, values: np.ndarray) -> str | None:
    """A problem when an outcome has too few accounts on either side to learn and measure."""
    yes, no = int(values.sum()), int(len(values) - values.sum())
    if min(yes, no) >= MIN_EACH_OUTCOME:
        return None
    return (
        f"column `{name}`: {yes} account(s) with 1 and {no} with 0; training needs at least "
        f"{MIN_EACH_OUTCOME} of each to learn and to measure the model on rows it never saw"
    )
