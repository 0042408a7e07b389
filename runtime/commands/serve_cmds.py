"""`parley serve`: the engine API service (FastAPI under uvicorn) on SQLite or PostgreSQL."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `parley` command line."""
