"""A literal thousands of digits long is a diagnostic with a line and column, never a crash.

The solver turns each literal into an exact fraction's text, and Python refuses to print an int
of more than 4,300 digits: `$999…` (5,000 nines) in a strategy made `POST /v1/check` a 500 and
`parley check` a traceback. `dsl.resolve_limits` caps amounts, numbers and percentages, and the
tree builder refuses a day, count or version too long to be one (`dsl.build.MAX_DIGITS`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_api_fixtures import ROOT, Api, folders_fixture, shared_api_fixture  # noqa: F401
from typer.testing import CliRunner

from runtime.cli import app

NINES = "9" * 5000
DENTAL = (ROOT / "strategies" / "dental_small_balances.parley").read_text()

# (case, edit of the dental strategy, rule, words of the message)
CASES = [
    ("money", lambda t: t.replace("and $300", "and $" + NINES, 1), "TYPE", "the largest Parley reads"),
    ("min payment", lambda t: t.replace("min_payment $10", "min_payment $" + NINES, 1), "TYPE", "the largest"),
    ("number", lambda t: t.replace("between 30 and 180", "between 30 and " + NINES, 1), "TYPE", "the largest"),
    ("fraction", lambda t: t.replace(">= 0.6", ">= 0." + NINES, 1), "TYPE", "digits after the point"),
    ("percent", lambda t: t.replace("max_share 3%", f"max_share 0.{NINES}%", 1), "TYPE", "digits after the point"),
    ("day", lambda t: re.sub(r"on day 14\b", "on day " + NINES, t, count=1), "PARSE", "has 5000 digits"),
]


def edited(edit: object) -> str:
    """The dental strategy with one literal made huge (the edit must change it)."""
    text = edit(DENTAL)  # type: ignore[operator]
    assert text != DENTAL
    return text


@pytest.mark.parametrize(("edit", "rule", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_api_answers_a_huge_literal_with_a_finding(shared_api: Api, edit: object, rule: str, words: str) -> None:
    answer = shared_api.call("strategist", "POST", "/v1/check", json={"text": edited(edit), "name": "huge.parley"})
    assert answer.status_code == 200, answer.text
    found = [d for d in answer.json()["diagnostics"] if words in d["message"]]
    assert found and found[0]["rule"] == rule and found[0]["line"] > 1 and found[0]["column"] > 1


@pytest.mark.parametrize(("edit", "rule", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_parley_check_prints_a_huge_literal_as_a_finding(tmp_path: Path, edit: object, rule: str, words: str) -> None:
    path = tmp_path / "huge.parley"
    path.write_text(edited(edit))
    result = CliRunner().invoke(app, ["check", str(path), "--policies", str(ROOT / "policies")])
    assert result.exit_code == 1, result.output[-2000:]
    assert f"error[{rule}]" in result.output and words in result.output and "Traceback" not in result.output
