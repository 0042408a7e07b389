"""`parley outbox work`: the delivery worker that takes messages from the outbox to their channels.

The worker itself lives in `runtime.outbox.worker` (also runnable as `python -m runtime.outbox.worker`);
this module gives it a place on the `parley` command line with the same options, and migrates the
database first, as `parley serve` does.
"""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.exc import SQLAlchemyError

from runtime.db.database import database_url as resolve_url
from runtime.db.database import unusable
from runtime.db.migrate import upgrade
from runtime.outbox import worker

outbox_app = typer.Typer(help="The outbox: deliver queued messages to email, webhooks or a file.", no_args_is_help=True)


@outbox_app.command("work")
def work_command(
    database_url: str | None = typer.Option(
        None, "--database-url", help="The database (default: PARLEY_DATABASE_URL, else var/parley.db)."
    ),
    owner: str | None = typer.Option(None, "--owner", help="The lease owner's name (default: host, pid and a tag)."),
    once: bool = typer.Option(False, "--once", help="One pass, then exit."),
    limit: int = typer.Option(20, "--limit", min=1, help="Messages leased per pass."),
    lease_seconds: float = typer.Option(60.0, "--lease-seconds", min=1.0, help="How long a lease lasts."),
    poll_seconds: float = typer.Option(1.0, "--poll-seconds", min=0.05, help="Rest when nothing is due."),
    policies: Path | None = typer.Option(
        None,
        "--policies",
        help="The packs each message is judged by as it goes out \\[default: PARLEY_POLICIES, else ./policies].",
    ),
) -> None:
    """Deliver due messages until stopped (SIGTERM or Ctrl-C), each exactly once to the outside world."""
    url = resolve_url(database_url)
    try:
        upgrade(url)  # like `parley serve`: a new database gets its tables, an old one its migrations
    except SQLAlchemyError as problem:
        typer.echo(unusable(url, problem), err=True)
        raise typer.Exit(2) from None
    argv = [
        "--database-url",
        url,
        "--limit",
        str(limit),
        "--lease-seconds",
        str(lease_seconds),
        "--poll-seconds",
        str(poll_seconds),
    ]
    if policies is not None:
        argv += ["--policies", str(policies)]
    if owner:
        argv += ["--owner", owner]
    if once:
        argv.append("--once")
    raise typer.Exit(worker.main(argv))


def register(app: typer.Typer) -> None:
    """Add `parley outbox work` to the command line."""
    app.add_typer(outbox_app, name="outbox")
