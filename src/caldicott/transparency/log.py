"""The append API other capabilities call, and reads of the log's tree.

:func:`append` and :func:`append_many` add entries inside the caller's transaction: the
entry is durable exactly when the caller commits, and rolls back with the caller's work.

Appenders serialise on the single ``transparency_head`` row: on PostgreSQL with ``SELECT
... FOR UPDATE``; on SQLite by writing to the head row first, which takes the database's
write lock before the head is read (so two appenders can never read the same size). The
head row caches the right edge of the tree, so an append costs O(log n) whatever the
size of the log: it writes the entry, the perfect-subtree nodes the entry completes and
the new head.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select, tuple_, update
from sqlalchemy.orm import Session

from caldicott.errors import InvalidArgument, NotFound
from caldicott.store.control.base import utcnow
from caldicott.transparency import merkle
from caldicott.transparency.entries import encode
from caldicott.transparency.tables import HEAD_ID, LogEntry, LogHead, TreeNode

ENTRY: Table = LogEntry.__table__  # type: ignore[assignment]
NODE: Table = TreeNode.__table__  # type: ignore[assignment]
HEAD: Table = LogHead.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Event:
    """One event to append: what happened (kind), who did it (actor) and its details."""

    kind: str
    actor: str
    payload: Mapping[str, Any]
    at: datetime | None = None


def _split_edge(raw: bytes) -> list[bytes]:
    return [raw[i : i + 32] for i in range(0, len(raw), 32)]


def _lock_head(session: Session) -> tuple[int, list[bytes]]:
    """Take the appenders' lock and return the log's size and right edge."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(HEAD).where(HEAD.c.id == HEAD_ID).values(size=HEAD.c.size))
        query = select(HEAD.c.size, HEAD.c.edge).where(HEAD.c.id == HEAD_ID)
    else:
        query = select(HEAD.c.size, HEAD.c.edge).where(HEAD.c.id == HEAD_ID).with_for_update()
    row = session.execute(query).one_or_none()
    if row is None:  # the migration inserts it; an emptied table gets it back here
        session.execute(insert(HEAD).values(id=HEAD_ID, size=0, edge=b""))
        return 0, []
    return int(row.size), _split_edge(row.edge)


def append(
    session: Session,
    kind: str,
    actor: str,
    payload: Mapping[str, Any],
    at: datetime | None = None,
) -> int:
    """Append one entry in the caller's transaction; return its index in the log."""
    return append_many(session, [Event(kind, actor, payload, at)])[0]


def append_many(session: Session, events: Iterable[Event]) -> list[int]:
    """Append entries in order in the caller's transaction; return their indexes."""
    events = list(events)
    if not events:
        return []
    size, edge = _lock_head(session)
    now = utcnow()
    entry_rows: list[dict[str, Any]] = []
    node_rows: list[dict[str, Any]] = []
    for offset, event in enumerate(events):
        index = size + offset
        at = event.at or now
        raw = encode(index, event.kind, event.actor, event.payload, at)
        leaf = merkle.leaf_hash(raw)
        entry_rows.append(
            {"idx": index, "leaf_hash": leaf, "entry": raw, "kind": event.kind, "created_at": at}
        )
        for (level, idx), digest in merkle.completed_nodes(index, edge, leaf):
            node_rows.append({"level": level, "idx": idx, "hash": digest})
    session.execute(insert(ENTRY), entry_rows)
    session.execute(insert(NODE), node_rows)
    session.execute(
        update(HEAD)
        .where(HEAD.c.id == HEAD_ID)
        .values(size=size + len(events), edge=b"".join(edge))
    )
    return [size + i for i in range(len(events))]


# --- Reads ---------------------------------------------------------------------------------


def tree_head(session: Session) -> tuple[int, bytes]:
    """The committed size of the log and its root hash (from the cached right edge)."""
    row = session.execute(select(HEAD.c.size, HEAD.c.edge).where(HEAD.c.id == HEAD_ID)).first()
    if row is None or row.size == 0:
        return 0, merkle.EMPTY_ROOT
    return int(row.size), merkle.fold(_split_edge(row.edge))


def lookup_nodes(session: Session, nodes: Sequence[merkle.Node]) -> dict[merkle.Node, bytes]:
    """Fetch perfect-subtree hashes by ``(level, index)``."""
    found: dict[merkle.Node, bytes] = {}
    for start in range(0, len(nodes), 500):
        chunk = list(nodes[start : start + 500])
        rows = session.execute(
            select(NODE.c.level, NODE.c.idx, NODE.c.hash).where(
                tuple_(NODE.c.level, NODE.c.idx).in_(chunk)
            )
        )
        for level, idx, digest in rows:
            found[(int(level), int(idx))] = bytes(digest)
    return found


def _check_size(session: Session, size: int | None) -> int:
    current, _ = tree_head(session)
    if size is None:
        return current
    if not 0 <= size <= current:
        raise InvalidArgument(f"tree size {size} is outside 0..{current}", size=size)
    return size


def root_at(session: Session, size: int | None = None) -> bytes:
    """The root hash of the log when it had ``size`` entries."""
    size = _check_size(session, size)
    if size == 0:
        return merkle.EMPTY_ROOT
    return merkle.resolve([(0, size)], lambda n: lookup_nodes(session, n))[0]


def inclusion_proof(session: Session, index: int, size: int | None = None) -> list[bytes]:
    """The RFC 9162 inclusion proof of entry ``index`` in the tree of ``size`` entries."""
    size = _check_size(session, size)
    if not 0 <= index < size:
        raise NotFound(f"log entry {index} is not in a tree of size {size}", index=index)
    ranges = merkle.inclusion_ranges(index, size)
    return merkle.resolve(ranges, lambda n: lookup_nodes(session, n))


def consistency_proof(session: Session, old: int, new: int | None = None) -> list[bytes]:
    """The RFC 9162 consistency proof from the tree of ``old`` entries to ``new``."""
    new = _check_size(session, new)
    if not 0 <= old <= new:
        raise InvalidArgument(f"no consistency proof from size {old} to size {new}", size=old)
    ranges = merkle.consistency_ranges(old, new)
    return merkle.resolve(ranges, lambda n: lookup_nodes(session, n))


def entry_bytes(session: Session, index: int) -> bytes:
    raw = session.execute(select(ENTRY.c.entry).where(ENTRY.c.idx == index)).scalar_one_or_none()
    if raw is None:
        raise NotFound(f"log entry {index} does not exist", index=index)
    return bytes(raw)


def iter_entries(
    session: Session, start: int = 0, stop: int | None = None, batch: int = 10_000
) -> Iterable[tuple[int, bytes, bytes]]:
    """Yield ``(index, leaf hash, entry bytes)`` in index order, in batches."""
    pos = start
    while stop is None or pos < stop:
        query = select(ENTRY.c.idx, ENTRY.c.leaf_hash, ENTRY.c.entry).where(ENTRY.c.idx >= pos)
        if stop is not None:
            query = query.where(ENTRY.c.idx < stop)
        rows = session.execute(query.order_by(ENTRY.c.idx).limit(batch)).all()
        if not rows:
            return
        for idx, leaf, raw in rows:
            yield int(idx), bytes(leaf), bytes(raw)
        pos = int(rows[-1][0]) + 1


def stored_leaves(session: Session, stop: int | None = None) -> Iterable[bytes]:
    """The leaf level of the stored tree (level-0 nodes) in index order."""
    query = select(NODE.c.hash).where(NODE.c.level == 0)
    if stop is not None:
        query = query.where(NODE.c.idx < stop)
    for (digest,) in session.execute(query.order_by(NODE.c.idx)):
        yield bytes(digest)
