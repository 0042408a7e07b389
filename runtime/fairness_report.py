"""`parley audit fairness`: what the engine did for each group of patients, read from its decision files.

An edge of the system: it reads the portfolio (who the patients are), one or more decision files
written by `parley decide` (what the engine proposed; pass one per day for a period), and
optionally an outcomes file (who paid), then hands plain values to `engine.scores.fairness` and
writes Markdown and a PNG chart.

Groups: `language` (the portfolio's `patient.language`), `age band` (from `patient.age`) and
`jurisdiction`. Payment outcomes come from `--outcomes FILE` (columns `account_id`, `paid`) when
given, else from the portfolio's own `paid` column.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.scores.fairness import (
    AUDIT_MEASURES,
    FOUR_FIFTHS,
    MIN_COUNT,
    SIGNIFICANCE,
    UNKNOWN,
    AuditedAccount,
    GroupRow,
    age_band,
    audit,
)
from runtime.portfolio import PortfolioError, read_rows

TRUE_WORDS = frozenset({"true", "yes", "1", "y", "t", "1.0"})
FALSE_WORDS = frozenset({"false", "no", "0", "n", "f", "0.0"})


class AuditInputError(ValueError):
    """A file the audit cannot use: missing, of an unknown kind, or without the columns it needs."""


@dataclass(frozen=True)
class AuditResult:
    """The audit's rows, and what it read."""

    rows: list[GroupRow]
    accounts: int
    decision_files: int
    decided: int  # accounts of the portfolio that appear in the decisions
    outcomes_from: str


def read_table(path: Path) -> list[dict[str, Any]]:
    """Rows of a CSV, Parquet or JSON Lines file."""
    if not path.is_file():
        raise AuditInputError(f"there is no file `{path}`")
    if path.suffix.lower() == ".jsonl":
        try:
            with path.open(encoding="utf-8") as handle:
                return [json.loads(line) for line in handle if line.strip()]
        except (UnicodeDecodeError, json.JSONDecodeError) as problem:
            raise AuditInputError(f"`{path.name}` is not JSON Lines: {problem}") from None
    try:
        return read_rows(path)
    except PortfolioError as problem:
        raise AuditInputError(str(problem)) from None
    except (UnicodeDecodeError, csv.Error) as problem:
        raise AuditInputError(f"`{path.name}` cannot be read: {problem}") from None


def flag(value: Any) -> bool | None:
    """A yes/no cell; None when empty or not a yes/no."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    return True if text in TRUE_WORDS else False if text in FALSE_WORDS else None


def text(value: Any) -> str:
    """A group label from a cell; `unknown` when empty."""
    label = str(value).strip() if value is not None else ""
    return label or UNKNOWN


def require(rows: list[dict[str, Any]], columns: Iterable[str], path: Path) -> None:
    """Stop when a file lacks a column the audit needs."""
    present = set(rows[0]) if rows else set()
    missing = [c for c in columns if c not in present]
    if missing:
        raise AuditInputError(f"`{path.name}` has no column {', '.join(f'`{c}`' for c in missing)}")


def action_counts(paths: Sequence[Path]) -> tuple[dict[str, Counter[str]], int]:
    """Per account, how many of each action the decision files propose; and how many files were read."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for path in paths:
        rows = read_table(path)
        require(rows, ("account_id", "status", "action"), path)
        for row in rows:
            account = text(row.get("account_id"))
            counts[account]  # an account decided with no action still counts as decided
            if str(row.get("status")) == "proposed" and row.get("action"):
                counts[account][str(row["action"])] += 1
    return counts, len(paths)


def paid_by_account(path: Path | None, portfolio: list[dict[str, Any]]) -> tuple[dict[str, bool | None], str]:
    """Who paid: from the outcomes file when given, else the portfolio's `paid` column."""
    if path is not None:
        rows = read_table(path)
        require(rows, ("account_id", "paid"), path)
        return {text(r["account_id"]): flag(r["paid"]) for r in rows}, f"`{path.name}`"
    if portfolio and "paid" in portfolio[0]:
        return {text(r["account_id"]): flag(r.get("paid")) for r in portfolio}, "the portfolio's `paid` column"
    return {}, "not known (no outcomes file, no `paid` column)"


def run_audit(
    portfolio_path: Path,
    decision_paths: Sequence[Path],
    outcomes_path: Path | None = None,
    references: dict[str, str] | None = None,
    min_count: int = MIN_COUNT,
) -> AuditResult:
    """Read the files and measure every group; accounts missing from the decisions count as no action."""
    portfolio = read_table(portfolio_path)
    require(portfolio, ("account_id",), portfolio_path)
    counts, files = action_counts(decision_paths)
    paid, outcomes_from = paid_by_account(outcomes_path, portfolio)
    accounts = [
        AuditedAccount(
            account_id=text(row["account_id"]),
            groups={
                "language": text(row.get("patient.language")),
                "age band": age_band(row.get("patient.age")),
                "jurisdiction": text(row.get("jurisdiction")),
            },
            actions=dict(counts.get(text(row["account_id"]), {})),
            paid=paid.get(text(row["account_id"])),
        )
        for row in portfolio
    ]
    decided = sum(1 for a in accounts if a.account_id in counts)
    return AuditResult(
        audit(accounts, references=references, min_count=min_count), len(accounts), files, decided, outcomes_from
    )


def markdown(result: AuditResult, chart_name: str | None = None) -> str:
    """The audit as Markdown: what was read, the rule, then one table per attribute."""
    flagged = [r for r in result.rows if r.flagged]
    lines = [
        "# Fairness audit",
        "",
        f"- Accounts: {result.accounts:,} ({result.decided:,} found in {result.decision_files} decision file(s))",
        f"- Payment outcomes: {result.outcomes_from}",
        f"- Flags: {len(flagged)} (four-fifths rule; groups under {MIN_COUNT} accounts are never flagged)",
        "",
        "Each value is the group's mean over its accounts (a share for yes/no measures). The ratio is the "
        f"group's value over the reference group's (the largest unless named). A favourable measure is "
        f"flagged below {FOUR_FIFTHS:g}; a burdensome one above {1 / FOUR_FIFTHS:g}, when chance does not "
        f"explain the difference (p < {SIGNIFICANCE:g}, two-sided). A flag asks a person to look; it is not a "
        "finding of discrimination.",
        "",
        "| measure | direction | what it counts |",
        "|---|---|---|",
        *[f"| {m.name} | {m.direction.value} | {m.description} |" for m in AUDIT_MEASURES.values()],
        "",
    ]
    if chart_name:
        lines += [f"![disparity ratios]({chart_name})", ""]
    for attribute in dict.fromkeys(r.attribute for r in result.rows):
        mine = [r for r in result.rows if r.attribute == attribute]
        lines += [
            f"## By {attribute} (reference: {mine[0].reference})",
            "",
            "| group | measure | accounts | value | ratio | p | flag | note |",
            "|---|---|---|---|---|---|---|---|",
            *[table_line(r) for r in mine],
            "",
        ]
    return "\n".join(lines)


def table_line(row: GroupRow) -> str:
    """One group's row of a Markdown table."""
    ratio = "—" if row.ratio is None else f"{row.ratio:.2f}"
    value = "—" if row.value != row.value else f"{row.value:.4g}"
    chance = "" if row.p_value is None else f"{row.p_value:.3f}"
    return (
        f"| {row.group} | {row.measure} | {row.count:,} | {value} | {ratio} | {chance} "
        f"| {'**flag**' if row.flagged else ''} | {row.note} |"
    )
