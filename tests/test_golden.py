"""Golden files: every `tests/golden/**/X.parley` must give exactly the findings in `X.expected`.

The expected text is what `parley check` prints (`render_all_text`), so a change in any message,
hint or caret shows up as a diff a reviewer can read. After an intended change, rewrite them with
`UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py` and review the diff before committing.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from dsl.check import CheckOptions, check_text
from dsl.diagnostics import render_all_text
from runtime.files import load_templates

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
CASES = sorted(GOLDEN.rglob("*.parley"))
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


@functools.cache
def options() -> CheckOptions:
    """Templates from `tests/golden/templates/`; no policy packs, so only the language is checked."""
    # A relative folder, so template findings name `tests/golden/templates/…` as the CLI would.
    templates, problems = load_templates(Path(os.path.relpath(GOLDEN / "templates")))
    assert not problems, [p.message for p in problems]
    return CheckOptions(templates=templates)


def findings_text(path: Path) -> str:
    """What checking the golden source prints, with the path as the CLI would show it from the root."""
    name = path.relative_to(ROOT).as_posix()
    result = check_text(path.read_text(encoding="utf-8"), name, options())
    return render_all_text(result.diagnostics) + "\n"


def test_there_are_golden_files() -> None:
    assert any(path.parent.name == "parse" for path in CASES)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.relative_to(GOLDEN).as_posix())
def test_findings_match_the_golden_file(path: Path) -> None:
    actual = findings_text(path)
    expected_path = path.with_suffix(".expected")
    if UPDATE:
        expected_path.write_text(actual, encoding="utf-8")
    assert expected_path.exists(), f"no {expected_path.name}: run with UPDATE_GOLDEN=1 to write it"
    assert actual == expected_path.read_text(encoding="utf-8")
