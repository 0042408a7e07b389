"""The template each reserved contact carries, so the guard sees which notices Parley itself sent

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 09:50:00

A 501(r) hospital may take an extraordinary collection action only 30 days after its written notice
(`IRS501R-ECA-30DAY`), and Regulation F's validation notice starts its own clocks. The guard finds
such a notice in the ledger by the template a contact carried; the ledger did not keep it, so a
notice Parley sent was invisible and the action it allows was refused for ever. Existing rows keep
no template (what they sent is in their decision's trace).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template", sa.String(length=200), nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("template")
