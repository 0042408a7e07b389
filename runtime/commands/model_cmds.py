"""`parley train` and `parley audit fairness`: training score models and auditing outcomes by group."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `parley` command line."""
