"""What `make run` does: the engine API on SQLite with the example strategies deployed, one simulated day.

1. A fresh demo database (`var/parley-demo.db`), migrated; demo keys, one per person and role.
2. The service starts (uvicorn, in this process) and everything below goes through its HTTP API:
   each strategy in `strategies/` is stored by a strategist, submitted, approved by a compliance
   officer who did not write it (four eyes) and deployed by another.
3. A synthetic portfolio (`runtime.demo_portfolio`: no real patient) is loaded: patients,
   accounts in the strategy that covers their state, the disputes, cease notices and replies so far.
4. One simulated day: every account is decided at four moments of the day; contacts are reserved
   in the ledger and their messages queued in the outbox. The delivery worker then sends the
   letters and emails to a file (`var/demo-outbox.jsonl`); texts and calls wait for a dialer to
   pull them (`POST /v1/outbox/lease`).
5. A summary, the docs' address and the keys are printed; the service keeps serving until Ctrl-C.

The disclosure wording is the packs' own, `policies/disclosures.toml` (English, Spanish and
Vietnamese); a message whose template needs wording the book lacks is held, not sent.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import typer

from dsl import ast
from dsl.parser import parse
from runtime.api.app import DISCLOSURES, Settings, create_app
from runtime.db.database import make_engine, transaction
from runtime.db.migrate import upgrade
from runtime.demo_portfolio import demo_contact_points, demo_rows
from runtime.store import keys as key_store

DATABASE = Path("var/parley-demo.db")
OUTBOX_FILE = Path("var/demo-outbox.jsonl")
TODAY = dt.date(2026, 3, 16)
ROUNDS = ("13:00", "16:00", "19:00", "22:00")  # UTC: morning to evening across the US zones
PEOPLE = {
    "strategist": ("Alice Strategist", ["strategist"]),
    "compliance": ("Bob Compliance", ["compliance"]),
    "compliance2": ("Carol Compliance", ["compliance"]),
    "outreach": ("Dialer Integration", ["outreach"]),
    "auditor": ("Dana Auditor", ["auditor"]),
}
FIRST_NAMES = ("Avery", "Jordan", "Riley", "Morgan", "Casey", "Quinn", "Rowan", "Sage")


def fresh_database() -> str:
    """The demo database, new each run (its WAL files too)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DATABASE}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{DATABASE}"
    upgrade(url)
    return url


def demo_keys(url: str) -> dict[str, str]:
    """One key per demo person, stored hashed; the texts to print."""
    engine = make_engine(url)
    now = dt.datetime.now(dt.UTC)
    made = {}
    with transaction(engine) as session:
        for who, (name, roles) in PEOPLE.items():
            made[who] = key_store.create_key(session, name, roles, now)[1]
    engine.dispose()
    return made


class Caller:
    """HTTP calls to the running service as the demo's people."""

    def __init__(self, base: str, keys: dict[str, str]) -> None:
        self.client = httpx.Client(base_url=base, timeout=60)
        self.keys = keys

    def __call__(self, who: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One call with `who`'s key."""
        return self.client.request(method, path, headers={"Authorization": f"Bearer {self.keys[who]}"}, **kwargs)


def deploy_examples(call: Caller) -> list[dict[str, Any]]:
    """Each example strategy: written, submitted, approved by a second person, deployed."""
    done = []
    for path in sorted(Path("strategies").glob("*.parley")):
        created = call("strategist", "POST", "/v1/strategies", json={"text": path.read_text(encoding="utf-8")})
        created.raise_for_status()
        version = created.json()["version"]
        base = f"/v1/strategies/{version['name']}/versions/{version['version']}"
        for who, step in (("strategist", "submit"), ("compliance2", "approve"), ("compliance", "deploy")):
            call(who, "POST", f"{base}/{step}").raise_for_status()
        done.append(version)
    return done


def coverage(deployed: list[dict[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    """Jurisdiction → the (strategy, organization) pairs written for it."""
    found: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(Path("strategies").glob("*.parley")):
        program = parse(path.read_text(encoding="utf-8"), str(path)).program
        if isinstance(program, ast.Strategy) and any(v["name"] == program.name for v in deployed):
            organization = program.organization.name if program.organization else "agency"
            for place in program.jurisdictions:
                found.setdefault(place.name, []).append((program.name, organization))
    return found


def local(text: str, zone: str) -> str:
    """A portfolio's patient-local time as an instant with its offset."""
    from zoneinfo import ZoneInfo

    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).isoformat()


def payloads(row: dict[str, Any], strategy: str, organization: str, index: int) -> tuple[dict, dict, list[dict]]:
    """A portfolio row as the API's patient, account and events."""
    from dsl.schema import FACTS

    zone = row["timezone"]
    consent = {k.split(".", 1)[1]: row[k] == "true" for k in row if k.startswith("consent.")}
    patient = {
        "timezone": zone,
        "language": row["patient.language"],
        "designations": {"consent": consent},
        "contact_points": demo_contact_points(index),
    }
    first = (dt.date.fromisoformat(row["placed_on"]) - dt.timedelta(days=int(row["days_past_due"]))).isoformat()
    debt = {"id": "D1", "kind": "medical", "balance": row["balance"], "initial_balance": row["original_balance"]}
    account = {
        "patient_id": f"P-{row['account_id']}",
        "strategy_name": strategy,
        "organization": organization,
        "jurisdiction": row["jurisdiction"],
        "placed_on": row["placed_on"],
        "facts": {k: v for k, v in row.items() if k in FACTS and k not in ("patient.language",) and v != ""},
        "debts": [{**debt, "first_statement": first}],
        "variables": variables(row, index),
    }
    events = []
    for n, event in enumerate(json.loads(row["events"]) + json.loads(row["account_events"])):
        data = {k: v for k, v in event.items() if k in ("type", "debt", "facts")}
        data.update(
            account_id=row["account_id"], at=local(event["at"], zone), idempotency_key=f"{row['account_id']}-{n}"
        )
        events.append(data)
    return patient, account, events


def variables(row: dict[str, Any], index: int) -> dict[str, str]:
    """Made-up template values (the portfolio holds no names)."""
    return {
        "patient.first_name": FIRST_NAMES[index % len(FIRST_NAMES)],
        "provider.facility_name": "Parley Demo Clinic",
        "invoice.service_date": "2025-12-02",
        "account.reference": row["account_id"],
        "links.portal": "https://pay.example.org",
        "org.phone": "555-0100",
        "org.name": "Parley Demo Health",
        "agent.name": "Sam",
        "plan.monthly_payment": "25.00",
        "plan.months": "12",
    }


def load_portfolio(call: Caller, places: dict[str, list[tuple[str, str]]], size: int) -> dict[str, Any]:
    """Patients, accounts and their events, for every synthetic row whose state a strategy covers."""
    rows = demo_rows(size, today=TODAY)
    loaded, skipped, events, refused = [], 0, 0, Counter()

    def one(item: tuple[int, dict[str, Any]]) -> tuple[str | None, int, list[str]]:
        index, row = item
        choices = places.get(row["jurisdiction"])
        if not choices:
            return None, 0, []
        strategy, organization = choices[index % len(choices)]
        patient, account, happened = payloads(row, strategy, organization, index)
        call("outreach", "PUT", f"/v1/patients/{account['patient_id']}", json=patient).raise_for_status()
        answer = call("outreach", "PUT", f"/v1/accounts/{row['account_id']}", json=account)
        if answer.status_code != 200:
            return None, 0, [f"account: {answer.json()['message']}"]
        problems = []
        for event in happened:
            sent = call("outreach", "POST", "/v1/events", json=event)
            if sent.status_code >= 400:
                problems.append(f"event `{event['type']}`: {sent.json()['errors'][0]['message']}")
        return row["account_id"], len(happened) - len(problems), problems

    with ThreadPoolExecutor(8) as pool:
        for account_id, recorded, problems in pool.map(one, enumerate(rows)):
            refused.update(problems)
            if account_id is None and not problems:
                skipped += 1
            elif account_id is not None:
                loaded.append(account_id)
                events += recorded
    return {"accounts": loaded, "skipped": skipped, "events": events, "refused": refused}


def simulate_day(call: Caller, accounts: list[str]) -> dict[str, Any]:
    """Decide every account at each moment of the day; count what happened."""
    tally: dict[str, Any] = {"decisions": 0, "contacts": Counter(), "guard": 0, "rules": Counter(), "ledger": 0}
    tally.update(handoffs=0, held=Counter(), other=Counter(), outcomes=Counter())
    lock = threading.Lock()

    def one(job: tuple[str, str]) -> None:
        account_id, moment = job
        answer = call("outreach", "POST", "/v1/decide", json={"account_id": account_id, "now": moment})
        with lock:
            if answer.status_code != 200:
                tally["held"][answer.json()["message"][:160]] += 1
                return
            count(tally, answer.json())

    for hour in ROUNDS:
        moment = f"{TODAY.isoformat()}T{hour}:00Z"
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(one, [(a, moment) for a in accounts]))
    return tally


def count(tally: dict[str, Any], decision: dict[str, Any]) -> None:
    """Add one decision to the tally."""
    tally["decisions"] += 1
    tally["outcomes"][decision["outcome"] or "acted"] += 1
    for proposal in decision["proposals"]:
        if proposal.get("contact_id"):
            tally["contacts"][proposal["channel"]] += 1
    tally["ledger"] += len(decision["refused"])
    tally["handoffs"] += len(decision["handoff_ids"])
    for step in decision["trace"].get("steps", []):
        if (step.get("reason") or "").startswith("the runtime guard does not allow"):
            tally["guard"] += 1
            last = step["guard"][-1] if step["guard"] else {}
            tally["rules"].update(str(v.get("rule")) for v in last.get("violations", []))


def deliver_mail(url: str) -> int:
    """Letters and emails go out through the delivery worker to a file (the development channel);
    texts and calls stay in the outbox for the dialer to pull with a lease.

    The worker judges each message at the day's close, 23:00 UTC (evening in every US zone): the
    demo's day is simulated, so the moment of sending is too.
    """
    from runtime.channels.registry import ChannelSettings
    from runtime.files import load_guard_rules
    from runtime.outbox.worker import load_registry, run_once
    from runtime.service.plans import PlanService
    from runtime.service.sendtime import SendTimeGuard, leasing

    OUTBOX_FILE.unlink(missing_ok=True)
    engine = make_engine(url)
    registry = load_registry(engine, ChannelSettings(routes={"letter": "file", "email": "file"}, file_path=OUTBOX_FILE))
    close = dt.datetime.combine(TODAY, dt.time(23), dt.UTC)
    judged = leasing(SendTimeGuard(load_guard_rules(Path("policies")), PlanService(), "demo-worker", close))
    delivered = 0
    while (stats := run_once(engine, registry, "demo-worker", limit=100, lease_with=judged)).leased:
        delivered += stats.delivered
    engine.dispose()
    return delivered


def report(base: str, keys: dict[str, str], deployed: list, book: dict, day: dict, call: Caller) -> str:
    """What happened, for the terminal."""
    outbox = call("auditor", "GET", "/v1/outbox/stats").json()
    audit = call("auditor", "GET", "/v1/audit/verify").json()
    lines = [
        "",
        f"Parley engine API: {base}/v1   docs: {base}/docs",
        "",
        "Demo API keys (stored hashed; use `Authorization: Bearer KEY`):",
        *[f"  {PEOPLE[who][0]:<20} {', '.join(PEOPLE[who][1]):<11} {key}" for who, key in keys.items()],
        "",
        f"Strategies deployed ({len(deployed)}): written by {PEOPLE['strategist'][0]}, approved by "
        f"{PEOPLE['compliance2'][0]} (four eyes), deployed by {PEOPLE['compliance'][0]}",
        *[f"  {v['name']} v{v['version']}  sha256 {v['content_hash'][:12]}…" for v in deployed],
        "",
        f"Portfolio: {len(book['accounts'])} synthetic accounts loaded with {book['events']} events; "
        f"{book['skipped']} in states no example strategy covers were left out",
        *[f"  refused on load: {why} ({n}x)" for why, n in book["refused"].most_common(5)],
        "",
        f"One simulated day ({TODAY}, decisions at {', '.join(ROUNDS)} UTC):",
        f"  decisions made            {day['decisions']}",
        f"  contacts reserved         {sum(day['contacts'].values())}  "
        + ", ".join(f"{c} {n}" for c, n in day["contacts"].most_common()),
        f"  refused by the guard      {day['guard']}  " + ", ".join(f"{r} {n}" for r, n in day["rules"].most_common(4)),
        f"  refused by the ledger     {day['ledger']} (another contact already fills the window)",
        f"  hand-offs to a person     {day['handoffs']}",
        "  outbox messages           " + ", ".join(f"{s} {n}" for s, n in sorted(outbox.items())),
        f"  letters and emails        {day['mailed']} delivered by the worker to {OUTBOX_FILE} (file channel)",
        *[f"  held (nothing reserved):  {why} ({n}x)" for why, n in day["held"].most_common(4)],
        f"  audit log                 {audit['checked']} rows, hash chain {'intact' if audit['ok'] else 'BROKEN'}",
        "",
        "Try: curl -H 'Authorization: Bearer <outreach key>' -X POST " + base + "/v1/outbox/lease -d '{}' "
        "-H 'Content-Type: application/json'",
    ]
    return "\n".join(lines)


def main(
    size: int = typer.Option(400, "--size", min=1, max=100_000, help="Synthetic accounts to generate."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Keep serving after the demo day."),
) -> None:
    """Start the service with the examples deployed, run one simulated day, print what happened."""
    import uvicorn

    url = fresh_database()
    keys = demo_keys(url)
    app = create_app(Settings(database_url=url, disclosures=DISCLOSURES, score_models=True))
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, access_log=False, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise typer.Exit(2)  # uvicorn printed why (most often: the port is taken)
        time.sleep(0.05)
    base = f"http://{host}:{port}"
    call = Caller(base, keys)
    typer.echo("deploying the example strategies, loading the demo portfolio, running one day…")
    deployed = deploy_examples(call)
    book = load_portfolio(call, coverage(deployed), size)
    day = simulate_day(call, book["accounts"])
    day["mailed"] = deliver_mail(url)
    typer.echo(report(base, keys, deployed, book, day, call))
    typer.echo("Serving until Ctrl-C." if serve else "Done (--no-serve).")
    if not serve:
        server.should_exit = True
        thread.join()
        return
    try:
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        server.should_exit = True
        thread.join()


if __name__ == "__main__":
    typer.run(main)
