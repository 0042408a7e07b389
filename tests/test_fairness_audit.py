"""`parley audit fairness`: the engine's decisions measured per language, age band and jurisdiction,
from the files `parley decide` writes, as Markdown and a PNG chart."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from runtime.cli import app
from runtime.demo_portfolio import COLUMNS, demo_rows
from runtime.fairness_report import AuditInputError, run_audit
from runtime.portfolio_out import DECISION_COLUMNS, write_table

runner = CliRunner()


def write(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def book(tmp_path: Path) -> tuple[Path, Path]:
    """100 English and 50 Spanish speakers; the Spanish speakers get more calls and fewer plan offers."""
    people = [("en", 40, "US-TX")] * 100 + [("es", 70, "US-CA")] * 50
    portfolio = [
        {"account_id": f"A{i}", "patient.language": lang, "patient.age": age, "jurisdiction": j, "paid": i % 4 == 0}
        for i, (lang, age, j) in enumerate(people)
    ]
    decisions: list[dict[str, object]] = []
    for i, (lang, _, _) in enumerate(people):
        decisions.append({"account_id": f"A{i}", "status": "proposed", "action": "call"})
        if lang == "es":
            decisions.append({"account_id": f"A{i}", "status": "proposed", "action": "call"})
        if lang == "en" or i % 5 == 0:
            decisions.append({"account_id": f"A{i}", "status": "proposed", "action": "offer_plan"})
        if i == 3:
            decisions.append({"account_id": f"A{i}", "status": "none", "action": ""})
    return write(tmp_path / "portfolio.csv", portfolio), write(tmp_path / "decisions.csv", decisions)


def test_disparities_per_group(tmp_path: Path) -> None:
    portfolio, decisions = book(tmp_path)
    result = run_audit(portfolio, [decisions])
    rows = {(r.attribute, r.group, r.measure): r for r in result.rows}
    calls = rows["language", "es", "contacts per account"]
    assert (calls.reference, calls.value, calls.ratio, calls.flagged) == ("en", 2.0, 2.0, True)
    offers = rows["language", "es", "plan offers"]
    assert (offers.value, offers.ratio, offers.flagged) == (0.2, 0.2, True)
    assert rows["age band", "65+", "plan offers"].flagged and rows["age band", "35-49", "plan offers"].ratio == 1.0
    assert rows["jurisdiction", "US-CA", "plan offers"].reference == "US-TX"
    assert rows["language", "es", "payments"].ratio == 1.04 and not rows["language", "es", "payments"].flagged
    assert (result.accounts, result.decided, result.decision_files) == (150, 150, 1)


def test_several_days_of_decisions_and_an_outcomes_file(tmp_path: Path) -> None:
    portfolio, decisions = book(tmp_path)
    outcomes = write(
        tmp_path / "paid.csv", [{"account_id": f"A{i}", "paid": "yes" if i < 100 else "no"} for i in range(150)]
    )
    result = run_audit(portfolio, [decisions, decisions], outcomes, references={"language": "es"})
    rows = {(r.attribute, r.group, r.measure): r for r in result.rows}
    assert rows["language", "es", "contacts per account"].value == 4.0  # two days of two calls
    assert rows["language", "en", "contacts per account"].reference == "es"
    assert rows["language", "es", "payments"].value == 0.0 and result.outcomes_from == "`paid.csv`"


def test_the_command_writes_markdown_and_a_chart(tmp_path: Path) -> None:
    portfolio, decisions = book(tmp_path)
    out = tmp_path / "audit"
    result = runner.invoke(
        app, ["audit", "fairness", "--portfolio", str(portfolio), "--decisions", str(decisions), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "flag: language `es`, plan offers: ratio 0.20 to `en`" in result.stdout
    report = (out / "fairness.md").read_text()
    assert "## By language (reference: en)" in report and "| es | plan offers | 50 | 0.2 | 0.20 |" in report
    assert (out / "fairness.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("portfolio", "decisions", "words"),
    [
        ("missing.csv", "decisions.csv", "there is no file `"),
        ("portfolio.csv", "portfolio.csv", "has no column `status`, `action`"),
        ("portfolio.txt", "decisions.csv", "neither CSV nor Parquet"),
        ("portfolio.csv", "broken.jsonl", "is not JSON Lines"),
    ],
)
def test_unusable_files_are_refused_clearly(tmp_path: Path, portfolio: str, decisions: str, words: str) -> None:
    book(tmp_path)
    (tmp_path / "portfolio.txt").write_text("x")
    (tmp_path / "broken.jsonl").write_text("{not json\n")
    with pytest.raises(AuditInputError, match=words):
        run_audit(tmp_path / portfolio, [tmp_path / decisions])
    argv = ["audit", "fairness", "--portfolio", str(tmp_path / portfolio), "--decisions", str(tmp_path / decisions)]
    result = runner.invoke(app, [*argv, "--out", str(tmp_path / "audit")])
    assert result.exit_code == 2 and words in result.output and "Traceback" not in result.output


def test_a_bad_reference_is_refused(tmp_path: Path) -> None:
    portfolio, decisions = book(tmp_path)
    argv = ["audit", "fairness", "--portfolio", str(portfolio), "--decisions", str(decisions), "--reference", "en"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 2 and "ATTRIBUTE=GROUP" in result.output


def test_on_the_engines_own_decisions(tmp_path: Path) -> None:
    """End to end: the demo portfolio, `parley decide` as JSON Lines, then the audit."""
    portfolio = tmp_path / "demo.csv"
    write_table(portfolio, demo_rows(200, seed=3), COLUMNS)
    decisions = tmp_path / "decisions.jsonl"
    argv = ["decide", "--portfolio", str(portfolio), "--strategy", "strategies/hardship_first.parley"]
    decided = runner.invoke(app, [*argv, "--now", "2026-03-16T15:00:00Z", "--out", str(decisions)])
    assert decided.exit_code == 0, decided.output
    assert set(json.loads(decisions.read_text().splitlines()[0])) == set(DECISION_COLUMNS)
    result = run_audit(portfolio, [decisions])
    assert result.decided == 200 and {r.attribute for r in result.rows} == {"language", "age band", "jurisdiction"}
    assert {r.group for r in result.rows if r.attribute == "language"} == {"en", "es"}
