"""From decision to the outside world: decide reserves and queues rendered messages, the worker delivers them.

P's `decide_and_reserve` writes the contacts and their outbox rows in one transaction; the worker
pushes them to a real webhook receiver; the ledger, the outbox and the receiver then agree. The
disclosure wording comes from a wording book, per channel.
"""

from __future__ import annotations

from typing import Any

import pytest
from db_fixtures import T0, database_url, db_engine, guard_rules, plan_of, seed_account  # noqa: F401  (fixtures)
from sqlalchemy.engine import Engine
from sqlmodel import select
from test_channels_webhook import SECRET, Receiver, receiver  # noqa: F401  (fixture)
from test_outbox_worker import unjudged_once

from dsl.templates import build_template_set
from runtime.channels import ChannelRegistry, WebhookChannel, WebhookSettings
from runtime.db.database import read_session, transaction
from runtime.db.tables import ContactRow, OutboxRow
from runtime.render import read_disclosure_wording
from runtime.service.decide import decide_and_reserve

CALL = (
    "---\nchannels: [call]\n---\n"
    "Hello {{ patient.first_name }}, {{ account.balance | money }}. {{ disclosure.debt_collector }}"
)
BOOK = read_disclosure_wording('[es]\ndebt_collector = "Esta comunicación es de un cobrador de deudas."\n')


@pytest.fixture
def engine(db_engine: Engine) -> Engine:  # noqa: F811  (the fixture imported above)
    with transaction(db_engine) as session:
        seed_account(session, variables={"patient.first_name": "Ana"})
    return db_engine


def test_decided_messages_reach_the_receiver_once(engine: Engine, receiver: tuple[Receiver, str]) -> None:  # noqa: F811
    found, url = receiver
    templates, findings = build_template_set({("eager_call", "en"): (CALL, "eager_call/en.j2")})
    assert not findings
    wording = {"en": {"debt_collector": "This communication is from a debt collector."}}
    out = decide_and_reserve(
        engine, "A1", T0, {"Eager": plan_of()}, guard_rules(), templates=templates, disclosures=wording
    )
    keys = {f"contact-{p['contact_id']}" for p in out.proposals}
    registry = ChannelRegistry({"call": WebhookChannel(WebhookSettings(url, SECRET))})
    assert unjudged_once(engine, registry, "w1").delivered == len(keys) == 3
    assert unjudged_once(engine, registry, "w1").leased == 0
    assert set(found.messages) == keys and len(found.raw) == 3
    bodies = {m["message"]["body"] for m in found.messages.values()}
    assert bodies == {"Hello Ana, $250.00. This communication is from a debt collector."}
    with read_session(engine) as session:
        assert {c.status for c in session.exec(select(ContactRow))} == {"delivered"}
        assert {o.status for o in session.exec(select(OutboxRow))} == {"delivered"}


def test_the_book_gives_a_missing_language_no_wording(engine: Engine) -> None:
    templates, _ = build_template_set({("eager_call", "en"): (CALL, "eager_call/en.j2")})
    book: dict[str, Any] = BOOK  # Spanish only: the English template has no wording, so nothing is queued
    out = decide_and_reserve(
        engine, "A1", T0, {"Eager": plan_of()}, guard_rules(), templates=templates, disclosures=book
    )
    assert out.refused and all("no `en` wording for `disclosure.debt_collector`" in r["reason"] for r in out.refused), (
        out.refused
    )
    with read_session(engine) as session:
        assert session.exec(select(OutboxRow)).all() == [] and session.exec(select(ContactRow)).all() == []
