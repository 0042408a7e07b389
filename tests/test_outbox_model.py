"""The outbox against a model: random sequences of leases, deliveries, failures, acknowledgements and time.

A plain-Python model of the rules (due means pending past its backoff, or leased with a lease run
out; delivered is final; only the holder may fail or acknowledge) runs beside the real store on
SQLite, and after every step the table must equal the model. Hypothesis finds the sequences.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import select
from test_outbox_store import T0, seed

from runtime.db.database import make_engine, read_session, transaction
from runtime.db.migrate import upgrade
from runtime.db.tables import ContactRow, OutboxRow
from runtime.outbox.store import LeaseLost, RetryPolicy, acknowledge, lease, mark_delivered, mark_failed

POLICY = RetryPolicy(max_attempts=2, base_seconds=5, max_seconds=20)  # few steps reach a dead letter
OWNERS = st.sampled_from(["a", "b", "c"])


@dataclass
class Model:
    """What one outbox row should hold."""

    status: str = "pending"
    owner: str | None = None
    until: dt.datetime | None = None
    attempts: int = 0


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Any:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('model')) / 'parley.db'}"
    upgrade(url)
    built = make_engine(url)
    yield built
    built.dispose()


class OutboxMachine(RuleBasedStateMachine):
    """Random operations on four messages, checked against `Model` after each."""

    engine: Engine

    @initialize()
    def start(self) -> None:
        with transaction(self.engine) as session:
            session.execute(delete(OutboxRow))
            session.execute(delete(ContactRow))
        self.ids = seed(self.engine, 4)
        self.model = {i: Model() for i in self.ids}
        self.now = T0

    def due(self, row: Model) -> bool:
        return row.status in ("pending", "leased") and (row.until is None or row.until <= self.now)

    @rule(owner=OWNERS, limit=st.integers(1, 4), seconds=st.sampled_from([5, 30]))
    def take(self, owner: str, limit: int, seconds: int) -> None:
        got = [r.id for r in lease(self.engine, owner, limit, seconds, now=self.now)]
        expected = [i for i in self.ids if self.due(self.model[i])][:limit]
        assert got == expected
        for i in expected:
            row = self.model[i]
            row.status, row.owner, row.until = "leased", owner, self.now + dt.timedelta(seconds=seconds)
            row.attempts += 1

    @rule(index=st.integers(0, 3))
    def confirm(self, index: int) -> None:
        i, row = self.ids[index], self.model[self.ids[index]]
        assert mark_delivered(self.engine, i, now=self.now) is (row.status != "delivered")
        if row.status != "delivered":
            row.status, row.owner, row.until = "delivered", None, None

    @rule(index=st.integers(0, 3), owner=OWNERS, permanent=st.booleans())
    def fail(self, index: int, owner: str, permanent: bool) -> None:
        i, row = self.ids[index], self.model[self.ids[index]]
        if row.status != "leased" or row.owner != owner:
            with pytest.raises(LeaseLost):
                mark_failed(self.engine, i, owner, "webhook: answered 503", permanent, POLICY, now=self.now)
            return
        mark_failed(self.engine, i, owner, "webhook: answered 503", permanent, POLICY, now=self.now)
        row.owner = None
        if permanent or row.attempts >= POLICY.max_attempts:
            row.status, row.until = "dead", None
        else:
            row.status, row.until = "pending", self.now + POLICY.delay(row.attempts)

    @rule(index=st.integers(0, 3), permanent=st.booleans())
    def holder_fails(self, index: int, permanent: bool) -> None:
        """The usual case: the worker holding the lease reports the failure."""
        self.fail(index, self.model[self.ids[index]].owner or "a", permanent)

    @rule()
    def receiver_down(self) -> None:
        """A worker leases everything due and every send fails: the quick path to dead letters."""
        self.take("w", 4, 5)
        for index, i in enumerate(self.ids):
            if self.model[i].status == "leased" and self.model[i].owner == "w":
                self.fail(index, "w", False)

    @rule(index=st.integers(0, 3))
    def holder_acknowledges(self, index: int) -> None:
        self.ack(index, self.model[self.ids[index]].owner or "a")

    @rule(index=st.integers(0, 3), owner=OWNERS)
    def ack(self, index: int, owner: str) -> None:
        i, row = self.ids[index], self.model[self.ids[index]]
        if row.status != "delivered" and (row.status != "leased" or row.owner != owner):
            with pytest.raises(LeaseLost):
                acknowledge(self.engine, i, owner, now=self.now)
            return
        assert acknowledge(self.engine, i, owner, now=self.now).status == "delivered"
        row.status, row.owner, row.until = "delivered", None, None

    @rule(seconds=st.integers(1, 40))
    def wait(self, seconds: int) -> None:
        self.now += dt.timedelta(seconds=seconds)

    @invariant()
    def table_equals_model(self) -> None:
        if not hasattr(self, "ids"):
            return
        with read_session(self.engine) as session:
            rows = {r.id: r for r in session.exec(select(OutboxRow))}
            contacts = {c.id: c.status for c in session.exec(select(ContactRow))}
            for i, want in self.model.items():
                got = rows[i]
                assert (got.status, got.lease_owner, got.lease_until, got.attempts) == (
                    want.status,
                    want.owner,
                    want.until,
                    want.attempts,
                )
                ledger = {"delivered": "delivered", "dead": "failed"}.get(want.status, "reserved")
                assert contacts[got.contact_id] == ledger


def test_the_outbox_follows_its_model(engine: Engine) -> None:
    OutboxMachine.engine = engine
    runner = OutboxMachine.TestCase
    runner.settings = settings(max_examples=20, stateful_step_count=15, deadline=None)
    runner().runTest()
