"""transparency: cursors for sources the log reads (the consent registry's changes)

Revision ID: transparency_0002_cursor
Revises: transparency_0001_log
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "transparency_0002_cursor"
down_revision = "transparency_0001_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    cursor = op.create_table(
        "transparency_cursor",
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("source", name="pk_transparency_cursor"),
    )
    op.bulk_insert(cursor, [{"source": "consent", "position": 0}])


def downgrade() -> None:
    op.drop_table("transparency_cursor")
