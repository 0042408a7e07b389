"""Diagnostics: the one type for every finding in Parley, and its text and JSON renderings."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from dsl.source import NO_SPAN, Span


class Severity(StrEnum):
    """How much a finding matters: errors block a strategy, warnings and infos inform."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class TraceEvent:
    """One line of a counterexample: when, what, and why it matters."""

    when: str
    what: str

    def to_dict(self) -> dict[str, str]:
        """The event as JSON-ready fields."""
        return {"when": self.when, "what": self.what}


@dataclass(frozen=True)
class Diagnostic:
    """A finding about a piece of language text, pointing at where it is."""

    rule: str
    severity: Severity
    span: Span
    message: str
    hint: str | None = None
    citation: str | None = None
    trace: tuple[TraceEvent, ...] = field(default=())
    facts: tuple[tuple[str, str], ...] = field(default=())

    @property
    def is_error(self) -> bool:
        """Whether this finding blocks the strategy."""
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict[str, object]:
        """The diagnostic as the JSON object the CLI and API print."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
            "citation": self.citation,
            **self.span.to_dict(),
            "trace": [event.to_dict() for event in self.trace],
            "facts": dict(self.facts),
        }


def error(rule: str, span: Span, message: str, hint: str | None = None, **extra: object) -> Diagnostic:
    """An error-severity diagnostic."""
    return Diagnostic(rule, Severity.ERROR, span, message, hint, **extra)  # type: ignore[arg-type]


def warning(rule: str, span: Span, message: str, hint: str | None = None, **extra: object) -> Diagnostic:
    """A warning-severity diagnostic."""
    return Diagnostic(rule, Severity.WARNING, span, message, hint, **extra)  # type: ignore[arg-type]


def info(rule: str, span: Span, message: str, hint: str | None = None, **extra: object) -> Diagnostic:
    """An info-severity diagnostic."""
    return Diagnostic(rule, Severity.INFO, span, message, hint, **extra)  # type: ignore[arg-type]


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    """Whether any finding is an error."""
    return any(d.is_error for d in diagnostics)


def sort_key(diagnostic: Diagnostic) -> tuple[str, int, int, str]:
    """Order findings by file, position and rule."""
    span = diagnostic.span
    return (span.file, span.line, span.column, diagnostic.rule)


def render_text(diagnostic: Diagnostic) -> str:
    """`file:line:col: severity[RULE]: message`, the source line, a caret run, hint and trace."""
    span = diagnostic.span
    where = f"{span.file}:{span.line}:{span.column}" if span.known else span.file
    lines = [f"{where}: {diagnostic.severity.value}[{diagnostic.rule}]: {diagnostic.message}"]
    excerpt = span.render()
    if excerpt:
        lines.extend(f"    {row}" for row in excerpt.splitlines())
    if diagnostic.citation:
        lines.append(f"    = cites: {diagnostic.citation}")
    for name, value in diagnostic.facts:
        lines.append(f"    = when {name} is {value}")
    if diagnostic.trace:
        lines.append("    = timeline:")
        lines.extend(f"        {event.when}  {event.what}" for event in diagnostic.trace)
    if diagnostic.hint:
        lines.append(f"    = hint: {diagnostic.hint}")
    return "\n".join(lines)


def render_all_text(diagnostics: Sequence[Diagnostic]) -> str:
    """Every finding as text, followed by a one-line count."""
    blocks = [render_text(d) for d in sorted(diagnostics, key=sort_key)]
    errors = sum(d.is_error for d in diagnostics)
    warnings = sum(d.severity is Severity.WARNING for d in diagnostics)
    blocks.append(f"{errors} error(s), {warnings} warning(s)")
    return "\n\n".join(blocks)


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    """Every finding as a JSON list."""
    return json.dumps([d.to_dict() for d in sorted(diagnostics, key=sort_key)], indent=2)


__all__ = [
    "NO_SPAN",
    "Diagnostic",
    "Severity",
    "TraceEvent",
    "error",
    "has_errors",
    "info",
    "render_all_text",
    "render_json",
    "render_text",
    "warning",
]
