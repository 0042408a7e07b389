"""The language's front door: parse a text and run every check on it, collecting all findings."""

from __future__ import annotations

from dataclasses import dataclass, field

from dsl.diagnostics import Diagnostic, sort_key
from dsl.parser import ParseResult, parse


@dataclass(frozen=True)
class CheckOptions:
    """What a check may look at besides the text: template and policy folders (read by the caller)."""

    templates: object | None = None
    policies: tuple[object, ...] = field(default=())


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
    parsed = parse(text, name)
    findings = list(parsed.diagnostics)
    return CheckResult(parsed, tuple(sorted(findings, key=sort_key)))
