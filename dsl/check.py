"""The language's front door: parse a text and run every check on it, collecting all findings.

The passes, in order: parse (`PARSE`), the language pass (`dsl.resolve`: `NAME`, `TYPE`,
`DUPLICATE`, `TEMPLATE`), then, for a strategy with policy packs and no error so far, the
compliance checks of `dsl.checks` with the rules that apply to it. Compliance checks read the
program as well-formed, so they never run on one with a language error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dsl import ast, resolve
from dsl.checks import run_checks
from dsl.checks.context import CheckContext, applicable_rules
from dsl.diagnostics import Diagnostic, has_errors, info, sort_key
from dsl.parser import ParseResult, parse
from dsl.templates import TemplateSet


@dataclass(frozen=True)
class CheckOptions:
    """What a check may look at besides the text: templates, policy packs and the check date (read by the caller)."""

    templates: TemplateSet | None = None
    policies: tuple[ast.Policy, ...] = field(default=())
    as_of: dt.date | None = None


@dataclass(frozen=True)
class CheckResult:
    """A parsed text and every finding about it, in source order."""

    parsed: ParseResult
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        """Whether there is no error."""
        return not any(d.is_error for d in self.diagnostics)


def check_text(text: str, name: str = "<text>", options: CheckOptions | None = None) -> CheckResult:
    """Parse `text` and run every check that applies; never raises on bad input."""
    options = options or CheckOptions()
    parsed = parse(text, name)
    findings = list(parsed.diagnostics)
    program = parsed.program
    if program is not None:
        findings.extend(resolve.check(program, options.templates))
        if isinstance(program, ast.Strategy):
            findings.extend(compliance_findings(program, options, findings))
    return CheckResult(parsed, tuple(sorted(findings, key=sort_key)))


def compliance_findings(program: ast.Strategy, options: CheckOptions, so_far: list[Diagnostic]) -> list[Diagnostic]:
    """Every policy pack's findings, or one line saying why the law was not checked.

    A silent pass would read as "lawful": a strategy whose language errors keep the packs from
    running says so. (Checking without packs is the caller's choice; the CLI refuses it.)
    """
    if not options.policies:
        return []
    if has_errors(so_far):
        return [
            info(
                "LAW-NOT-CHECKED",
                program.span,
                "the law is checked once the errors above are fixed",
                "fix the language errors first; then every policy pack runs",
            )
        ]
    rules = applicable_rules(program, options.policies, options.as_of)
    return run_checks(program, CheckContext(program, rules, options.templates, options.as_of))
