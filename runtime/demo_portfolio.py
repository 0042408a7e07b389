"""A demo portfolio file for `parley decide`: synthetic accounts, no real patient in it.

Balances, ages, days past due, plans and payment chances come from `engine.scores.synthetic`
(its calibration is documented there). What this module adds — where patients live, their
consents, the contact history so far, a few disputes and replies — is an assumption of ours,
stated beside each draw, chosen to exercise the guard, not a published figure. The same seed gives
the same file.

    python -m runtime.demo_portfolio demo.csv --size 1000 --today 2026-03-16
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from engine.scores.synthetic import RIGHT_PARTY_CONTACT_RATE, generate, payment_probability
from runtime.portfolio_out import write_table

# Assumption: where a national self-pay book's patients live (zone, jurisdiction, weight).
PLACES = (
    ("America/New_York", "US-PA", 0.14),
    ("America/New_York", "US-NY-NYC", 0.08),
    ("America/New_York", "US-MA", 0.06),
    ("America/New_York", "US-OH", 0.10),
    ("America/New_York", "US-NJ", 0.06),
    ("America/Chicago", "US-TX", 0.16),
    ("America/Chicago", "US-IL", 0.08),
    ("America/Denver", "US-CO", 0.05),
    ("America/Phoenix", "US-AZ", 0.05),
    ("America/Los_Angeles", "US-CA", 0.16),
    ("America/Los_Angeles", "US-WA", 0.06),
)
COLUMNS = (
    "account_id",
    "placed_on",
    "timezone",
    "jurisdiction",
    "balance",
    "original_balance",
    "days_past_due",
    "days_since_first_statement",
    "patient.language",
    "patient.age",
    "consent.sms",
    "consent.email",
    "consent.autodialed_calls",
    "consent.prerecorded_voice",
    "paid",
    "disputed",
    "cease_requested",
    "plan_active",
    "score.propensity",
    "score.distress",
    "best_time",
    "history",
    "events",
    "account_events",
)
MAX_HISTORY = 50


def demo_rows(size: int, seed: int = 7, today: dt.date = dt.date(2026, 3, 16)) -> list[dict[str, Any]]:
    """`size` portfolio rows (text cells, JSON columns as text), as `runtime.portfolio` reads them."""
    book = generate(size, seed)
    f = book.features
    rng = np.random.default_rng(seed + 1)
    place = rng.choice(len(PLACES), size, p=np.array([w for _, _, w in PLACES]) / sum(w for _, _, w in PLACES))
    placed_days = rng.integers(0, 76, size)  # assumption: placed within the last 11 weeks
    propensity = payment_probability(
        f["balance"], f["insured"] > 0, f["prior_payments"], f["missed_payments"], f["income_to_poverty"]
    )
    # Not a model: a noisy reading of the generator's hardship flag, until the registry scores it.
    distress = np.clip(0.55 * book.distressed + rng.beta(2, 5, size), 0, 1)
    draws = rng.random((size, 8))
    rows = []
    for i in range(size):
        zone, jurisdiction, _ = PLACES[place[i]]
        placed = today - dt.timedelta(days=int(placed_days[i]))
        u = draws[i]
        disputed, ceased = bool(u[5] < 0.02), bool(0.02 <= u[5] < 0.03)  # assumption: 2% and 1%
        rows.append(
            {
                "account_id": f"A{i + 1:06d}",
                "placed_on": placed.isoformat(),
                "timezone": zone,
                "jurisdiction": jurisdiction,
                "balance": f"{f['balance'][i]:.2f}",
                "original_balance": f"{f['original_balance'][i]:.2f}",
                "days_past_due": str(int(f["days_past_due"][i])),
                "days_since_first_statement": str(int(f["days_past_due"][i]) + 30),  # assumption
                "patient.language": "es" if u[0] < 0.18 else "en",  # assumption: 18% prefer Spanish
                "patient.age": str(int(f["patient_age"][i])),
                "consent.sms": bool_text(u[1] < 0.6),  # assumptions: consent rates
                "consent.email": bool_text(u[2] < 0.7),
                "consent.autodialed_calls": bool_text(u[3] < 0.35),
                "consent.prerecorded_voice": bool_text(u[3] < 0.25),
                "paid": bool_text(u[4] < 0.03),
                "disputed": bool_text(disputed),
                "cease_requested": bool_text(ceased),
                "plan_active": bool_text(f["plan_active"][i] > 0),
                "score.propensity": f"{propensity[i]:.3f}",
                "score.distress": f"{distress[i]:.3f}",
                "best_time": f"{9 + int(u[6] * 10):02d}:{int(u[7] * 4) * 15:02d}",
                "history": json.dumps(history(placed, today, rng)),
                "events": json.dumps(events(placed, disputed, ceased)),
                "account_events": json.dumps(replies(today, u[0], u[7])),
            }
        )
    return rows


def bool_text(value: bool | np.bool_) -> str:
    """`true` or `false`, as a CSV cell."""
    return "true" if value else "false"


def history(placed: dt.date, today: dt.date, rng: np.random.Generator) -> list[dict[str, Any]]:
    """The contacts so far: a validation letter, a text on day 10, calls about twice a week from day 14."""
    rows = [contact(placed, 9, "letter", "delivered")]
    if placed + dt.timedelta(days=10) < today:
        rows.append(contact(placed + dt.timedelta(days=10), 11, "sms", "delivered"))
    day = 14
    while placed + dt.timedelta(days=day) < today and len(rows) < MAX_HISTORY:
        reached = rng.random() < RIGHT_PARTY_CONTACT_RATE
        hour = int(rng.integers(9, 19))
        rows.append(contact(placed + dt.timedelta(days=day), hour, "call", "conversation" if reached else "no_answer"))
        day += 3 if day % 7 == 0 else 4
    return rows


def contact(on: dt.date, hour: int, channel: str, outcome: str) -> dict[str, Any]:
    """One outbound ledger row about debt D1, patient-local time."""
    at = dt.datetime.combine(on, dt.time(hour, 0)).isoformat()
    return {"at": at, "channel": channel, "direction": "outbound", "debts": ["D1"], "outcome": outcome}


def events(placed: dt.date, disputed: bool, ceased: bool) -> list[dict[str, Any]]:
    """The validation notice, and the dispute or cease notice the facts say arrived."""
    found: list[dict[str, Any]] = [{"at": f"{placed.isoformat()}T09:00:00", "type": "validation_notice_sent"}]
    if disputed:
        found.append({"at": f"{placed.isoformat()}T12:00:00", "type": "dispute", "debt": "D1"})
    if ceased:
        found.append({"at": f"{placed.isoformat()}T12:00:00", "type": "cease"})
    return found


def replies(today: dt.date, draw: float, hardship: float) -> list[dict[str, Any]]:
    """A reply this morning for about 5% of patients (assumption), some of them saying hardship."""
    if draw < 0.95:
        return []
    facts = {"intent.hardship": bool(hardship < 0.4), "sentiment.frustration": round(float(hardship), 2)}
    return [{"id": "R1", "type": "reply", "at": f"{today.isoformat()}T07:30:00", "facts": facts}]


def main(
    out: Annotated[Path, typer.Argument(help="The file to write: `.csv` or `.parquet`.")],
    size: Annotated[int, typer.Option("--size", help="How many accounts.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="The random seed.")] = 7,
    today: Annotated[str, typer.Option("--today", help="The day the portfolio is decided on.")] = "2026-03-16",
) -> None:
    """Write a synthetic demo portfolio."""
    count = write_table(out, demo_rows(size, seed, dt.date.fromisoformat(today)), COLUMNS)
    typer.echo(f"wrote {count} synthetic accounts to {out}")


if __name__ == "__main__":
    typer.run(main)


def demo_contact_points(index: int) -> list[dict[str, str]]:
    """Made-up contact points for demo patient `index`: a home phone, a mobile, an email and a
    postal address, all in reserved ranges (555 numbers, `example.test`), so nothing real is reached.

    decide refuses a contact it has no address for, and the demo portfolio carries none.
    """
    return [
        {"id": "home", "kind": "landline", "place": "home", "number": f"+1215555{index % 10000:04d}"},
        {"id": "cell", "kind": "mobile", "number": f"+1267555{index % 10000:04d}"},
        {"id": "mail", "kind": "email", "address": f"patient{index}@example.test"},
        {"id": "post", "kind": "address", "address": f"{index} Main St, Philadelphia, PA 19103"},
    ]
