"""consent: the append-only choice registry, snapshots and withdrawal marks

Revision ID: consent_0001_registry
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "consent_0001_registry"
down_revision = "0001_foundation"
branch_labels = ("consent",)
depends_on = None

_MESSAGE = "consent_choice is append-only: record a new version instead"


def upgrade() -> None:
    op.create_table(
        "consent_choice",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("nhs_number", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("scope_type", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("value", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("log_category", sa.String(80), nullable=False),
        sa.Column("source_hash", sa.String(64), nullable=True),
        sa.Column("source_consent", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_consent_choice"),
    )
    op.create_index("ix_consent_choice_nhs_number", "consent_choice", ["nhs_number"])
    op.create_index("ix_consent_choice_source_hash", "consent_choice", ["source_hash"])
    op.create_table(
        "consent_snapshot",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("agreement", sa.String(200), nullable=True),
        sa.Column("anonymised", sa.Boolean(), nullable=False),
        sa.Column("as_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("vocabulary_version", sa.String(32), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("permit_count", sa.Integer(), nullable=False),
        sa.Column("deny_count", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_consent_snapshot"),
    )
    op.create_table(
        "consent_withdrawal_mark",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("nhs_number", sa.String(10), nullable=False),
        sa.Column("release_id", sa.String(200), nullable=False),
        sa.Column("choice_id", sa.Integer(), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_consent_withdrawal_mark"),
        sa.ForeignKeyConstraint(
            ["choice_id"],
            ["consent_choice.id"],
            name="fk_consent_withdrawal_mark_choice_id_consent_choice",
        ),
        sa.UniqueConstraint("release_id", "choice_id", name="uq_withdrawal_mark"),
    )
    op.create_index(
        "ix_consent_withdrawal_mark_nhs_number", "consent_withdrawal_mark", ["nhs_number"]
    )
    _append_only_triggers()


def _append_only_triggers() -> None:
    """The database itself refuses to update or delete a choice row, on both backends."""
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER consent_choice_no_{action.lower()} BEFORE {action} "
                f"ON consent_choice BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION consent_choice_append_only() RETURNS trigger AS $$ "
        f"BEGIN RAISE EXCEPTION '{_MESSAGE}'; END; $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER consent_choice_append_only BEFORE UPDATE OR DELETE ON consent_choice "
        "FOR EACH ROW EXECUTE FUNCTION consent_choice_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS consent_choice_no_update")
        op.execute("DROP TRIGGER IF EXISTS consent_choice_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS consent_choice_append_only ON consent_choice")
        op.execute("DROP FUNCTION IF EXISTS consent_choice_append_only()")
    op.drop_index("ix_consent_withdrawal_mark_nhs_number", table_name="consent_withdrawal_mark")
    op.drop_table("consent_withdrawal_mark")
    op.drop_table("consent_snapshot")
    op.drop_index("ix_consent_choice_source_hash", table_name="consent_choice")
    op.drop_index("ix_consent_choice_nhs_number", table_name="consent_choice")
    op.drop_table("consent_choice")
