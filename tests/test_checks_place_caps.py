"""Caps at numbers a strategy cannot name (`at other`, `at work`) are the runtime guard's: an info.

A strategy says `call`, not which of the patient's numbers a call reaches, so whether its contacts
to a work number stay under 940 CMR 7.04's two in thirty days cannot be decided before it runs.
"""

from __future__ import annotations

import pytest

from dsl import ast, parse
from dsl.checks import frequency
from dsl.checks.context import CheckContext, applicable_rules
from dsl.diagnostics import Severity

PACK = """policy "test.ma" title "Massachusetts contact caps" applies to provider in US-MA
  rule "MA-CAPS" cites "940 CMR 7.04(1)(f)"
    limit call, sms, voicemail to 2 per debt per 7 days at personal
    limit call, sms, voicemail to 2 per debt per 30 days at {place}
  end
end
"""
STRATEGY = """strategy "weekly calls" version 1
  organization provider
  jurisdictions US-MA
  step "Call" every 7 days from day 0 to day 28 at 10:00-12:00
    call "agent_script"
  end
end
"""


def findings(place: str) -> list:
    """The frequency findings of the weekly calls under a pack capping `place` numbers."""
    pack = parse(PACK.format(place=place), "ma.parley").program
    program = parse(STRATEGY, "s.parley").program
    assert isinstance(pack, ast.Policy) and isinstance(program, ast.Strategy)
    return frequency.check(program, CheckContext(program, applicable_rules(program, [pack], None)))


@pytest.mark.parametrize(
    ("place", "words"),
    [
        ("other", "contacts to numbers other than the patient's home or mobile to 2 per debt in any 30 days"),
        ("work", "contacts to the patient's work number to 2 per debt in any 30 days"),
    ],
)
def test_a_cap_at_another_number_is_an_info_in_plain_words(place: str, words: str) -> None:
    (found,) = findings(place)
    assert found.severity is Severity.INFO
    assert f"the runtime guard holds {words}" in found.message
    assert f"at {place}" not in found.message and f"at {place}" not in (found.hint or "")


def test_the_personal_cap_still_decides_statically() -> None:
    # Weekly calls keep to 2 in 7 days: the personal cap finds nothing; only the guard's info remains.
    assert [f.severity for f in findings("other")] == [Severity.INFO]
