"""Four eyes follows key lineage, not key names: a second key minted by (or for) the author cannot approve.

The review's case: `alice` writes and submits a version, mints `alice2` with the compliance role and
approves with it. Each row of `CASES` mints keys through `POST /v1/keys`, writes and submits a
version with one key and approves it with another; the rule is `runtime.store.keys`' lineage rule.
"""

from __future__ import annotations

import pytest
from test_api_fixtures import ROOT, Api, api_fixture, database_url, folders_fixture  # noqa: F401

HARDSHIP = (ROOT / "strategies" / "hardship_first.parley").read_text()
NAME = "Hardship first with income-driven plans"
BASE = f"/v1/strategies/{NAME}/versions/1"

# (case, keys to mint as (new name, minted by, roles), author, submitter, approver, status)
# Fixture keys (`compliance`, `compliance2`, `strategist`) are bootstrapped roots.
CASES = [
    (
        "a key minted by the author",
        [("alice2", "compliance", ["compliance"])],
        "compliance",
        "compliance",
        "alice2",
        409,
    ),
    ("the key that minted the author", [("w", "compliance", ["strategist"])], "w", "w", "compliance", 409),
    (
        "two keys minted by one person",
        [("alice", "compliance", ["compliance"]), ("w", "alice", ["strategist"]), ("a", "alice", ["compliance"])],
        "w",
        "w",
        "a",
        409,
    ),
    (
        "a person's key and a key its holder minted for themselves",
        [("alice", "compliance", ["compliance"]), ("a", "alice", ["compliance"])],
        "alice",
        "alice",
        "a",
        409,
    ),
    (
        "a key minted by a key the author minted",
        [("x", "compliance", ["compliance"]), ("y", "x", ["compliance"])],
        "compliance",
        "compliance",
        "y",
        409,
    ),
    (
        "a key minted by the submitter",
        [("s", "compliance", ["strategist", "compliance"]), ("a", "s", ["compliance"])],
        "strategist",
        "s",
        "a",
        409,
    ),
    (  # a root is an issuer: the keys it hands out are people (why roots belong with access admins)
        "two people handed keys by one issuer",
        [("Dana", "compliance", ["compliance"]), ("Eve", "compliance", ["strategist"])],
        "Eve",
        "Eve",
        "Dana",
        200,
    ),
    ("keys of unrelated roots", [], "strategist", "strategist", "compliance2", 200),
    ("a key minted by another officer", [("a", "compliance2", ["compliance"])], "strategist", "strategist", "a", 200),
]


def mint(api: Api, name: str, by: str, roles: list[str]) -> None:
    """A key for `name` created with `by`'s key; `api.keys[name]` holds its text."""
    made = api.call(by, "POST", "/v1/keys", json={"name": name, "roles": roles})
    assert made.status_code == 201, made.text
    assert made.json()["created_by"] == api.keys[by].split("_")[1]
    api.keys[name] = made.json()["key"]


@pytest.mark.parametrize(
    ("minted", "author", "submitter", "approver", "status"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_approval_follows_key_lineage(
    api: Api, minted: list[tuple[str, str, list[str]]], author: str, submitter: str, approver: str, status: int
) -> None:
    for name, by, roles in minted:
        mint(api, name, by, roles)
    assert api.call(author, "POST", "/v1/strategies", json={"text": HARDSHIP}).status_code == 201
    assert api.call(submitter, "POST", f"{BASE}/submit").status_code == 200
    answer = api.call(approver, "POST", f"{BASE}/approve")
    assert answer.status_code == status, answer.text
    if status == 409:
        body = answer.json()
        assert body["errors"][0]["field"] == "approver" and "four eyes" in body["message"]
        assert api.call("compliance2", "POST", f"{BASE}/approve").status_code == 200  # an independent officer can
    assert api.call("compliance2", "POST", f"{BASE}/deploy").status_code == 200


def test_the_key_create_audit_row_names_the_new_key_and_its_minter(api: Api) -> None:
    made = api.call("compliance", "POST", "/v1/keys", json={"name": "alice2", "roles": ["compliance"]}).json()
    trail = api.call("auditor", "GET", "/v1/audit", params={"subject": f"key:{made['id']}"}).json()
    (row,) = [r for r in trail if r["action"] == "key.create"]
    minter = api.keys["compliance"].split("_")[1]
    assert row["payload"] == {"name": "alice2", "roles": ["compliance"], "created_by": minter, "by_key": minter}
    listed = {k["id"]: k for k in api.call("auditor", "GET", "/v1/keys").json()}
    assert listed[made["id"]]["created_by"] == minter and listed[minter]["created_by"] is None
