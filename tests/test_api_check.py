"""`POST /v1/check` and `POST /v1/guard` answer as the command line does; bad input is a 4xx naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_api_fixtures import ROOT, Api, folders_fixture, shared_api_fixture  # noqa: F401
from typer.testing import CliRunner

from engine.guard import judge, parse_case
from runtime.api.errors import SEND_JSON
from runtime.cli import app as cli

STRATEGIES = sorted((ROOT / "strategies").glob("*.parley"))
CASES = sorted((ROOT / "tests" / "guard_cases").glob("*.json"))
BROKEN = (
    'strategy "Broken" version 1\n  organization agency\n  step "x" on day 0\n    send sms "no_such_template"\n  end\n'
)


def cli_findings(path: Path) -> list[dict]:
    """What `parley check --format json FILE` prints, run from the project folder."""
    result = CliRunner().invoke(cli, ["check", "--format", "json", str(path)])
    return json.loads(result.stdout)


@pytest.mark.parametrize("path", [STRATEGIES[0], STRATEGIES[-1]], ids=lambda p: p.stem)
def test_check_gives_the_cli_findings(shared_api: Api, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    relative = path.relative_to(ROOT)
    answer = shared_api.call("strategist", "POST", "/v1/check", json={"text": path.read_text(), "name": str(relative)})
    assert answer.status_code == 200
    body = answer.json()
    assert body["diagnostics"] == cli_findings(relative)
    assert body["ok"] is (body["errors"] == 0)


def test_check_counts_errors_of_a_broken_text(shared_api: Api) -> None:
    body = shared_api.call("compliance", "POST", "/v1/check", json={"text": BROKEN}).json()
    assert body["ok"] is False
    assert body["errors"] >= 1
    assert all({"rule", "severity", "message"} <= set(d) for d in body["diagnostics"])


@pytest.mark.parametrize("path", CASES[:6], ids=lambda p: p.stem)
def test_guard_gives_the_cli_verdict(shared_api: Api, path: Path) -> None:
    case = json.loads(path.read_text())["case"]
    expected = judge(parse_case(case), shared_api.state.rules).to_dict()
    answer = shared_api.call("outreach", "POST", "/v1/guard", json=case)
    assert answer.status_code == 200
    assert answer.json() == expected


def test_guard_takes_a_golden_file_whole(shared_api: Api) -> None:
    golden = json.loads(CASES[0].read_text())
    answer = shared_api.call("outreach", "POST", "/v1/guard", json=golden)
    assert answer.json() == judge(parse_case(golden["case"]), shared_api.state.rules).to_dict()


@pytest.mark.parametrize(
    ("path", "payload", "field", "words"),
    [
        ("/v1/check", {}, "text", "required"),
        ("/v1/check", {"text": 5}, "text", "expected text, got a number"),
        ("/v1/check", {"text": "x", "as_of": "yesterday"}, "as_of", "date"),
        ("/v1/check", {"text": "x", "asof": "2026-01-01"}, "asof", "not part of the request"),
        ("/v1/check", [1, 2], "body", "object"),
        ("/v1/guard", {"now": "2026-03-10T14:05:00"}, "patient", "expected an object"),
        ("/v1/guard", [], "body", "object"),
    ],
)
def test_bad_payload_names_the_field(shared_api: Api, path: str, payload: object, field: str, words: str) -> None:
    answer = shared_api.call("compliance", "POST", path, json=payload)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"] == "invalid_request"
    assert body["errors"][0]["field"] == field
    assert words in body["errors"][0]["message"]
    assert body["message"].startswith(f"{field}: ")


def test_body_that_is_not_json_is_a_422_not_a_500(shared_api: Api) -> None:
    answer = shared_api.client.post(
        "/v1/check",
        content=b"{not json",
        headers={**shared_api.headers("compliance"), "Content-Type": "application/json"},
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "body"
    assert "not valid JSON" in answer.json()["errors"][0]["message"]


def test_missing_body_says_to_send_one(shared_api: Api) -> None:
    answer = shared_api.call("compliance", "POST", "/v1/check")
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "body"


def test_unknown_route_and_method_keep_the_error_shape(shared_api: Api) -> None:
    missing = shared_api.call("compliance", "GET", "/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong = shared_api.call("compliance", "GET", "/v1/check")
    assert wrong.status_code == 405 and wrong.json()["error"] == "method_not_allowed"


def test_health_needs_no_key_and_names_the_database(shared_api: Api) -> None:
    body = shared_api.client.get("/v1/health").json()
    assert body["status"] == "ok" and body["database"] == "ok"


def test_every_response_carries_a_request_id(shared_api: Api) -> None:
    assert shared_api.client.get("/v1/health").headers["x-request-id"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/json"])
def test_a_body_that_is_no_json_object_says_to_send_one(shared_api: Api, content_type: str) -> None:
    body = b"" if content_type == "application/json" else b"text=x"
    headers = {**shared_api.headers("compliance"), "Content-Type": content_type}
    answer = shared_api.client.post("/v1/check", content=body, headers=headers)
    assert answer.status_code == 422
    assert answer.json()["errors"][0] == {"field": "body", "in": "body", "message": SEND_JSON}


def test_query_and_path_fields_are_named_with_where_they_are(shared_api: Api) -> None:
    query = shared_api.call("auditor", "GET", "/v1/audit", params={"limit": "many"}).json()["errors"][0]
    assert query == {"field": "limit", "in": "query", "message": "expected a whole number, got text"}
    path = shared_api.call("auditor", "GET", "/v1/strategies/x/versions/latest").json()["errors"][0]
    assert path["field"] == "version" and path["in"] == "path"


def test_bytes_that_are_not_utf8_are_a_422_on_the_body(shared_api: Api) -> None:
    headers = {**shared_api.headers("compliance"), "Content-Type": "application/json"}
    answer = shared_api.client.post("/v1/check", content=b"\x9e\x01", headers=headers)
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "body"
