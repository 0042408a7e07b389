"""The ledger's two safety nets, each shown able to fail:

- `settle` (in decide): a contact at the same instant as one already counted, and a contact placed
  before one already reserved for later, are judged with those counted (the guard alone counts
  only what lies strictly before a proposal);
- `recount_violations`: the independent recount the race test relies on finds every window over a cap.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from db_fixtures import *  # noqa: F403  (pytest finds the fixtures database_url and db_engine here)
from db_fixtures import guard_rules, seed_account
from sqlalchemy import Engine

from engine.account import Account
from engine.decide import Decision, Proposal
from engine.guarding import Ledger
from engine.trace import Trace
from runtime.db.database import read_session, transaction
from runtime.db.tables import ContactRow
from runtime.service.decide import settle
from runtime.store.ledger import Cap, caps_from_rules, recount_violations

NY = ZoneInfo("America/New_York")
ACCOUNT = Account(
    "A1",
    dt.date(2026, 3, 1),
    "America/New_York",
    {"balance": Decimal("250"), "days_past_due": 200, "jurisdiction": "US-PA"},
    debts=("D1",),
)


def at(day: int, hour: int = 10) -> dt.datetime:
    """10:00 New York time on a day of March 2026."""
    return dt.datetime(2026, 3, day, hour, tzinfo=NY)


def ledger(*days: int | tuple[int, int]) -> Ledger:
    """Calls reserved at 10:00 on these days (or on `(day, hour)`)."""
    moments = [at(*d) if isinstance(d, tuple) else at(d) for d in days]
    return Ledger(
        history=tuple(
            {"at": m.isoformat(), "channel": "call", "direction": "outbound", "debts": ["D1"]} for m in moments
        ),
        debts=({"id": "D1", "kind": "medical"},),
        # The guard treats every call as possibly autodialed or AI-voiced (TCPA): consented, so only caps decide.
        patient={"consent": {"autodialed_calls": True, "prerecorded_voice": True}},
        organization="agency",
    )


def calls(*moments: dt.datetime) -> Decision:
    proposals = tuple(Proposal(f"step {i}", "call", "call", "script", m) for i, m in enumerate(moments))
    return Decision("A1", moments[0], 0, "hash", proposals, Trace())


SETTLE = [
    # (what, ledger days, proposal moments, kept, refused reason or None)
    ("room for one more", (2, 3, 4, 5, 6), (at(8),), 1, None),
    ("two at once, room for one", (2, 3, 4, 5, 6, 7), (at(8), at(8)), 1, "same time"),
    ("one at the instant of a counted one", (2, 3, 4, 5, 6, 7, 8), (at(8),), 0, "same time"),
    ("before a week already full", (3, 4, 5, 6, 7, 8, (8, 15)), (at(2),), 0, "reserved for later"),
    ("before a week with room", (3, 4, 5, 8), (at(2),), 1, None),
    # A late decision (it read the clock, then waited for the lock) before three calls reserved at one instant.
    ("before three at one instant", ((2, 10),) * 3 + ((3, 13),) * 3, (at(2, 14),) * 3, 1, "reserved for later"),
]


@pytest.mark.parametrize(("what", "days", "moments", "kept", "reason"), SETTLE, ids=[c[0] for c in SETTLE])
def test_settle_counts_what_the_guard_cannot_see(
    what: str, days: tuple, moments: tuple, kept: int, reason: str | None
) -> None:
    settled = settle(ACCOUNT, ledger(*days), guard_rules(), "agency", moments[0], calls(*moments))
    assert len(settled.kept) == kept
    if reason is None:
        assert settled.refused == []
    else:
        assert len(settled.refused) == len(moments) - kept and reason in settled.refused[0][1]


REGF = Cap("REGF-FREQ-7IN7", frozenset({"call", "voicemail"}), 7, True, 7, 7 * 1440)
FIVE_MINUTES = Cap("ONE-PER-5-MIN", frozenset({"call"}), 1, False, None, 5)
RECOUNT = [
    # (what, contact moments, caps, expected (rule, window end, count) findings)
    ("seven in seven days", [at(d) for d in range(2, 9)], [REGF], []),
    ("eight in seven days", [at(d) for d in range(2, 9)] + [at(8, 15)], [REGF], [("REGF-FREQ-7IN7", "2026-03-08", 8)]),
    ("eight in eight days", [at(d) for d in range(2, 10)], [REGF], []),
    ("eight on one day", [at(2, h) for h in range(9, 17)], [REGF], [("REGF-FREQ-7IN7", "2026-03-02", 8)]),
    (
        "three minutes apart",
        [at(2), at(2) + dt.timedelta(minutes=3)],
        [FIVE_MINUTES],
        [("ONE-PER-5-MIN", (at(2) + dt.timedelta(minutes=3)).astimezone(dt.UTC).isoformat(), 2)],
    ),
    ("six minutes apart", [at(2), at(2) + dt.timedelta(minutes=6)], [FIVE_MINUTES], []),
]


@pytest.mark.parametrize(("what", "moments", "caps", "expected"), RECOUNT, ids=[c[0] for c in RECOUNT])
def test_the_recount_finds_every_window_over_a_cap(
    db_engine: Engine, what: str, moments: list, caps: list, expected: list
) -> None:
    with transaction(db_engine) as session:
        seed_account(session)
        for moment in moments:
            session.add(ContactRow(account_id="A1", source="s", action="call", channel="call", debts=["D1"], at=moment))
        # Cancelled contacts and other channels never count.
        session.add(
            ContactRow(account_id="A1", source="s", action="call", channel="call", at=at(2), status="cancelled")
        )
        session.add(ContactRow(account_id="A1", source="s", action="send", channel="letter", debts=["D1"], at=at(2)))
    with read_session(db_engine) as session:
        found = recount_violations(session, caps)
    assert [(v.rule_id, v.window_end, v.count) for v in found] == expected


def test_the_packs_caps_reach_only_their_accounts() -> None:
    caps = {c.rule_id: c for c in caps_from_rules(guard_rules())}
    regf = caps["REGF-FREQ-7IN7"]
    assert (regf.limit, regf.days, regf.per_debt) == (7, 7, True) and "call" in regf.channels
    assert regf.reaches is not None and regf.reaches("agency", "US-PA", dt.date(2026, 3, 2))
    state_caps = [c for c in caps.values() if c.rule_id != "REGF-FREQ-7IN7"]
    assert state_caps and all(c.reaches and not c.reaches("agency", "US-PA", dt.date(2026, 3, 2)) for c in state_caps)
