"""Control-plane tables of the consent registry.

``consent_choice`` is append-only: every change to a patient's choices is a new row saying
who made it, when, through which channel, what kind of choice it is, what it covers (its
scope) and whether it was set or withdrawn. Rows are never updated or deleted (the ORM
refuses and database triggers, made by the migration, refuse too), so any past state can
be rebuilt exactly. Choices are keyed by NHS number, not by a warehouse row, so choices of
patients not yet loaded are kept and apply when the patient arrives.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from caldicott.errors import IntegrityError
from caldicott.store.control.base import Base, UTCDateTime

KINDS = (
    "national-opt-out",
    "type1-opt-out",
    "explicit-consent",
    "explicit-dissent",
    "pgd-collection",
)
OPT_OUT_KINDS = ("national-opt-out", "type1-opt-out")
CHANNELS = ("app", "gp", "phone", "paper", "import")
VALUES = ("set", "withdrawn")
#: What a choice covers: every purpose its rules apply to, one purpose, one named
#: agreement, or (for patient-generated data) one source such as a wearable or an app.
SCOPE_TYPES = ("all", "purpose", "agreement", "source")
SCOPE_ALL = "*"


class ConsentChoice(Base):
    """One version of one of a patient's choices. Append-only."""

    __tablename__ = "consent_choice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    nhs_number: Mapped[str] = mapped_column(String(10), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    scope_type: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The transparency-log category of this change (``consent.<kind>.<value>``): the log
    #: records the category and a keyed hash of the patient, never the NHS number.
    log_category: Mapped[str] = mapped_column(String(80))
    #: SHA-256 of the canonical FHIR Consent this row was imported from, if any.
    source_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    #: The FHIR Consent JSON as imported, kept verbatim for a faithful export.
    source_consent: Mapped[str | None] = mapped_column(Text())


class ConsentSnapshot(Base):
    """A recorded consent snapshot: what was computed, when, and its content hash."""

    __tablename__ = "consent_snapshot"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(64))
    agreement: Mapped[str | None] = mapped_column(String(200))
    anonymised: Mapped[bool] = mapped_column(Boolean())
    as_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    vocabulary_version: Mapped[str] = mapped_column(String(32))
    row_count: Mapped[int] = mapped_column(Integer)
    permit_count: Mapped[int] = mapped_column(Integer)
    deny_count: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))


class WithdrawalMark(Base):
    """A release that included a patient who later withdrew: "withdrawn after release"."""

    __tablename__ = "consent_withdrawal_mark"
    __table_args__ = (UniqueConstraint("release_id", "choice_id", name="uq_withdrawal_mark"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    nhs_number: Mapped[str] = mapped_column(String(10), index=True)
    release_id: Mapped[str] = mapped_column(String(200))
    choice_id: Mapped[int] = mapped_column(ForeignKey("consent_choice.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime())


def _refuse_change(_mapper: Any, _connection: Any, target: ConsentChoice) -> None:
    raise IntegrityError(
        f"consent_choice row {target.id} is append-only: record a new version instead"
    )


event.listen(ConsentChoice, "before_update", _refuse_change)
event.listen(ConsentChoice, "before_delete", _refuse_change)
