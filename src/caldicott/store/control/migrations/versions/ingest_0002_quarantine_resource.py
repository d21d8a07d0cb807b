"""ingest: index quarantined records by (resource type, resource id)

Revision ID: ingest_0002_quarantine_resource
Revises: ingest_0001_loads_quarantine
"""

from __future__ import annotations

from alembic import op

revision = "ingest_0002_quarantine_resource"
down_revision = "ingest_0001_loads_quarantine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_ingest_quarantine_resource", "ingest_quarantine", ["resource_type", "resource_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_ingest_quarantine_resource", table_name="ingest_quarantine")
