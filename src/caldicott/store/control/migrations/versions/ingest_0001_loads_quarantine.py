"""ingest: loads, per-file accounting and quarantined records

Revision ID: ingest_0001_loads_quarantine
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ingest_0001_loads_quarantine"
down_revision = "0001_foundation"
branch_labels = ("ingest",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_load",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("source", sa.String(200), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("batches", sa.Integer(), nullable=False),
        sa.Column("read", sa.BigInteger(), nullable=False),
        sa.Column("accepted", sa.BigInteger(), nullable=False),
        sa.Column("quarantined", sa.BigInteger(), nullable=False),
        sa.Column("warnings", sa.BigInteger(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ingest_load"),
    )
    op.create_table(
        "ingest_file",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("load_id", sa.String(32), nullable=False),
        sa.Column("path", sa.String(2000), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("read", sa.BigInteger(), nullable=False),
        sa.Column("accepted", sa.BigInteger(), nullable=False),
        sa.Column("quarantined", sa.BigInteger(), nullable=False),
        sa.Column("warnings", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["load_id"], ["ingest_load.id"], name="fk_ingest_file_load_id_ingest_load"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_ingest_file"),
    )
    op.create_index("ix_ingest_file_load_id", "ingest_file", ["load_id"])
    op.create_table(
        "ingest_quarantine",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("load_id", sa.String(32), nullable=False),
        sa.Column("last_load_id", sa.String(32), nullable=False),
        sa.Column("file", sa.String(2000), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("resource_type", sa.String(64), nullable=True),
        sa.Column("resource_id", sa.String(64), nullable=True),
        sa.Column("reason_code", sa.String(40), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("original", sa.LargeBinary(), nullable=True),
        sa.Column("original_path", sa.String(2000), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_load_id", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(
            ["load_id"], ["ingest_load.id"], name="fk_ingest_quarantine_load_id_ingest_load"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_ingest_quarantine"),
    )
    op.create_index("ix_ingest_quarantine_load_id", "ingest_quarantine", ["load_id"])
    op.create_index("ix_ingest_quarantine_reason_code", "ingest_quarantine", ["reason_code"])
    op.create_index("ix_ingest_quarantine_sha256", "ingest_quarantine", ["sha256"])
    op.create_index("ix_ingest_quarantine_status", "ingest_quarantine", ["status"])


def downgrade() -> None:
    op.drop_table("ingest_quarantine")
    op.drop_table("ingest_file")
    op.drop_table("ingest_load")
