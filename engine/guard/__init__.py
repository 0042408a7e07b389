"""The runtime guard: may this contact go out now, given the account's real history?

    case = parse_case(json.loads(text))          # CaseError(field, message) when malformed
    verdict = judge(case, compile_rules(packs))   # Verdict(allowed, violations, warnings, next_allowed_at)
    verdict.to_dict()                             # DESIGN.md's verdict JSON

The same policy packs the static checker reads drive it: each rule's constraint kind and numbers
decide the runtime semantics (`engine.guard.kinds`).
"""

from engine.guard.case import Case
from engine.guard.judge import judge
from engine.guard.parse import CaseError, parse_case
from engine.guard.rules import GuardRules, compile_rules
from engine.guard.verdict import Finding, Verdict

__all__ = ["Case", "CaseError", "Finding", "GuardRules", "Verdict", "compile_rules", "judge", "parse_case"]
