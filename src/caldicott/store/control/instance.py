"""The instance record: one row naming this caldicott environment.

Its ``origin`` names the environment wherever it must be identified from outside, for
example as the origin line of transparency-log checkpoints.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from caldicott.store.control.base import Base, UTCDateTime, utcnow


class Instance(Base):
    __tablename__ = "instance"

    id: Mapped[int] = mapped_column(primary_key=True)
    origin: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


def ensure_instance(session: Session) -> Instance:
    """Return the instance row, creating it on first use."""
    found = session.scalars(select(Instance).limit(1)).first()
    if found is not None:
        return found
    made = Instance(origin=f"caldicott.local/{uuid.uuid4().hex[:12]}", created_at=utcnow())
    session.add(made)
    session.flush()
    return made
