"""`parley guard` and `parley decide` through typer's runner: verdicts, exit codes, no tracebacks,
and the three engines deciding a demo portfolio the same way."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from runtime.cli import app
from runtime.commands.engine_cmds import register
from runtime.demo_portfolio import COLUMNS, demo_rows
from runtime.portfolio_out import write_table

ROOT = Path(__file__).parent.parent
CASES = ROOT / "tests" / "guard_cases"
POLICIES = ROOT / "policies"
STRATEGY = ROOT / "strategies" / "agency_placement.parley"
NOW = "2026-03-16T13:00:00Z"
register(app)
register(app)  # registering twice adds nothing twice
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def clean_exit(result, code: int) -> None:
    """The exit code we promise, and never a traceback."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_commands_are_registered_once() -> None:
    names = [c.name for c in app.registered_commands]
    assert names.count("guard") == 1 and names.count("decide") == 1


@pytest.mark.parametrize("path", sorted(CASES.glob("*.json")), ids=lambda p: p.stem)
def test_guard_prints_the_golden_verdict(path: Path) -> None:
    golden = json.loads(path.read_text())
    result = run("guard", str(path), "--policies", str(POLICIES))
    clean_exit(result, 0 if golden["verdict"]["allowed"] else 1)
    assert json.loads(result.stdout) == golden["verdict"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"now": "2026-03-10T14:05:00"}', "patient"),
        ("[1, 2]", "case"),
        ("{not json", "is not JSON"),
        ("", "is not JSON"),
    ],
)
def test_guard_on_a_malformed_case_names_the_field(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "case.json"
    path.write_text(text)
    result = run("guard", str(path), "--policies", str(POLICIES))
    clean_exit(result, 2)
    assert words in result.stderr


def test_guard_refuses_to_judge_with_a_broken_pack(tmp_path: Path) -> None:
    (tmp_path / "broken.parley").write_text('policy "x" title "y" applies to agency\n  rule "R" cites "c"\n')
    result = run("guard", str(CASES / "design_example.json"), "--policies", str(tmp_path))
    clean_exit(result, 2)
    assert "have errors" in result.stderr


@pytest.fixture(scope="module", autouse=True)
def models_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`parley decide` scores with the default models: trained once for this module, in a temporary folder."""
    folder = tmp_path_factory.mktemp("models")
    before = os.environ.get("PARLEY_MODELS")
    os.environ["PARLEY_MODELS"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("PARLEY_MODELS", None)
    else:
        os.environ["PARLEY_MODELS"] = before


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("book") / "demo.csv"
    write_table(path, demo_rows(60, seed=11), COLUMNS)
    return path


def decide(book: Path, out: Path, *extra: str):
    return run(
        "decide",
        "--portfolio",
        str(book),
        "--strategy",
        str(STRATEGY),
        "--now",
        NOW,
        "--out",
        str(out),
        "--policies",
        str(POLICIES),
        *extra,
    )


def proposals(path: Path) -> list[tuple]:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return [(r["account_id"], r["status"], r["action"], r["channel"], r["template"], r["at"]) for r in rows]


def test_decide_writes_a_row_for_every_account(book: Path, tmp_path: Path) -> None:
    result = decide(book, tmp_path / "out.jsonl")
    clean_exit(result, 0)
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert {r["account_id"] for r in rows} == {f"A{i:06d}" for i in range(1, 61)}
    assert {r["status"] for r in rows} <= {"proposed", "none"}
    assert any(r["status"] == "proposed" for r in rows)
    assert "60 account(s) decided" in result.stderr


def test_the_three_engines_decide_alike(book: Path, tmp_path: Path) -> None:
    decided = {}
    for engine in ("compiled", "reference", "durable"):
        clean_exit(decide(book, tmp_path / f"{engine}.jsonl", "--engine", engine), 0)
        decided[engine] = proposals(tmp_path / f"{engine}.jsonl")
    assert decided["compiled"] == decided["reference"] == decided["durable"]


def test_decide_reports_unreadable_rows_and_decides_the_rest(tmp_path: Path) -> None:
    rows = demo_rows(5, seed=2)
    rows[2]["balance"] = "lots"
    path = tmp_path / "book.csv"
    write_table(path, rows, COLUMNS)
    result = decide(path, tmp_path / "out.csv")
    clean_exit(result, 1)
    assert "row 3 (A000003), column `balance`" in result.stderr
    assert (tmp_path / "out.csv").read_text().count("\nA0000") == 5


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("--now", "2026-03-16T13:00:00"), "has no UTC offset"),
        (("--now", "tomorrow"), "is not a time"),
        (("--engine", "rete"), "unknown engine `rete`"),
        (("--out", "out.xlsx"), "`.csv`, `.parquet` or `.jsonl`"),
        (("--portfolio", "nowhere.csv"), "no portfolio file"),
    ],
)
def test_decide_usage_errors(book: Path, tmp_path: Path, change: tuple[str, str], words: str) -> None:
    args = {
        "--portfolio": str(book),
        "--strategy": str(STRATEGY),
        "--now": NOW,
        "--out": str(tmp_path / "o.jsonl"),
        "--policies": str(POLICIES),
    }
    args[change[0]] = change[1]
    result = run("decide", *[item for pair in args.items() for item in pair])
    clean_exit(result, 2)
    assert words in result.stderr


def test_decide_refuses_a_strategy_that_does_not_check(book: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.parley"
    bad.write_text('strategy "x" version 1\n  step "a" on day 0\n    send sms "t"\n  end\n  stop when paied\nend\n')
    result = run("decide", "--portfolio", str(book), "--strategy", str(bad), "--now", NOW, "--policies", str(POLICIES))
    clean_exit(result, 2)
    assert "paied" in result.stderr


def test_decide_without_out_writes_json_lines_on_stdout(book: Path) -> None:
    result = run(
        "decide", "--portfolio", str(book), "--strategy", str(STRATEGY), "--now", NOW, "--policies", str(POLICIES)
    )
    clean_exit(result, 0)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len({r["account_id"] for r in rows}) == 60
    assert all(r["strategy_hash"] and r["evaluator"] == "compiled" for r in rows)
    assert "deciding" in result.stderr  # the progress bar stays off stdout


def test_decide_scores_every_account_and_the_trace_names_the_models(book: Path, tmp_path: Path) -> None:
    clean_exit(decide(book, tmp_path / "scored.jsonl"), 0)
    rows = [json.loads(line) for line in (tmp_path / "scored.jsonl").read_text().splitlines()]
    first = {}
    for row in rows:
        first.setdefault(row["account_id"], row)
    for row in first.values():
        scores = {s["name"]: s for s in row["trace"]["scores"]}
        for name in ("score.propensity", "score.distress"):
            assert scores[name]["model"] and scores[name]["version"], scores
            assert 0 <= scores[name]["value"] <= 1
    models = {s["model"] for r in first.values() for s in r["trace"]["scores"] if s["name"] == "score.distress"}
    assert models and "file" not in models  # the model's id, not the portfolio's own column


def test_decide_without_scores_reads_the_files_own_scores(book: Path, tmp_path: Path) -> None:
    clean_exit(decide(book, tmp_path / "scored.jsonl"), 0)
    clean_exit(decide(book, tmp_path / "unscored.jsonl", "--no-scores"), 0)
    scored = [json.loads(line)["trace"]["scores"] for line in (tmp_path / "scored.jsonl").read_text().splitlines()]
    unscored = [json.loads(line)["trace"]["scores"] for line in (tmp_path / "unscored.jsonl").read_text().splitlines()]
    assert scored != unscored


def test_decide_draws_best_times_from_the_timing_bandit(book: Path, tmp_path: Path) -> None:
    clean_exit(decide(book, tmp_path / "timed.jsonl"), 0)
    rows = [json.loads(line) for line in (tmp_path / "timed.jsonl").read_text().splitlines()]
    timing = [s for r in rows for s in r["trace"]["scores"] if s["name"].startswith("best_")]
    assert timing, "no decision consulted a best time"
    assert {s["model"] for s in timing} == {"timing-thompson"}
