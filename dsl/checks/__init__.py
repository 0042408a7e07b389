"""The static compliance checker: one module per constraint kind, registered in one table.

Each module exposes `check(program, ctx) -> list[Diagnostic]` where `program` is the strategy and
`ctx` a `CheckContext`. Adding a kind is adding a module and one line in `CHECKS`.
"""

from __future__ import annotations

from collections.abc import Callable

from dsl import ast
from dsl.checks.context import CheckContext
from dsl.diagnostics import Diagnostic

CheckFn = Callable[[ast.Strategy, CheckContext], list[Diagnostic]]

# (name, check) pairs, run in this order. Each line is one pass.
CHECKS: list[tuple[str, CheckFn]] = []


def run_checks(program: ast.Strategy, ctx: CheckContext) -> list[Diagnostic]:
    """Every registered compliance check's findings for one strategy."""
    findings: list[Diagnostic] = []
    for _name, check in CHECKS:
        findings.extend(check(program, ctx))
    return findings


# ---------------------------------------------------------------- schedule checks
from dsl.checks import frequency  # noqa: E402  (registered after CHECKS exists)

CHECKS.append(("frequency", frequency.check))
from dsl.checks import bursts, cooldown, time_window  # noqa: E402

CHECKS.append(("cooldown", cooldown.check))
CHECKS.append(("time_window", time_window.check))
CHECKS.append(("bursts", bursts.check))

# ---------------------------------------------------------------- timing, holds, consent and content
from dsl.checks import consent, content, forbid_action, holds, notice, obligation, template_content, waiting  # noqa: E402

CHECKS.append(("waiting", waiting.check))
CHECKS.append(("notice", notice.check))
CHECKS.append(("obligation", obligation.check))
CHECKS.append(("forbid_action", forbid_action.check))
CHECKS.append(("holds", holds.check))
CHECKS.append(("consent", consent.check))
CHECKS.append(("content", content.check))
CHECKS.append(("template_content", template_content.check))
