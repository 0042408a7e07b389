"""A patient's language is kept as its primary BCP 47 subtag, so `es-MX` and `ES` get the Spanish template.

Practice-management systems send `es-MX`, `ES` or `pt_BR`; stored as sent, none matched a template
(`templates/NAME/es.j2`) and the patient got English. `PUT /v1/patients` now keeps the lower-case
primary language and refuses a code no one speaks (`xx-garbage`) with a 422 naming `language`.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select
from test_api_fixtures import Api, api_fixture, database_url, folders_fixture  # noqa: F401
from test_external_contacts_api import ACCOUNT, CALL_DAY, PATIENT, deployed

from runtime.db.tables import OutboxRow, Patient
from runtime.store.languages import language_code, primary_language

# (sent, stored, the call script's language: the agency's templates are written in en and es)
SENT = [
    ("es", "es", "es"),
    ("es-MX", "es", "es"),
    ("ES", "es", "es"),
    ("es_mx", "es", "es"),
    ("es-419", "es", "es"),
    ("EN-us", "en", "en"),
    ("pt-BR", "pt", "en"),  # no Portuguese script: the first promised language
    ("vi", "vi", "en"),
    ("es-MX-x-foo", "es", "es"),  # a private-use extension is well formed
    ("hmn", "hmn", "en"),  # Hmong, Chuukese, Marshallese: CLDR names them but has no locale data
    ("chk", "chk", "en"),
    ("MH", "mh", "en"),
    ("tl", "tl", "en"),  # kept as sent, not canonicalised to `fil`: it matches a `tl` template
    ("iw", "he", "en"),  # deprecated codes older systems still send
    ("in-ID", "id", "en"),
]


@pytest.mark.parametrize(("sent", "stored", "sent_in"), SENT)
def test_a_patients_language_is_kept_as_its_primary_subtag(api: Api, sent: str, stored: str, sent_in: str) -> None:
    deployed(api)
    patient: dict[str, Any] = {**PATIENT, "language": sent}
    assert api.call("outreach", "PUT", "/v1/patients/P1", json=patient).status_code == 200
    with Session(api.state.engine) as session:
        assert session.get(Patient, "P1").language == stored  # type: ignore[union-attr]
    assert api.call("outreach", "PUT", "/v1/accounts/A1", json=ACCOUNT).status_code == 200
    answer = api.call("outreach", "POST", "/v1/decide", json={"account_id": "A1", "now": CALL_DAY})
    assert answer.status_code == 200, answer.text
    [planned] = [p for p in answer.json()["proposals"] if p["channel"] == "call"]
    with Session(api.state.engine) as session:
        message = session.exec(select(OutboxRow).where(OutboxRow.id == planned["outbox_id"])).one().message
    assert (message["template"], message["language"]) == ("agency_call_script", sent_in)


@pytest.mark.parametrize("sent", ["xx-garbage", "xx", "und", "zxx", "mul", "e", "es MX", "es--MX", "12"])
def test_an_unknown_language_is_a_422_naming_it(api: Api, sent: str) -> None:
    answer = api.call("outreach", "PUT", "/v1/patients/P1", json={**PATIENT, "language": sent})
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "language" and "not a language code" in answer.json()["message"]
    with Session(api.state.engine) as session:
        assert session.get(Patient, "P1") is None


@pytest.mark.parametrize(
    ("stored", "looked_up"),
    [("es-MX", "es"), ("ES", "es"), ("pt_BR", "pt"), ("en", "en"), ("xx-garbage", "xx")],
)
def test_templates_are_looked_up_by_the_primary_language_of_what_was_stored(stored: str, looked_up: str) -> None:
    """Rows written before normalising, and a `patient.language` fact, still find their template."""
    assert primary_language(stored) == looked_up


def test_no_language_stays_none() -> None:
    assert language_code(None) is None and language_code("  ") is None
