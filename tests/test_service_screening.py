"""`screen financial_assistance` opens a hand-off to the financial counselors, once until it is answered.

Parley decides no one's eligibility: the screen becomes work for a person, in the
`financial-counselors` queue, with a reason that says what to do; an `fa_screening` event is its
answer. A screen while one is still waiting (open or claimed, and no `fa_screening` since) opens
nothing new, and says which hand-off holds it.

Runs on SQLite and, with PARLEY_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from db_fixtures import *  # noqa: F403  (pytest finds the fixtures database_url and db_engine here)
from db_fixtures import T0, guard_rules, plan_of, seed_account
from sqlalchemy import Engine
from sqlmodel import col, select

from runtime.db.database import read_session, transaction
from runtime.db.tables import AccountRow, AuditRow, EventRow, HandoffRow
from runtime.service.decide import DecisionOut, decide_and_reserve
from runtime.store import handoffs
from runtime.store.events import record_event
from runtime.store.handoffs_screening import SCREENING_QUEUE, SCREENING_REASON

# A daily screen (so a later day would screen again), and a reply handler that screens and also
# hands the patient to the counselors at high priority.
SCREENING_TEXT = """strategy "Screening" version 1
  organization nonprofit_hospital
  jurisdictions US-PA
  step "Screen" every 1 day from day 0 to day 400
    screen financial_assistance
  end
  on reply when intent.hardship
    screen financial_assistance
    handoff "financial-counselors" priority high
  end
end
"""
# The same screen once, on day 1 (T0: the seeded account was placed the day before), and never again.
ONCE_TEXT = SCREENING_TEXT.replace("every 1 day from day 0 to day 400", "on day 1").replace('"Screening"', '"Once"')
PLANS = {"Screening": plan_of(SCREENING_TEXT), "Once": plan_of(ONCE_TEXT)}
DAY = dt.timedelta(days=1)


def decide_at(engine: Engine, now: dt.datetime) -> DecisionOut:
    return decide_and_reserve(engine, "A1", now, PLANS, guard_rules())


def account(engine: Engine, strategy: str = "Screening") -> Engine:
    with transaction(engine) as session:
        seed_account(session, strategy_name=strategy)
    return engine


def screenings(engine: Engine) -> list[HandoffRow]:
    with read_session(engine) as session:
        query = select(HandoffRow).where(col(HandoffRow.reason).startswith(SCREENING_REASON))
        return list(session.exec(query.order_by(col(HandoffRow.id))).all())


def post_event(engine: Engine, kind: str, at: dt.datetime, key: str, text: str | None = None) -> None:
    payload = {"type": kind, "at": at.isoformat(), **({"text": text} if text else {})}
    with transaction(engine) as session:
        record_event(session, "A1", payload, key, at)


def last_audit(engine: Engine) -> dict:
    with read_session(engine) as session:
        query = select(AuditRow).where(AuditRow.action == "decide")  # events leave rows of their own
        row = session.exec(query.order_by(col(AuditRow.seq).desc())).first()
    assert row is not None and row.action == "decide"
    return dict(row.payload)


def test_a_screen_opens_one_counselor_handoff_that_says_what_to_do(db_engine: Engine) -> None:
    out = decide_at(account(db_engine), T0)
    (row,) = screenings(db_engine)
    assert (row.queue, row.priority, row.status) == (SCREENING_QUEUE, "normal", "open")
    assert row.reason == f"{SCREENING_REASON} (from `Screen`)"
    assert "fa_screening" in row.reason and row.decision_id == out.decision_id
    assert out.handoff_ids == [row.id]
    (proposal,) = out.proposals
    assert proposal["action"] == "screen" and (proposal["handoff_id"], proposal["handoff_opened"]) == (row.id, True)
    assert proposal["details"] == {"program": "financial_assistance", "queue": SCREENING_QUEUE, "priority": "normal"}
    assert last_audit(db_engine)["screening"] == {"opened": row.id} and last_audit(db_engine)["handoffs"] == [row.id]


def claim(engine: Engine) -> None:
    with transaction(engine) as session:
        handoffs.claim(session, screenings(engine)[0].id or 0, "carol", T0)


def resolve(engine: Engine) -> None:
    claim(engine)
    with transaction(engine) as session:
        handoffs.resolve(session, screenings(engine)[0].id or 0, "carol", "screened: see the fa_screening event", T0)


def screened_after(engine: Engine) -> None:
    post_event(engine, "fa_screening", T0 + dt.timedelta(hours=2), "s1")


def screened_before(engine: Engine) -> None:
    """A screening that happened before the hand-off was opened, recorded only now: it answers nothing new."""
    post_event(engine, "fa_screening", T0 - dt.timedelta(hours=2), "s0")


# What happens between the first day's screen and the next day's, and whether the next one opens a
# second hand-off.
BETWEEN: list[tuple[str, Callable[[Engine], None], bool]] = [
    ("nothing: the first is still open", lambda engine: None, False),
    ("a counselor claimed it", claim, False),
    ("a screening recorded as done before the hand-off opened", screened_before, False),
    ("the counselor posted an fa_screening event", screened_after, True),
    ("the counselor resolved it", resolve, True),
]


@pytest.mark.parametrize(("what", "between", "opens"), BETWEEN, ids=[b[0] for b in BETWEEN])
def test_a_later_screen_opens_a_new_handoff_only_once_the_first_is_answered(
    db_engine: Engine, what: str, between: Callable[[Engine], None], opens: bool
) -> None:
    decide_at(account(db_engine), T0)
    first = screenings(db_engine)[0].id
    between(db_engine)
    out = decide_at(db_engine, T0 + DAY)
    rows = screenings(db_engine)
    (proposal,) = out.proposals  # the strategy screened again either way
    if opens:
        assert len(rows) == 2 and out.handoff_ids == [rows[1].id] and rows[1].id != first
        assert last_audit(db_engine)["screening"] == {"opened": rows[1].id} and proposal["handoff_opened"]
    else:
        assert len(rows) == 1 and out.handoff_ids == []
        assert last_audit(db_engine)["screening"] == {"waiting": first}
        assert (proposal["handoff_id"], proposal["handoff_opened"]) == (first, False)


def test_an_answered_screening_is_not_reopened_when_the_strategy_does_not_screen_again(db_engine: Engine) -> None:
    decide_at(account(db_engine, "Once"), T0)
    screened_after(db_engine)
    out = decide_at(db_engine, T0 + DAY)
    assert out.proposals == [] and len(screenings(db_engine)) == 1 and "screening" not in last_audit(db_engine)


def test_a_handler_that_screens_and_hands_off_to_the_counselors_gives_the_screening_its_priority(
    db_engine: Engine,
) -> None:
    decide_at(account(db_engine, "Once"), T0)
    screened_after(db_engine)
    post_event(db_engine, "reply", T0 + DAY, "r1", "I lost my job and cannot pay")
    out = decide_at(db_engine, T0 + DAY + dt.timedelta(minutes=5))
    first, second = screenings(db_engine)
    assert (first.priority, second.priority) == ("normal", "high")
    assert second.reason == f"{SCREENING_REASON} (from `{out.proposals[0]['source']}`)"
    with read_session(db_engine) as session:
        desk = handoffs.list_handoffs(session, queue=SCREENING_QUEUE, priority="high")
    assert [h.id for h in desk] == sorted(out.handoff_ids) and second.id in out.handoff_ids


def test_screening_never_decides_eligibility(db_engine: Engine) -> None:
    decide_at(account(db_engine), T0)
    with read_session(db_engine) as session:
        events = session.exec(select(EventRow)).all()
        row = session.get(AccountRow, "A1")
    assert events == [] and row is not None
    assert "fa_application_pending" not in row.facts and "fa_screening" not in row.facts
