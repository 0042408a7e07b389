"""Hand-offs: open → claimed → resolved, by the person who claimed it; anything else is a 409."""

from __future__ import annotations

import pytest
from db_fixtures import *  # noqa: F403  (pytest finds the fixtures database_url and db_engine here)
from db_fixtures import T0, seed_account
from sqlalchemy import Engine

from runtime.db.database import read_session, transaction
from runtime.store import handoffs
from runtime.store.problems import StoreProblem


@pytest.fixture
def handoff_id(db_engine: Engine) -> int:
    with transaction(db_engine) as session:
        seed_account(session)
        row = handoffs.open_handoff(session, "A1", None, "on reply: hardship-desk", T0)
    assert row.id is not None
    return row.id


def test_the_life_of_a_handoff(db_engine: Engine, handoff_id: int) -> None:
    with read_session(db_engine) as session:
        assert [h.id for h in handoffs.list_handoffs(session)] == [handoff_id]
    with transaction(db_engine) as session:
        assert handoffs.claim(session, handoff_id, "carol", T0).status == "claimed"
        assert handoffs.claim(session, handoff_id, "carol", T0).claimed_by == "carol"  # again: no change
    with read_session(db_engine) as session:
        assert handoffs.list_handoffs(session) == []
        assert [h.id for h in handoffs.list_handoffs(session, status="claimed")] == [handoff_id]
    with transaction(db_engine) as session:
        done = handoffs.resolve(session, handoff_id, "carol", "plan set up", T0)
    assert (done.status, done.resolution) == ("resolved", "plan set up")


REFUSED = [
    ("claimed by another", [("claim", "carol"), ("claim", "dave")], 409),
    ("resolve before claiming", [("resolve", "carol")], 409),
    ("resolve someone else's", [("claim", "carol"), ("resolve", "dave")], 409),
    ("resolve twice", [("claim", "carol"), ("resolve", "carol"), ("resolve", "carol")], 409),
]


@pytest.mark.parametrize(("what", "steps", "status"), REFUSED, ids=[c[0] for c in REFUSED])
def test_out_of_order_steps_are_refused(
    db_engine: Engine, handoff_id: int, what: str, steps: list, status: int
) -> None:
    *allowed, last = steps
    for verb, actor in allowed:
        with transaction(db_engine) as session:
            act(session, verb, handoff_id, actor)
    with pytest.raises(StoreProblem) as problem, transaction(db_engine) as session:
        act(session, last[0], handoff_id, last[1])
    assert problem.value.status == status


def act(session: object, verb: str, handoff_id: int, actor: str) -> None:
    if verb == "claim":
        handoffs.claim(session, handoff_id, actor, T0)  # type: ignore[arg-type]
    else:
        handoffs.resolve(session, handoff_id, actor, "done", T0)  # type: ignore[arg-type]


def test_unknown_ids_and_statuses_name_the_field(db_engine: Engine, handoff_id: int) -> None:
    with transaction(db_engine) as session:
        with pytest.raises(StoreProblem) as missing:
            handoffs.claim(session, handoff_id + 1, "carol", T0)
        with pytest.raises(StoreProblem) as status:
            handoffs.list_handoffs(session, status="lost")
        with pytest.raises(StoreProblem) as empty:
            handoffs.resolve(session, handoff_id, "carol", " ", T0)
    assert (missing.value.status, missing.value.field) == (404, "handoff_id")
    assert (status.value.status, status.value.field) == (422, "status")
    assert empty.value.field == "resolution"
