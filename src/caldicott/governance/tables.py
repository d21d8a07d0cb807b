"""Control-plane tables of governance: organisations, people, agreements and their reviews.

An agreement is a series of versions: the first application and each amendment. Each
version carries its own workflow state, findings, panel votes, concerns and conditions, so
an amendment is reviewed afresh while the version it amends stays in force.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caldicott.store.control.base import Base, UTCDateTime


class Organisation(Base):
    __tablename__ = "gov_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Person(Base):
    __tablename__ = "gov_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("gov_organisations.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PersonRole(Base):
    __tablename__ = "gov_person_roles"

    person_id: Mapped[int] = mapped_column(ForeignKey("gov_people.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(30), primary_key=True)


class Training(Base):
    __tablename__ = "gov_training"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("gov_people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    completed_on: Mapped[date] = mapped_column(Date())
    expires_on: Mapped[date] = mapped_column(Date())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("gov_people.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Agreement(Base):
    __tablename__ = "gov_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("gov_organisations.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AgreementVersion(Base):
    __tablename__ = "gov_agreement_versions"
    __table_args__ = (UniqueConstraint("agreement_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("gov_agreements.id"))
    version: Mapped[int] = mapped_column(Integer())
    state: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(String(60))
    identifiability: Mapped[str] = mapped_column(String(30))
    commercial: Mapped[bool] = mapped_column(Boolean())
    duration_months: Mapped[int] = mapped_column(Integer())
    document: Mapped[str] = mapped_column(Text())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("gov_people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    starts_on: Mapped[date | None] = mapped_column(Date(), nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date(), nullable=True)


class NamedPerson(Base):
    """A person named on a version of an application (training is checked for each)."""

    __tablename__ = "gov_named_people"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("gov_agreement_versions.id"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("gov_people.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(60))


class Transition(Base):
    """One step of the workflow: who moved which version from what to what, when and why."""

    __tablename__ = "gov_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("gov_agreement_versions.id"), index=True)
    from_state: Mapped[str] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("gov_people.id"))
    actor: Mapped[str] = mapped_column(String(254))
    actor_role: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text())


class Finding(Base):
    __tablename__ = "gov_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("gov_agreement_versions.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(60))
    severity: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(Text())
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Vote(Base):
    __tablename__ = "gov_votes"
    __table_args__ = (UniqueConstraint("version_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("gov_agreement_versions.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("gov_people.id"))
    vote: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text())
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Concern(Base):
    __tablename__ = "gov_concerns"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("gov_agreement_versions.id"), index=True)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("gov_people.id"))
    text: Mapped[str] = mapped_column(Text())
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text(), nullable=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("gov_people.id"), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Condition(Base):
    __tablename__ = "gov_conditions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("gov_agreement_versions.id"), index=True)
    text: Mapped[str] = mapped_column(Text())
    set_by_id: Mapped[int] = mapped_column(ForeignKey("gov_people.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
