"""`parley score reply`: the scores of one patient reply, as JSON, so anyone can test a wording."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `parley` command line."""
