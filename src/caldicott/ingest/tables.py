"""Control-plane tables of ingest: loads, per-file accounting and quarantined records.

Originals of quarantined records up to :data:`INLINE_LIMIT` bytes are kept in the row;
larger ones in a file under ``<data folder>/quarantine/originals/<sha256>.bin`` with the
row holding its path and hash.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from caldicott.store.control.base import Base, UTCDateTime

INLINE_LIMIT = 64 * 1024


class IngestLoad(Base):
    __tablename__ = "ingest_load"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    batches: Mapped[int] = mapped_column(Integer, default=0)
    read: Mapped[int] = mapped_column(BigInteger, default=0)
    accepted: Mapped[int] = mapped_column(BigInteger, default=0)
    quarantined: Mapped[int] = mapped_column(BigInteger, default=0)
    warnings: Mapped[int] = mapped_column(BigInteger, default=0)
    summary: Mapped[str | None] = mapped_column(Text)


class IngestFile(Base):
    __tablename__ = "ingest_file"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    load_id: Mapped[str] = mapped_column(ForeignKey("ingest_load.id"), index=True)
    path: Mapped[str] = mapped_column(String(2000))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    read: Mapped[int] = mapped_column(BigInteger, default=0)
    accepted: Mapped[int] = mapped_column(BigInteger, default=0)
    quarantined: Mapped[int] = mapped_column(BigInteger, default=0)
    warnings: Mapped[int] = mapped_column(BigInteger, default=0)


class QuarantineRecord(Base):
    __tablename__ = "ingest_quarantine"
    # a repaired record accepted again is found by its (type, id): without this index that
    # lookup scanned every open record
    __table_args__ = (Index("ix_ingest_quarantine_resource", "resource_type", "resource_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    load_id: Mapped[str] = mapped_column(ForeignKey("ingest_load.id"), index=True)
    last_load_id: Mapped[str] = mapped_column(String(32))
    file: Mapped[str] = mapped_column(String(2000))
    number: Mapped[int] = mapped_column(Integer)
    resource_type: Mapped[str | None] = mapped_column(String(64))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    reason_code: Mapped[str] = mapped_column(String(40), index=True)
    reasons: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    original: Mapped[bytes | None] = mapped_column(LargeBinary)
    original_path: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_load_id: Mapped[str | None] = mapped_column(String(32))


#: The quarantine's table, for Core statements (inserts without the ORM's bookkeeping).
QUARANTINE_TABLE = cast(Table, QuarantineRecord.__table__)
