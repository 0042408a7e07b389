"""The time a contact was first planned for, kept when the guard postpones it at send time

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 12:30:00

A message the guard refuses at the moment of sending (past 21:00 where the patient is) waits for
the next allowed instant, but only within a day of the time decide planned it for: a reminder
that could not go out by then is stale. Postponing moves the contact's `at`, so the first planned
time is kept in `planned_at` (null for a contact never postponed: its `at` is that time).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("planned_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("planned_at")
