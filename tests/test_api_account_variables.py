"""An account's template variables are checked at `PUT /v1/accounts/{id}`: a value no template can use
is a 422 naming its path, and nothing is stored, instead of every later message failing to render."""

from __future__ import annotations

from typing import Any

import pytest
from test_api_fixtures import Api, api_fixture, database_url, folders_fixture  # noqa: F401
from test_external_contacts_api import ACCOUNT, PATIENT


def put(api: Api, variables: Any) -> Any:
    assert api.call("outreach", "PUT", "/v1/patients/P1", json=PATIENT).status_code == 200
    return api.call("outreach", "PUT", "/v1/accounts/A1", json={**ACCOUNT, "variables": variables})


@pytest.mark.parametrize(
    ("variables", "field", "says"),
    [
        ({"invoice": {"service_date": "08/15/2026"}}, "variables.invoice.service_date", "expected a date"),
        ({"invoice.service_date": "soon"}, "variables.invoice.service_date", "expected a date"),
        ({"account.balance": {"a": 1}}, "variables.account.balance", "expected an amount of money"),
        ({"account.balance": "two hundred"}, "variables.account.balance", "expected an amount of money"),
        ({"account.balance": True}, "variables.account.balance", "expected an amount of money"),
        ({"patient.first_name": ["Ana"]}, "variables.patient.first_name", "expected text, a number or a date"),
        ({"patient.first_name": None}, "variables.patient.first_name", "expected text, a number or a date"),
        ([], "variables", "expected an object"),
    ],
)
def test_a_variable_no_template_can_use_is_refused_by_its_path(api: Api, variables: Any, field: str, says: str) -> None:
    answer = put(api, variables)
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["errors"]
    assert error["field"] == field and says in error["message"], error
    assert api.call("outreach", "GET", "/v1/accounts/A1").status_code == 404  # nothing stored


@pytest.mark.parametrize(
    "variables",
    [
        {"invoice": {"service_date": "2026-08-15"}, "account.balance": "230.00", "patient.first_name": "Ana"},
        {"account.balance": 230, "invoice.number": 1042, "links": {"portal": "https://pay.example.org/a1"}},
        {},
    ],
)
def test_variables_a_template_can_use_are_stored(api: Api, variables: dict[str, Any]) -> None:
    answer = put(api, variables)
    assert answer.status_code == 200, answer.text
