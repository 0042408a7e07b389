"""`parley serve`: the engine API service (FastAPI under uvicorn) on SQLite or PostgreSQL.

It migrates the database (creating it when new), makes sure an API key exists (printing a new
admin key once, see `runtime.api.bootstrap`), reads the packs and templates once to fail early on
a broken one, then runs uvicorn with the app factory in each worker. Workers read their settings
from `PARLEY_*` variables, which this command sets from its options.

Exit codes: 0 when the server stops normally, 2 when it cannot start.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import typer
from sqlalchemy.exc import SQLAlchemyError

from runtime.api.app import Settings, StartError, load_state
from runtime.api.bootstrap import BootstrapError, ensure_admin_key
from runtime.db.database import database_url, make_engine, unusable
from runtime.db.migrate import upgrade


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `parley` command line."""
    if "serve" not in {c.name for c in app.registered_commands}:
        app.command("serve")(serve_command)


def log_config(level: str) -> dict[str, Any]:
    """Uvicorn's logging with ours: one line per request from `parley.api`, no access log (it prints query strings)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "parley": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
        },
    }


def prepare(url: str, policies: Path, templates: Path) -> str | None:
    """Migrate, check the folders, make sure a key exists; the new admin key's text, if one was made."""
    upgrade(url)
    engine = make_engine(url)
    try:
        load_state(Settings(database_url=url, policies=policies, templates=templates), engine)
        return ensure_admin_key(engine)
    finally:
        engine.dispose()


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    url: str | None = typer.Option(
        None, "--database-url", help="SQLAlchemy URL \\[default: $PARLEY_DATABASE_URL or sqlite:///var/parley.db]."
    ),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes."),
    policies: Path = typer.Option(Path("policies"), "--policies", help="Policy pack folder."),
    templates: Path = typer.Option(Path("templates"), "--templates", help="Template folder."),
    log_level: str = typer.Option("info", "--log-level", help="debug, info, warning or error."),
) -> None:
    """Run the engine API service (docs at /docs); migrates the database on start."""
    import uvicorn

    resolved = database_url(url)
    os.environ.update(
        {"PARLEY_DATABASE_URL": resolved, "PARLEY_POLICIES": str(policies), "PARLEY_TEMPLATES": str(templates)}
    )
    try:
        new_key = prepare(resolved, policies, templates)
    except (StartError, BootstrapError) as problem:
        typer.echo(str(problem), err=True)
        raise typer.Exit(2) from None
    except SQLAlchemyError as problem:
        typer.echo(unusable(resolved, problem), err=True)
        raise typer.Exit(2) from None
    if new_key is not None:
        typer.echo(f"first API key (compliance, named `admin`); store it now, it is not shown again:\n  {new_key}")
    typer.echo(f"Parley API on http://{host}:{port}/v1 (docs: http://{host}:{port}/docs), {workers} worker(s)")
    logging.getLogger("parley").setLevel(log_level.upper())
    uvicorn.run(
        "runtime.api.app:factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=log_config(log_level),
        # A worker reads the packs and compiles them before it can answer the supervisor's ping;
        # on a busy machine that takes longer than uvicorn's default 5 s, and it would be killed.
        timeout_worker_healthcheck=120,
    )
