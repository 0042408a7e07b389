"""Contacts recorded by outreach systems: direction, outcome, contact point and idempotency key

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 04:45:00

`POST /v1/accounts/{id}/contacts` stores calls a person dialled by hand, another system's contacts
and the history from before placement in `contacts`, so Regulation F's caps count them. The guard
needs each one's direction and outcome (an inbound conversation starts the 7-day period, a busy
signal does not count) and the number used; the key makes a repeated report a no-op. Existing rows
are Parley's own reservations: outbound, no outcome.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("direction", sa.String(length=16), nullable=False, server_default="outbound"))
        batch_op.add_column(sa.Column("outcome", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("to_point", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))
        batch_op.create_index("ix_contacts_idempotency_key", ["idempotency_key"], unique=True)


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_idempotency_key")
        batch_op.drop_column("idempotency_key")
        batch_op.drop_column("to_point")
        batch_op.drop_column("outcome")
        batch_op.drop_column("direction")
