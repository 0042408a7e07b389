"""The guard's answer: allowed or not, the rules broken, the warnings, and when to try again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    """One rule's say about a proposal.

    `clears_at` is the earliest instant at which this finding could stop holding if nothing else
    changed (a lower bound; None when waiting alone never clears it, e.g. a cease notice).
    """

    rule: str
    citation: str
    message: str
    clears_at: dt.datetime | None = None
    warning: bool = False

    def to_dict(self) -> dict[str, str]:
        """DESIGN.md's JSON shape for a violation or a warning."""
        return {"rule": self.rule, "citation": self.citation, "message": self.message}


@dataclass(frozen=True)
class Verdict:
    """Whether the proposal may go out now, and why not."""

    allowed: bool
    violations: tuple[Finding, ...] = ()
    warnings: tuple[Finding, ...] = ()
    next_allowed_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """DESIGN.md's verdict JSON: `allowed`, `violations`, `warnings`, `next_allowed_at`."""
        return {
            "allowed": self.allowed,
            "violations": [v.to_dict() for v in self.violations],
            "warnings": [w.to_dict() for w in self.warnings],
            "next_allowed_at": self.next_allowed_at,
        }
