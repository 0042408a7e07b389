"""The runtime semantics of each constraint kind, and of the rule ids that read patient facts.

Adding a constraint kind is adding a module and one line in `KIND_CHECKS`; a rule whose id is in
`BUILTIN_CHECKS` is judged by that function whatever constraint line its pack gives it.
"""

from __future__ import annotations

from dsl import ast
from engine.guard.case import CONTACT_CHANNELS, PROPOSAL_CHANNELS
from engine.guard.history import CHANNEL_WORDS, channels_of
from engine.guard.kinds.common import TIMED_CHANNELS
from engine.guard.kinds.frequency import check_cap, check_cool_down
from engine.guard.kinds.patient import (
    check_confidential,
    check_medium,
    check_rebuttal,
    check_third_party,
    check_workplace,
)
from engine.guard.kinds.states import check_consent, check_forbid, check_hold
from engine.guard.kinds.times import check_designated_places, check_designated_times, check_time_window
from engine.guard.kinds.timing import check_obligation, check_prior_notice, check_waiting_period

KIND_CHECKS = {
    ast.FrequencyCap: check_cap,
    ast.CoolDown: check_cool_down,
    ast.TimeWindowRule: check_time_window,
    ast.Hold: check_hold,
    ast.RequireConsent: check_consent,
    ast.WaitingPeriod: check_waiting_period,
    ast.ForbidAction: check_forbid,
    ast.PriorNotice: check_prior_notice,
    ast.Obligation: check_obligation,
    # RequireContent and ForbidContent judge a rendered message, which a case does not carry.
}

CLOCK_CHECKS = frozenset({check_time_window, check_designated_times})

# Catalog rules no v1 constraint kind can state (policies/README.md, "Not expressible in v1"):
# the guard judges them natively wherever the pack they belong to applies, with the catalog's
# citation, until the pack carries a rule of that id (then the pack's rule and citation win).
NATIVE_RULES = {
    "REGF-TIME-DESIGNATED": ("us.fdcpa_regf", "12 CFR 1006.6(b)(1)(i); comments 6(b)(1)-1, -2"),
    "REGF-PLACE-INCONVENIENT": ("us.fdcpa_regf", "12 CFR 1006.6(b)(1)(ii); comment 6(b)(1)(ii)-1"),
    "REGF-MEDIUM": ("us.fdcpa_regf", "12 CFR 1006.14(h); comments 14(h)(1)-1 to -3"),
    "HIPAA-CONF-COMM": ("us.hipaa", "45 CFR 164.522(b)(1)–(2)"),
    "REGF-WORKPLACE": ("us.fdcpa_regf", "12 CFR 1006.6(b)(3); 1006.22(f)(3)"),
}

BUILTIN_CHECKS = {
    "REGF-TIME-DESIGNATED": check_designated_times,
    "REGF-PLACE-INCONVENIENT": check_designated_places,
    "REGF-MEDIUM": check_medium,
    "REGF-THIRD-PARTY": check_third_party,
    "HIPAA-CONF-COMM": check_confidential,
    "REGF-FREQ-REBUT": check_rebuttal,
    "REGF-WORKPLACE": check_workplace,
}

CONTACTS = frozenset(CONTACT_CHANNELS)
BY_TEMPLATE = "#template"  # in a reach: any proposal that names a template
BUILTIN_REACH: dict[str, frozenset[str]] = {
    "REGF-TIME-DESIGNATED": TIMED_CHANNELS,
    "REGF-PLACE-INCONVENIENT": frozenset({"call", "voicemail", "letter"}),
    "REGF-MEDIUM": CONTACTS,
    "REGF-THIRD-PARTY": CONTACTS,
    "HIPAA-CONF-COMM": CONTACTS,
    "REGF-FREQ-REBUT": frozenset({"call", "voicemail"}),
    "REGF-WORKPLACE": frozenset({"email"}),
}


def reach_of(rule_id: str, constraint: ast.Constraint | None) -> frozenset[str] | None:
    """The proposal channels a rule can ever judge (None: any, e.g. message kinds by template).

    Judging skips the rules that cannot reach the proposal's channel, which is most of them.
    """
    if rule_id in BUILTIN_REACH:
        return BUILTIN_REACH[rule_id]
    if isinstance(constraint, (ast.FrequencyCap, ast.CoolDown, ast.RequireConsent)):
        return channels_of(tuple(i.name for i in constraint.channels))
    if isinstance(constraint, ast.TimeWindowRule):
        if not constraint.channels:
            return TIMED_CHANNELS
        return channels_of(tuple(i.name for i in constraint.channels)) | {i.name for i in constraint.channels}
    if isinstance(constraint, ast.Hold):
        action_words: tuple[str, ...] = tuple(i.name for i in constraint.actions)
    elif isinstance(constraint, (ast.WaitingPeriod, ast.ForbidAction, ast.PriorNotice)):
        action_words = (constraint.action.name,)
    else:
        return None
    reach: set[str] = set()
    for word in action_words:
        if word not in CHANNEL_WORDS and word not in PROPOSAL_CHANNELS:
            reach.add(BY_TEMPLATE)  # a message kind (`validation_notice`): the proposal's template
        else:
            reach |= CHANNEL_WORDS.get(word, frozenset({word}))
    return frozenset(reach)
