"""A message goes out in the patient's language, or in one the strategy promises when its template
is not written in the patient's: a Vietnamese-speaking patient under a strategy written in English
and Spanish still hears from the agency (in English) instead of the whole decision failing."""

from __future__ import annotations

import pytest

from runtime.service.messages import written_in


@pytest.mark.parametrize(
    ("known", "wanted", "promised", "expected"),
    [
        (("en", "es"), "es", ("en", "es"), "es"),  # the patient's own
        (("en", "es"), "vi", ("en", "es"), "en"),  # the first promised one it is written in
        (("en", "es"), "vi", ("es", "en"), "es"),
        (("es",), "vi", (), "vi"),  # nothing promised and no English: rendering names what exists
        (("en", "es"), "vi", (), "en"),  # nothing promised: English
        ((), "vi", ("en",), "vi"),  # an unknown template: rendering names it
    ],
)
def test_the_language_a_message_is_written_in(known: tuple, wanted: str, promised: tuple, expected: str) -> None:
    assert written_in(known, wanted, promised) == expected
