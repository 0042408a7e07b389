"""Where decide sends a contact: the patient's address or number, after HIPAA confidential-communication
preferences (45 CFR 164.522(b)) and opt-outs of one address; a contact with no usable address is refused
before it is reserved, never queued to fail.

The table tests read `runtime.service.recipients.recipient` alone; the rest run `decide_and_reserve` on
SQLite and, with PARLEY_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from db_fixtures import *  # noqa: F403  (pytest finds the fixtures database_url and db_engine here)
from db_fixtures import SEED_PATIENT, T0, guard_rules, plan_of, seed_account
from sqlalchemy import Engine
from sqlmodel import select

from runtime.db.database import read_session, transaction
from runtime.db.tables import AccountRow, ContactRow, OutboxRow
from runtime.service.decide import decide_and_reserve
from runtime.service.recipients import recipient
from runtime.store.accounts import upsert_patient
from runtime.store.events import record_event

HOME = {"id": "home", "kind": "landline", "number": "+12155550100"}
WORK = {"id": "work", "kind": "landline", "number": "+12155550199", "place": "work"}
CELL = {"id": "cell", "kind": "mobile", "number": "+12155550123"}
MAIL = {"id": "mail", "kind": "email", "address": "pat@example.test"}
ALT_MAIL = {"id": "alt", "kind": "email", "address": "private@example.test"}
POST = {"id": "post", "kind": "address", "address": {"line1": "PO Box 9", "city": "Erie", "state": "PA"}}
NOT_PATIENTS = {**HOME, "belongs_to_patient": False}

RECIPIENTS: list[tuple[str, str, dict[str, Any], list[dict[str, Any]], str | None, str | None]] = [
    ("email goes to the email address", "email", {"contact_points": [HOME, MAIL]}, [], "pat@example.test", None),
    ("a call goes to the phone", "call", {"contact_points": [MAIL, HOME]}, [], "+12155550100", None),
    ("home before work", "call", {"contact_points": [WORK, HOME]}, [], "+12155550100", None),
    ("work when it is the only phone", "call", {"contact_points": [WORK]}, [], "+12155550199", None),
    ("sms needs a mobile", "sms", {"contact_points": [HOME]}, [], None, "no mobile number on file"),
    ("sms to the mobile", "sms", {"contact_points": [HOME, CELL]}, [], "+12155550123", None),
    ("a letter to the postal address", "letter", {"contact_points": [POST]}, [], "PO Box 9, Erie, PA", None),
    ("no points at all", "email", {}, [], None, "the patient has no email address on file"),
    ("chat needs no address", "chat", {}, [], None, None),
    (
        "the confidential address wins over the default",
        "email",
        {"contact_points": [MAIL, ALT_MAIL], "confidential_communication": {"to": ["alt"]}},
        [],
        "private@example.test",
        None,
    ),
    (
        "never the default when the confidential point cannot take the channel",
        "call",
        {"contact_points": [HOME, POST], "confidential_communication": {"to": ["post"]}},
        [],
        None,
        "none of the addresses the patient asked to be reached at takes `call`",
    ),
    (
        "a channel the patient did not ask for",
        "sms",
        {"contact_points": [CELL, POST], "confidential_communication": {"channels": ["letter"]}},
        [],
        None,
        "the patient asked to be reached only by `letter`",
    ),
    (
        "a channel the patient asked for",
        "letter",
        {"contact_points": [CELL, POST], "confidential_communication": {"channels": ["letter"]}},
        [],
        "PO Box 9, Erie, PA",
        None,
    ),
    (
        "an opted-out address is skipped",
        "email",
        {"contact_points": [MAIL, ALT_MAIL]},
        [{"type": "opt_out", "to": "mail", "at": "2026-03-01T00:00:00+00:00"}],
        "private@example.test",
        None,
    ),
    (
        "the only address opted out",
        "email",
        {"contact_points": [MAIL]},
        [{"type": "opt_out", "to": "mail", "at": "2026-03-01T00:00:00+00:00"}],
        None,
        "every email address on file for `email` is opted out",
    ),
    (
        "a number learned not to be the patient's",
        "call",
        {"contact_points": [HOME, WORK]},
        [{"type": "number_not_patient", "to": "home", "at": "2026-03-01T00:00:00+00:00"}],
        "+12155550199",
        None,
    ),
    ("a point marked as someone else's", "call", {"contact_points": [NOT_PATIENTS]}, [], None, "is opted out, not"),
    ("a point with no value", "email", {"contact_points": [{"id": "e", "kind": "email"}]}, [], None, "or empty"),
]


@pytest.mark.parametrize(
    ("what", "channel", "patient", "events", "to", "refused"), RECIPIENTS, ids=[r[0] for r in RECIPIENTS]
)
def test_recipient(what: str, channel: str, patient: dict, events: list, to: str | None, refused: str | None) -> None:
    found = recipient(channel, patient, events)
    assert found.to == to, what
    if refused is None:
        assert found.refused is None, found.refused
    else:
        assert found.refused is not None and refused in found.refused, found.refused
        assert "@" not in found.refused and "555" not in found.refused  # the reason carries no address (PHI)


def decide(engine: Engine, now: dt.datetime = T0) -> Any:
    return decide_and_reserve(engine, "A1", now, {"Eager": plan_of()}, guard_rules())


def seeded(db_engine: Engine, patient: dict[str, Any] | None = None) -> Engine:
    with transaction(db_engine) as session:
        if patient is not None:
            upsert_patient(session, "P1", {**SEED_PATIENT, **patient}, T0)
        seed_account(session)
    return db_engine


def queued(engine: Engine) -> list[OutboxRow]:
    with read_session(engine) as session:
        return list(session.exec(select(OutboxRow).order_by(OutboxRow.id)).all())


def test_each_message_names_its_recipient(db_engine: Engine) -> None:
    out = decide(seeded(db_engine))
    assert out.proposals and not out.refused
    assert [row.message["to"] for row in queued(db_engine)] == ["+12155550100"] * len(out.proposals)


def test_the_home_number_is_never_used_when_the_patient_asked_for_another(db_engine: Engine) -> None:
    alternative = {"id": "alt", "kind": "landline", "number": "+12155550777"}
    patient = {"contact_points": [HOME, alternative], "confidential_communication": {"to": ["alt"]}}
    out = decide(seeded(db_engine, patient))
    # The guard is asked about `alt` itself (ContactRequest.to), so the calls are allowed and go there.
    assert out.proposals and not out.refused and "HIPAA-CONF-COMM" not in str(out.trace)
    assert [row.message["to"] for row in queued(db_engine)] == ["+12155550777"] * len(out.proposals)


def test_a_contact_without_an_address_is_refused_and_not_reserved(db_engine: Engine) -> None:
    out = decide(seeded(db_engine, {"contact_points": [MAIL]}))
    assert not [p for p in out.proposals if p.get("contact_id")]
    assert [r["source"] for r in out.refused] == ["Morning call", "Noon call", "Evening call"]
    assert {r["reason"] for r in out.refused} == {"the patient has no phone number on file for `call`"}
    assert queued(db_engine) == []
    with read_session(db_engine) as session:
        assert session.exec(select(ContactRow)).all() == []
        account = session.get(AccountRow, "A1")
        assert account is not None and not account.progress.get("steps_acted")  # the steps may act again


def test_a_number_learned_not_to_be_the_patients_is_not_called(db_engine: Engine) -> None:
    engine = seeded(db_engine, {"contact_points": [HOME, {**HOME, "id": "other", "number": "+12155550888"}]})
    with transaction(engine) as session:
        event = {"type": "number_not_patient", "at": (T0 - dt.timedelta(hours=1)).isoformat(), "to": "home"}
        record_event(session, "A1", event, "wrong-number", T0)
    decide(engine)
    assert {row.message["to"] for row in queued(engine)} == {"+12155550888"}
