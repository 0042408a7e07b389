"""`parley train`: the shipped models on the synthetic portfolio, or a provider's own history, with
cards; every problem in a provider's file named by row and column, never a traceback."""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from engine.scores.synthetic import generate
from runtime.cli import app
from runtime.models import is_current, load_models
from runtime.training_data import TrainingDataError, read_training

runner = CliRunner()


def history_rows(size: int, seed: int = 4) -> list[dict[str, str]]:
    """A provider's history as CSV cells: synthetic accounts under the documented column names."""
    book = generate(size, seed)
    f = book.features
    return [
        {
            "account_id": f"H{i:05d}",
            "balance": f"{f['balance'][i]:.2f}",
            "days_past_due": str(int(f["days_past_due"][i])),
            "insured": "true" if f["insured"][i] else "false",
            "patient.age": str(int(f["patient_age"][i])),
            "missed_payments": str(int(f["missed_payments"][i])),
            "income_to_poverty": str(f["income_to_poverty"][i]),
            "patient.language": "es" if i % 5 == 0 else "en",
            "paid_in_full": str(int(book.paid_in_full[i])),
            "distressed": "yes" if book.distressed[i] else "no",
        }
        for i in range(size)
    ]


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_train_on_a_providers_csv_saves_both_models_with_cards(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "history.csv", history_rows(1_500))
    result = runner.invoke(app, ["train", "--data", str(data), "--out", str(tmp_path / "models")])
    assert result.exit_code == 0, result.output
    assert "score.propensity: propensity-hgb 1.0.0 on 1,500 rows" in result.stdout
    models = load_models(tmp_path / "models")
    assert is_current(tmp_path / "models")  # so the engine's `default_models` serves the provider's models
    card = models["score.distress"].card
    assert "history.csv" in card.training_data and "1,500 rows" in card.training_data
    assert any("provider" in limit for limit in card.limits)
    assert {row["group"] for row in card.fairness if row["attribute"] == "language"} == {"en", "es"}
    folder = tmp_path / "models" / "distress-hgb-1.0.0"
    assert json.loads((folder / "card.json").read_text())["rows"] == 1_500
    assert (folder / "card.md").read_text().startswith("# Model card: distress-hgb 1.0.0")
    assert (folder / "calibration.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_same_history_in_parquet_trains_the_same_models(tmp_path: Path) -> None:
    rows = history_rows(600)
    table = pa.Table.from_pylist(
        [{**r, "balance": float(r["balance"]), "days_past_due": int(r["days_past_due"])} for r in rows]
    )
    pq.write_table(table, tmp_path / "history.parquet")
    from_parquet = read_training(tmp_path / "history.parquet")
    from_csv = read_training(write_csv(tmp_path / "history.csv", rows))
    assert from_parquet.facts == from_csv.facts
    assert all(np.array_equal(from_parquet.outcomes[k], from_csv.outcomes[k]) for k in from_csv.outcomes)
    assert "original_balance" in from_csv.absent and "balance" not in from_csv.absent


def test_train_without_data_trains_the_shipped_models(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", "--out", str(tmp_path), "--rows", "2000"])
    assert result.exit_code == 0, result.output
    card = load_models(tmp_path)["score.propensity"].card
    assert "synthetic portfolio" in card.training_data and card.rows == 2_000 and card.trained_on


BAD_FILES = [
    # (change to the rows or header, words the error must carry)
    (lambda rows: [{**r, "balance": "lots"} if i == 2 else r for i, r in enumerate(rows)],
     "row 3 (H00002), column `balance`: `lots` is not a number"),
    (lambda rows: [{**r, "patient.age": "400"} if i == 0 else r for i, r in enumerate(rows)],
     "row 1 (H00000), column `patient.age`: `400` is outside 0 to 130"),
    (lambda rows: [{**r, "insured": "maybe"} if i == 4 else r for i, r in enumerate(rows)],
     "row 5 (H00004), column `insured`: `maybe` is not yes or no"),
    (lambda rows: [{**r, "paid_in_full": "2"} if i == 1 else r for i, r in enumerate(rows)],
     "row 2 (H00001), column `paid_in_full`: `2` is not 0 or 1"),
    (lambda rows: [{**r, "balance": ""} if i == 1 else r for i, r in enumerate(rows)],
     "row 2 (H00001), column `balance`: it is empty"),
    (lambda rows: [{k: v for k, v in r.items() if k != "distressed"} for r in rows],
     "column `distressed` is missing"),
    (lambda rows: [{("patient_age" if k == "patient.age" else k): v for k, v in r.items()} for r in rows],
     "column `patient_age` is not one `parley train` reads; did you mean `patient.age`?"),
    (lambda rows: [{**r, "distressed": "0"} for r in rows],
     "column `distressed`: 0 account(s) with 1 and 400 with 0"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "words"), BAD_FILES)
def test_bad_input_names_the_row_and_column(tmp_path: Path, change, words: str) -> None:
    data = write_csv(tmp_path / "history.csv", change(history_rows(400)))
    with pytest.raises(TrainingDataError) as caught:
        read_training(data)
    assert any(words in problem for problem in caught.value.problems), caught.value.problems
    result = runner.invoke(app, ["train", "--data", str(data), "--out", str(tmp_path / "models")])
    assert result.exit_code == 2 and words in result.output and "Traceback" not in result.output
    assert not (tmp_path / "models").exists()


def test_every_problem_is_listed_at_once_up_to_a_limit(tmp_path: Path) -> None:
    rows = [{**r, "balance": "x"} for r in history_rows(400)]
    with pytest.raises(TrainingDataError) as caught:
        read_training(write_csv(tmp_path / "history.csv", rows))
    assert len(caught.value.problems) == 21 and caught.value.problems[-1] == "… and 380 more problem(s)"


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("history.txt", "balance\n1\n", "train on a `.csv` or `.parquet` file"),
        ("history.csv", "", "cannot be read"),
        ("history.parquet", "not parquet", "cannot be read"),
        ("missing.csv", None, "there is no file"),
    ],
)
def test_unreadable_files_are_refused_clearly(tmp_path: Path, name: str, content: str | None, words: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    result = runner.invoke(app, ["train", "--data", str(path), "--out", str(tmp_path / "models")])
    assert result.exit_code == 2 and words in result.output and "Traceback" not in result.output


cells = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["", " ", "1", "0", "true", "-3", "1e400", "nan", "$1,200.50", "∞", "0x10", "1,2"]),
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries({c: cells for c in ("balance", "patient.age", "insured", "paid_in_full")}),
        min_size=1,
        max_size=6,
    )
)
def test_any_cells_give_a_training_set_or_problems_by_row_never_a_crash(rows: list[dict[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write_csv(Path(folder) / "history.csv", [{**r, "distressed": "1"} for r in rows])
        try:
            read_training(path)
        except TrainingDataError as problem:
            assert problem.problems and all(isinstance(p, str) and p for p in problem.problems)


def test_a_csv_saved_by_a_spreadsheet_with_a_byte_order_mark_reads(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "history.csv", history_rows(300))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(read_training(path).facts) == 300


def test_a_models_folder_that_cannot_be_written_is_refused_clearly(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder should be")
    result = runner.invoke(app, ["train", "--out", str(blocked / "models"), "--rows", "1000"])
    assert result.exit_code == 2 and "cannot write the models" in result.output and "Traceback" not in result.output
