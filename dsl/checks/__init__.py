"""The static compliance checker: one module per constraint kind, registered in one table.

Each module exposes `check(program, ctx) -> list[Diagnostic]` where `program` is the strategy and
`ctx` a `CheckContext`. Adding a kind is adding a module and one line in `CHECKS`.
"""

from __future__ import annotations

from collections.abc import Callable

from dsl import ast
from dsl.checks import (
    bursts,
    consent,
    content,
    cooldown,
    forbid_action,
    frequency,
    holds,
    notice,
    obligation,
    template_content,
    time_window,
    waiting,
)
from dsl.checks.context import CheckContext
from dsl.diagnostics import Diagnostic

CheckFn = Callable[[ast.Strategy, CheckContext], list[Diagnostic]]

# (name, check) pairs, run in this order: schedule checks first, then timing, holds, consent and content.
CHECKS: tuple[tuple[str, CheckFn], ...] = (
    ("frequency", frequency.check),
    ("cooldown", cooldown.check),
    ("time_window", time_window.check),
    ("bursts", bursts.check),
    ("waiting", waiting.check),
    ("notice", notice.check),
    ("obligation", obligation.check),
    ("forbid_action", forbid_action.check),
    ("holds", holds.check),
    ("consent", consent.check),
    ("content", content.check),
    ("template_content", template_content.check),
)


def run_checks(program: ast.Strategy, ctx: CheckContext) -> list[Diagnostic]:
    """Every registered compliance check's findings for one strategy."""
    findings: list[Diagnostic] = []
    for _name, check in CHECKS:
        findings.extend(check(program, ctx))
    return findings
