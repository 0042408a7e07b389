"""The `parley` command line: exit codes, output formats and the commands a newcomer tries first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from runtime.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()

BROKEN = """strategy "Broken" version 1
  organization provider
  jurisdictions US-TX
  audience balance > $50
  languages en

  on reply after 2d
    handoff "billing-team"
  end
end
"""


@pytest.fixture(autouse=True)
def in_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_examples_check_clean() -> None:
    result = runner.invoke(app, ["check", "strategies"])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_a_broken_strategy_points_at_the_place(tmp_path: Path) -> None:
    path = tmp_path / "broken.parley"
    path.write_text(BROKEN)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:7:" in result.output
    assert "^" in result.output and "hint:" in result.output


def test_json_output_has_every_field(tmp_path: Path) -> None:
    path = tmp_path / "broken.parley"
    path.write_text(BROKEN)
    result = runner.invoke(app, ["check", "--format", "json", str(path)])
    assert result.exit_code == 1
    findings = json.loads(result.output)
    assert findings, result.output
    for key in (
        "rule",
        "severity",
        "message",
        "hint",
        "citation",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "trace",
    ):
        assert key in findings[0]
    assert findings[0]["rule"] == "PARSE" and findings[0]["line"] == 7


@pytest.mark.parametrize(
    "arguments",
    [
        ["check", "no/such/file.parley"],
        ["check", "--format", "xml", "strategies"],
        ["check", "--as-of", "yesterday", "strategies"],
        ["check", "--policies", "no/such/folder", "strategies"],
        ["explain", "NO-SUCH-RULE"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(arguments: list[str]) -> None:
    assert runner.invoke(app, arguments).exit_code == 2


def test_explain_a_rule() -> None:
    result = runner.invoke(app, ["explain", "REGF-FREQ-7IN7"])
    assert result.exit_code == 0
    assert "12 CFR 1006.14(b)(2)(i)(A)" in result.output and "frequency cap" in result.output


def test_explain_suggests_a_near_id() -> None:
    result = runner.invoke(app, ["explain", "REGF-FREQ-7N7"])
    assert result.exit_code == 2 and "REGF-FREQ-7IN7" in result.output


def test_fmt_check_and_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "messy.parley"
    path.write_text('strategy "M" version 1\n      languages   en\n  # a comment\nend\n')
    assert runner.invoke(app, ["fmt", "--check", str(path)]).exit_code == 1
    assert runner.invoke(app, ["fmt", str(path)]).exit_code == 0
    assert "# a comment" in path.read_text()
    assert runner.invoke(app, ["fmt", "--check", str(path)]).exit_code == 0


def test_every_command_has_help() -> None:
    for command in ("check", "fmt", "explain", "demo"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output


def test_outside_the_project_the_law_is_not_silently_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "calls.parley"
    path.write_text((ROOT / "strategies" / "agency_placement.parley").read_text())
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2 and "no policy packs found" in result.output
