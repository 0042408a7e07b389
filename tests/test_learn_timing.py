"""The timing bandit learns from the service's ledger: contacts and answers at known hours become the
posterior's tallies; open windows, failed and cancelled contacts are left out; a broken row is skipped
and counted; learning twice gives the same posterior; `parley train --timing` prints and saves."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from db_fixtures import *  # noqa: F403
from db_fixtures import T0, seed_account
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from engine.scores.bandit import BanditState, Outcome, Tally, update
from engine.scores.bandit_card import POSTERIOR_FILE, state_to_dict
from runtime.bandit_store import bandit_folder, load_bandit, save_bandit
from runtime.cli import app
from runtime.db.database import transaction
from runtime.db.tables import ContactRow, EventRow
from runtime.service.learn_timing import BanditWatch, learn_timing
from runtime.store.accounts import upsert_patient

runner = CliRunner()
NOW = T0 + dt.timedelta(days=10)  # 2026-03-12 14:00 UTC; New York is on EDT from 2026-03-08
HOUR = dt.timedelta(hours=1)


def at(day: int, hour_utc: int, minute: int = 0) -> dt.datetime:
    """An instant in March 2026, in UTC."""
    return dt.datetime(2026, 3, day, hour_utc, minute, tzinfo=dt.UTC)


def contact(account: str, channel: str, when: dt.datetime, status: str = "sent") -> ContactRow:
    """A contact in the ledger."""
    return ContactRow(
        account_id=account, source="test", action=channel, channel=channel, debts=["D1"], at=when, status=status
    )


def event(account: str, type_: str, when: dt.datetime, key: str, **payload: object) -> EventRow:
    """An event as the service stores it."""
    body = {"type": type_, "at": when.isoformat(), **payload}
    return EventRow(account_id=account, idempotency_key=key, type=type_, at=when, payload=body)


def seed_ledger(engine: Engine) -> None:
    """Two accounts whose contacts and answers fall at known local hours.

    A1 (New York, age 40: `working`), EST until 8 March:
    - sms 2 Mar 14:00Z (09 local), reply 2 h later: answered                 -> working sms 9 +1
    - sms 3 Mar 23:00Z (18 local), nothing before the next contact: unanswered -> working sms 18 -1
    - call 5 Mar 15:00Z (10 local), reply 73 h later: too late                 -> working call 10 -1
    - sms 8 Mar 13:00Z (09 EDT), failed in the outbox: never reached          -> left out (unreached)
    - sms 9 Mar 12:00Z, cancelled                                              -> ignored
    - email 11 Mar 14:00Z, window still open at NOW                            -> left out (pending)
    - call 13 Mar, reserved for after NOW                                      -> ignored
    A2 (Los Angeles, no age: `unknown`), PST:
    - call 2 Mar 17:00Z (09 local), a conversation 5 min later: answered       -> unknown call 9 +1
    - sms 3 Mar 20:00Z (12 local), payment next day: answered                  -> unknown sms 12 +1
    - email 4 Mar 22:00Z (14 local), only a delivery receipt: unanswered       -> unknown email 14 -1
    """
    with transaction(engine) as session:
        seed_account(session, "A1", "P1", facts={"balance": "250.00", "patient.age": 40})
        upsert_patient(session, "P2", {"timezone": "America/Los_Angeles"}, T0)
        seed_account(session, "A2", "P2")
        session.add_all(
            [
                contact("A1", "sms", at(2, 14)),
                contact("A1", "sms", at(3, 23), "delivered"),
                contact("A1", "call", at(5, 15)),
                contact("A1", "sms", at(8, 13), "failed"),
                contact("A1", "sms", at(9, 12), "cancelled"),
                contact("A1", "email", at(11, 14)),
                contact("A1", "call", at(13, 15), "reserved"),
                contact("A2", "call", at(2, 17)),
                contact("A2", "sms", at(3, 20)),
                contact("A2", "email", at(4, 22)),
            ]
        )
        session.flush()
        session.add_all(
            [
                event("A1", "reply", at(2, 16), "e1", text="ok call me later"),
                event("A1", "reply", at(5, 15) + 73 * HOUR, "e2", text="who is this"),
                event("A2", "conversation", at(2, 17, 5), "e3"),
                event("A2", "payment", at(4, 18), "e4"),
                event("A2", "delivery_receipt", at(4, 22, 1), "e5", channel="email"),
            ]
        )


EXPECTED = {
    ("working", "sms", 9): Tally(1, 0),
    ("working", "sms", 18): Tally(0, 1),
    ("working", "call", 10): Tally(0, 1),
    ("unknown", "call", 9): Tally(1, 0),
    ("unknown", "sms", 12): Tally(1, 0),
    ("unknown", "email", 14): Tally(0, 1),
}


def test_the_posterior_counts_each_closed_contact_at_its_local_hour(db_engine: Engine, tmp_path: Path) -> None:
    seed_ledger(db_engine)
    report = learn_timing(db_engine, NOW, tmp_path)
    assert dict(report.state.tallies) == EXPECTED
    assert (report.accounts, report.contacts, report.answers) == (2, 6, 3)
    assert (report.pending, report.unreached, report.skipped) == (1, 1, 0)
    assert report.answer_rate == 0.5
    assert report.folder == bandit_folder(tmp_path)
    assert load_bandit(tmp_path) == report.state
    card = json.loads((report.folder / "card.json").read_text())
    assert card["rows"] == 6 and card["metrics"]["answer_rate"] == 0.5 and card["metrics"]["skipped_rows"] == 0
    assert card["training_data"].startswith("ledger of ") and NOW.isoformat() in card["training_data"]


def test_a_contact_whose_window_closes_later_is_learned_then(db_engine: Engine, tmp_path: Path) -> None:
    seed_ledger(db_engine)
    later = learn_timing(db_engine, at(16, 16), tmp_path, save=False)
    # New York is on EDT by then: 14:00Z and 15:00Z are 10:00 and 11:00 local. The email's window ends
    # at the call that followed it; the call (reserved, so counted as the guard counts it) has closed too.
    assert later.state.tallies[("working", "email", 10)] == Tally(0, 1)
    assert later.state.tallies[("working", "call", 11)] == Tally(0, 1)
    assert (later.pending, later.contacts) == (0, 8)


@pytest.mark.parametrize("batch", [1, 2, 500])
def test_batches_of_any_size_learn_the_same(db_engine: Engine, tmp_path: Path, batch: int) -> None:
    seed_ledger(db_engine)
    assert dict(learn_timing(db_engine, NOW, tmp_path, batch=batch, save=False).state.tallies) == EXPECTED


def test_learning_twice_gives_the_same_posterior(db_engine: Engine, tmp_path: Path) -> None:
    seed_ledger(db_engine)
    first = learn_timing(db_engine, NOW, tmp_path)
    saved = (first.folder / POSTERIOR_FILE).read_bytes()
    second = learn_timing(db_engine, NOW, tmp_path)
    assert second.state == first.state and state_to_dict(second.state) == state_to_dict(first.state)
    assert (second.folder / POSTERIOR_FILE).read_bytes() == saved  # rebuilt from the priors, not added to


def test_an_empty_ledger_learns_nothing_and_saves_the_priors(db_engine: Engine, tmp_path: Path) -> None:
    report = learn_timing(db_engine, NOW, tmp_path)
    assert (report.accounts, report.contacts, report.answer_rate, dict(report.state.tallies)) == (0, 0, 0.0, {})
    assert load_bandit(tmp_path) == report.state


def test_an_unknown_time_zone_skips_its_account_and_is_counted(db_engine: Engine, tmp_path: Path) -> None:
    seed_ledger(db_engine)
    with db_engine.begin() as connection:
        connection.execute(sa.text("UPDATE patients SET timezone = 'Mars/Olympus' WHERE patient_id = 'P2'"))
    report = learn_timing(db_engine, NOW, tmp_path)
    assert dict(report.state.tallies) == {k: v for k, v in EXPECTED.items() if k[0] == "working"}
    assert report.skipped == 1 and "Mars/Olympus" in report.problems[0] and "`A2`" in report.problems[0]


def test_a_contact_row_that_cannot_be_read_is_skipped_and_counted(
    db_engine: Engine, tmp_path: Path, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL refuses a time that is not a time when it is written")
    seed_ledger(db_engine)
    with db_engine.begin() as connection:  # the 18:00 text, whose time is now garbage
        connection.execute(
            sa.text("UPDATE contacts SET at = 'not a time' WHERE account_id = 'A1' AND status = 'delivered'")
        )
    report = learn_timing(db_engine, NOW, tmp_path)
    assert report.skipped == 1 and "contact" in report.problems[0] and "`A1`" in report.problems[0]
    # Without the 18:00 text, the 09:00 one's window runs to the call: still answered; nothing else moves.
    assert dict(report.state.tallies) == {k: v for k, v in EXPECTED.items() if k != ("working", "sms", 18)}
    assert json.loads((report.folder / "card.json").read_text())["metrics"]["skipped_rows"] == 1


def test_parley_train_timing_prints_what_it_learned_and_saves_the_card(
    db_engine: Engine, database_url: str, tmp_path: Path
) -> None:
    seed_ledger(db_engine)
    result = runner.invoke(app, ["train", "--timing", "--database-url", database_url, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "contacts used from 2 accounts" in result.output and "rows skipped" in result.output
    assert str(bandit_folder(tmp_path) / "card.md") in result.output
    learned = load_bandit(tmp_path)
    for key, tally in EXPECTED.items():  # the CLI learns at the real now: every window here is closed
        assert learned.tallies[key] == tally


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timing", "--data", "history.csv"], "use one at a time"),
        (["--database-url", "sqlite:///x.db"], "--database-url is read with --timing only"),
    ],
)
def test_train_timing_refuses_options_that_do_not_go_together(tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["train", *args, "--out", str(tmp_path)])
    assert result.exit_code == 2 and message in result.output


def test_train_timing_on_a_database_that_was_never_migrated_says_so(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = runner.invoke(app, ["train", "--timing", "--database-url", url, "--out", str(tmp_path / "models")])
    assert result.exit_code == 2 and "is it migrated?" in result.output
    assert not (bandit_folder(tmp_path / "models") / POSTERIOR_FILE).exists()


def test_a_running_service_picks_up_a_newly_saved_posterior(tmp_path: Path) -> None:
    moment = [0.0]
    first = update(BanditState(), [Outcome("working", "sms", 9, True)])
    second = update(first, [Outcome("working", "sms", 9, False)])
    save_bandit(first, "first", models=tmp_path)
    watch = BanditWatch(tmp_path, every=5.0, clock=lambda: moment[0])
    assert watch.current() == first
    save_bandit(second, "second", models=tmp_path)
    moment[0] = 4.0
    assert watch.current() == first  # not looked at yet: a decision costs a clock read, not a disk access
    moment[0] = 10.0
    assert watch.current() == second
    (bandit_folder(tmp_path) / POSTERIOR_FILE).write_text("{broken", encoding="utf-8")
    moment[0] = 20.0
    assert watch.current() == second  # a broken file keeps the last good posterior


def test_a_watch_with_nothing_saved_decides_from_the_priors(tmp_path: Path) -> None:
    assert BanditWatch(tmp_path).current() == BanditState()


@pytest.mark.parametrize(
    ("kind", "answered"),
    [
        ("reply", True),
        ("payment", True),
        ("paid", True),
        ("plan_accepted", True),
        ("conversation", True),
        ("delivery_receipt", False),  # the address works; it says nothing of the hour
        ("statement", False),
        ("consent_given", False),
    ],
)
def test_which_events_answer_a_contact(db_engine: Engine, tmp_path: Path, kind: str, answered: bool) -> None:
    with transaction(db_engine) as session:
        seed_account(session, "A1", "P1")
        session.add(contact("A1", "sms", at(2, 14)))
        session.flush()
        extra = {"kind": "sms"} if kind == "consent_given" else {}
        session.add(event("A1", kind, at(2, 15), "e1", **extra))
    report = learn_timing(db_engine, NOW, tmp_path, save=False)
    assert dict(report.state.tallies) == {("unknown", "sms", 9): Tally(int(answered), int(not answered))}
