"""A message goes out in the patient's language, or in one the strategy promises when its template
is not written in the patient's: a Vietnamese-speaking patient under a strategy written in English
and Spanish still hears from the agency (in English) instead of the whole decision failing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select
from test_api_fixtures import Api, api_fixture, database_url, folders_fixture  # noqa: F401
from test_external_contacts_api import ACCOUNT, CALL_DAY, PATIENT, deployed

from runtime.db.tables import OutboxRow
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


@pytest.mark.parametrize(("language", "sent_in"), [("es", "es"), ("vi", "en")])
def test_a_patients_call_script_is_in_their_language_or_a_promised_one(api: Api, language: str, sent_in: str) -> None:
    deployed(api)
    patient: dict[str, Any] = {**PATIENT, "language": language}
    assert api.call("outreach", "PUT", "/v1/patients/P1", json=patient).status_code == 200
    assert api.call("outreach", "PUT", "/v1/accounts/A1", json=ACCOUNT).status_code == 200
    answer = api.call("outreach", "POST", "/v1/decide", json={"account_id": "A1", "now": CALL_DAY})
    assert answer.status_code == 200, answer.text
    [planned] = [p for p in answer.json()["proposals"] if p["channel"] == "call"]
    with Session(api.state.engine) as session:
        message = session.exec(select(OutboxRow).where(OutboxRow.id == planned["outbox_id"])).one().message
    assert (message["template"], message["language"]) == ("agency_call_script", sent_in)
