"""DESIGN.md's example strategy and policy parse exactly as written."""

from pathlib import Path

import pytest

from dsl import parse

DESIGN = Path(__file__).parent / "fixtures" / "design"


@pytest.mark.parametrize("path", sorted(DESIGN.glob("*.parley")), ids=lambda p: p.name)
def test_design_example_parses_without_findings(path: Path) -> None:
    result = parse(path.read_text(), str(path))
    assert result.program is not None
    assert result.diagnostics == ()
