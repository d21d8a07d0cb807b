"""Control-plane tables of the transparency log.

- ``transparency_entry``: the log itself, one row per entry (index, leaf hash, bytes, time).
- ``transparency_node``: the hash of every perfect subtree ``(level, index)`` (level 0 are
  the leaves), written as appends complete them, so proofs are O(log n) lookups.
- ``transparency_head``: one row, the serialisation point for appenders; holds the size and
  the right edge of the tree so each append is O(log n).
- ``transparency_checkpoint``: every signed checkpoint issued, with an optional label
  (``audit`` for the ones periodic audit reports start from).
- ``transparency_release_member``: which patients (by keyed hash) each release included.
  Kept out of the public entries; it makes each patient's access history complete.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from caldicott.store.control.base import Base, UTCDateTime

HEAD_ID = 1


class LogEntry(Base):
    __tablename__ = "transparency_entry"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    entry: Mapped[bytes] = mapped_column(LargeBinary)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class TreeNode(Base):
    __tablename__ = "transparency_node"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogHead(Base):
    __tablename__ = "transparency_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    edge: Mapped[bytes] = mapped_column(LargeBinary)


class LogCheckpoint(Base):
    __tablename__ = "transparency_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReleaseMember(Base):
    __tablename__ = "transparency_release_member"
    __table_args__ = (Index("ix_transparency_release_member_patient", "patient_hash"),)

    release_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    patient_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    entry_idx: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("transparency_entry.idx"), index=True
    )


class SyncCursor(Base):
    """How far the log has taken events from a capability that is read, not pushed, such as
    the consent registry's change list. One row per source; ``position`` is the source's own
    last logged id."""

    __tablename__ = "transparency_cursor"

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger)
