"""Each API key names the key that minted it, and each strategy version the keys of its author and submitter

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 11:40:00

Four eyes compared key holders' names, which are free text: a compliance officer could mint a
second key under another name and approve her own strategy with it. A key now records the key
that created it (`created_by`; keys bootstrapped by `parley serve` have none), and a version the
keys its author and submitter called with, so approval can compare lineages instead of names.
Existing keys count as bootstrapped and existing versions keep only their names (the old check).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by", sa.String(length=64), nullable=True))
    with op.batch_alter_table("strategy_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("submitted_key", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("strategy_versions", schema=None) as batch_op:
        batch_op.drop_column("submitted_key")
        batch_op.drop_column("author_key")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("created_by")
