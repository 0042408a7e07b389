"""Explain a policy rule in words: its citation, kind, parameters and what it constrains."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

from dsl import ast

# kind name, what the static checker looks at, what the runtime guard looks at (DESIGN.md's table)
KINDS: dict[type, tuple[str, str, str]] = {
    ast.FrequencyCap: (
        "frequency cap",
        "`step … on day` / `every … at most`, `on EVENT … at most N times` handlers, and their channels",
        "contacts of those channels counted in the ledger",
    ),
    ast.CoolDown: ("cool-down", "`on EVENT` handlers and steps that can follow the event", "the last event's time"),
    ast.TimeWindowRule: (
        "time window",
        "`at HH:MM-HH:MM` and `at best_time within HH:MM-HH:MM` step windows",
        "the patient's local clock in every time zone they may be in",
    ),
    ast.RequireContent: ("required content", "templates named by `send` and `call`", "the rendered message"),
    ast.ForbidContent: ("forbidden content", "template variables", "the rendered message's fields"),
    ast.Hold: ("hold", "`stop when` lines and step guards", "the account's state when deciding"),
    ast.RequireConsent: ("consent", "`send sms` and autodialed `call` steps", "consent records and revocations"),
    ast.WaitingPeriod: ("waiting period", "the earliest day a step can act", "event dates"),
    ast.ForbidAction: ("forbidden action", "steps whose guard can be true while the condition holds", "facts"),
    ast.Obligation: ("obligation", "a step that does it in time", "overdue obligations, surfaced as tasks"),
    ast.PriorNotice: ("prior notice", "a notice step far enough before the action", "the ledger"),
}


@dataclass(frozen=True)
class Explanation:
    """A rule, the pack it belongs to, and the words that describe its kind."""

    rule: ast.Rule
    policy: ast.Policy
    kind: str
    static_check: str
    runtime_check: str

    def render(self) -> str:
        """The explanation as text for a compliance officer."""
        rule = self.rule
        applies = rule.applies or self.policy.applies
        lines = [
            f"{rule.rule_id} — {self.policy.title} (pack `{self.policy.name}`)",
            f"  cites:        {rule.citation}",
            f"  kind:         {self.kind}",
            f"  severity:     {rule.severity.name if rule.severity else 'error'}",
            f"  applies to:   {describe_applies(applies)}",
        ]
        if rule.effective_from or rule.effective_until:
            start, end = rule.effective_from or "always", rule.effective_until or "further notice"
            lines.append(f"  in force:     from {start} until {end}")
        if rule.status is not None:
            lines.append(f"  status:       {rule.status.name}")
        if rule.description:
            wrapped = textwrap.wrap(rule.description, width=96, subsequent_indent=" " * 16)
            lines.append("  description:  " + "\n".join(wrapped))
        for number, constraint in enumerate(rule.constraints):
            label = "constraint:" if number == 0 else "and:"
            lines.append(f"  {label:<14}{constraint_text(constraint)}")
        lines.append(f"  checked in a strategy: {self.static_check}")
        lines.append(f"  checked at run time:   {self.runtime_check}")
        return "\n".join(lines)


def describe_applies(applies: ast.Applies | None) -> str:
    """`agency, provider in US-MA`, or `everyone`."""
    if applies is None:
        return "every organization, every jurisdiction"
    who = ", ".join(o.name for o in applies.organizations) or "every organization"
    where = ", ".join(j.name for j in applies.jurisdictions)
    return f"{who} in {where}" if where else who


def constraint_text(constraint: ast.Constraint) -> str:
    """The constraint exactly as the pack writes it."""
    span = constraint.span
    if not span.known:
        return type(constraint).__name__
    return " ".join(span.source.line(n).strip() for n in range(span.line, span.end_line + 1))


def explain(rule_id: str, policies: Iterable[ast.Policy]) -> Explanation | None:
    """The explanation of `rule_id` (case-insensitive), or None when no pack defines it."""
    for policy in policies:
        for rule in policy.rules:
            if rule.rule_id.upper() == rule_id.upper():
                described = [KINDS.get(type(c), ("unknown", "—", "—")) for c in rule.constraints] or [("—",) * 3]
                kind, static_check, runtime_check = (
                    " + ".join(dict.fromkeys(part)) for part in zip(*described, strict=True)
                )
                return Explanation(rule, policy, kind, static_check, runtime_check)
    return None


def rule_ids(policies: Iterable[ast.Policy]) -> list[str]:
    """Every rule id the packs define."""
    return [rule.rule_id for policy in policies for rule in policy.rules]
