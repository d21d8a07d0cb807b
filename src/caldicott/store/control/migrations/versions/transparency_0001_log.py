"""transparency: the log, its tree nodes, head, checkpoints and release membership

Revision ID: transparency_0001_log
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "transparency_0001_log"
down_revision = "0001_foundation"
branch_labels = ("transparency",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transparency_entry",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("idx", name="pk_transparency_entry"),
    )
    op.create_index("ix_transparency_entry_kind", "transparency_entry", ["kind"])
    op.create_index("ix_transparency_entry_created_at", "transparency_entry", ["created_at"])
    op.create_table(
        "transparency_node",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name="pk_transparency_node"),
    )
    head = op.create_table(
        "transparency_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("edge", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_transparency_head"),
    )
    op.bulk_insert(head, [{"id": 1, "size": 0, "edge": b""}])
    op.create_table(
        "transparency_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("label", sa.String(40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_transparency_checkpoint"),
    )
    op.create_index("ix_transparency_checkpoint_label", "transparency_checkpoint", ["label"])
    op.create_table(
        "transparency_release_member",
        sa.Column("release_id", sa.String(100), nullable=False),
        sa.Column("patient_hash", sa.String(64), nullable=False),
        sa.Column("entry_idx", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_idx"],
            ["transparency_entry.idx"],
            name="fk_transparency_release_member_entry_idx_transparency_entry",
        ),
        sa.PrimaryKeyConstraint(
            "release_id", "patient_hash", name="pk_transparency_release_member"
        ),
    )
    op.create_index(
        "ix_transparency_release_member_patient", "transparency_release_member", ["patient_hash"]
    )
    op.create_index(
        "ix_transparency_release_member_entry_idx", "transparency_release_member", ["entry_idx"]
    )


def downgrade() -> None:
    op.drop_table("transparency_release_member")
    op.drop_table("transparency_checkpoint")
    op.drop_table("transparency_head")
    op.drop_table("transparency_node")
    op.drop_table("transparency_entry")
