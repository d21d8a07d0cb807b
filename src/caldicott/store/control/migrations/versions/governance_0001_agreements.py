"""governance: organisations, people, training, agreements, reviews

Revision ID: governance_0001
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "gov_0001"
down_revision = "0001_foundation"
branch_labels = ("governance",)
depends_on = None

TS = sa.DateTime(timezone=True)


def _version_fk() -> sa.Column[int]:
    return sa.Column("version_id", sa.Integer(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "gov_organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gov_organisations"),
        sa.UniqueConstraint("code", name="uq_gov_organisations_code"),
    )
    op.create_table(
        "gov_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gov_people"),
        sa.UniqueConstraint("email", name="uq_gov_people_email"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["gov_organisations.id"],
            name="fk_gov_people_organisation_id_gov_organisations",
        ),
    )
    op.create_table(
        "gov_person_roles",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "role", name="pk_gov_person_roles"),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["gov_people.id"],
            name="fk_gov_person_roles_person_id_gov_people",
        ),
    )
    op.create_table(
        "gov_training",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gov_training"),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["gov_people.id"],
            name="fk_gov_training_person_id_gov_people",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["gov_people.id"],
            name="fk_gov_training_recorded_by_id_gov_people",
        ),
    )
    op.create_index("ix_gov_training_person_id", "gov_training", ["person_id"])
    op.create_table(
        "gov_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(20), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gov_agreements"),
        sa.UniqueConstraint("reference", name="uq_gov_agreements_reference"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["gov_organisations.id"],
            name="fk_gov_agreements_organisation_id_gov_organisations",
        ),
    )
    op.create_table(
        "gov_agreement_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(30), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("purpose", sa.String(60), nullable=False),
        sa.Column("identifiability", sa.String(30), nullable=False),
        sa.Column("commercial", sa.Boolean(), nullable=False),
        sa.Column("duration_months", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_gov_agreement_versions"),
        sa.UniqueConstraint(
            "agreement_id", "version", name="uq_gov_agreement_versions_agreement_id"
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["gov_agreements.id"],
            name="fk_gov_agreement_versions_agreement_id_gov_agreements",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["gov_people.id"],
            name="fk_gov_agreement_versions_created_by_id_gov_people",
        ),
    )
    op.create_table(
        "gov_named_people",
        _version_fk(),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(60), nullable=False),
        sa.PrimaryKeyConstraint("version_id", "person_id", name="pk_gov_named_people"),
        _fk("gov_named_people", "version_id", "gov_agreement_versions"),
        _fk("gov_named_people", "person_id", "gov_people"),
    )
    op.create_table(
        "gov_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        _version_fk(),
        sa.Column("from_state", sa.String(30), nullable=False),
        sa.Column("to_state", sa.String(30), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("actor_role", sa.String(30), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gov_transitions"),
        _fk("gov_transitions", "version_id", "gov_agreement_versions"),
        _fk("gov_transitions", "actor_id", "gov_people"),
    )
    op.create_index("ix_gov_transitions_version_id", "gov_transitions", ["version_id"])
    op.create_table(
        "gov_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        _version_fk(),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("path", sa.String(300), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gov_findings"),
        _fk("gov_findings", "version_id", "gov_agreement_versions"),
    )
    op.create_index("ix_gov_findings_version_id", "gov_findings", ["version_id"])
    op.create_table(
        "gov_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        _version_fk(),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("vote", sa.String(10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gov_votes"),
        sa.UniqueConstraint("version_id", "person_id", name="uq_gov_votes_version_id"),
        _fk("gov_votes", "version_id", "gov_agreement_versions"),
        _fk("gov_votes", "person_id", "gov_people"),
    )
    op.create_table(
        "gov_concerns",
        sa.Column("id", sa.Integer(), nullable=False),
        _version_fk(),
        sa.Column("raised_by_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("raised_at", TS, nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_gov_concerns"),
        _fk("gov_concerns", "version_id", "gov_agreement_versions"),
        _fk("gov_concerns", "raised_by_id", "gov_people"),
        _fk("gov_concerns", "answered_by_id", "gov_people"),
    )
    op.create_index("ix_gov_concerns_version_id", "gov_concerns", ["version_id"])
    op.create_table(
        "gov_conditions",
        sa.Column("id", sa.Integer(), nullable=False),
        _version_fk(),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gov_conditions"),
        _fk("gov_conditions", "version_id", "gov_agreement_versions"),
        _fk("gov_conditions", "set_by_id", "gov_people"),
    )
    op.create_index("ix_gov_conditions_version_id", "gov_conditions", ["version_id"])


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def downgrade() -> None:
    for table in (
        "gov_conditions",
        "gov_concerns",
        "gov_votes",
        "gov_findings",
        "gov_transitions",
        "gov_named_people",
        "gov_agreement_versions",
        "gov_agreements",
        "gov_training",
        "gov_person_roles",
        "gov_people",
        "gov_organisations",
    ):
        op.drop_table(table)
