"""Each hand-off's queue and priority, as the strategy's `handoff "queue" priority P` names them

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:05:00

A strategy sends a patient who wrote about hardship to `financial-counselors` at `high` priority and
a dispute to `disputes`; the hand-off row kept both only inside its free-text reason, so a desk
could neither pull its own queue nor see urgent work first. Existing rows keep their reason and get
no queue and `normal` priority.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queue", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("priority", sa.String(length=16), nullable=False, server_default="normal"))
        batch_op.create_index("ix_handoffs_queue_status", ["queue", "status", "priority"])


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_index("ix_handoffs_queue_status")
        batch_op.drop_column("priority")
        batch_op.drop_column("queue")
