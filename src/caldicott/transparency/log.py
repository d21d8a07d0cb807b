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

from sqlalchemy import LargeBinary, Table, insert, select, update
from sqlalchemy.orm import Session

from caldicott.errors import InvalidArgument, NotFound
from caldicott.store.control.base import utcnow
from caldicott.transparency import merkle
from caldicott.transparency.entries import encode, format_time
from caldicott.transparency.tables import HEAD_ID, LogEntry, LogHead, TreeNode

ENTRY: Table = LogEntry.__table__  # type: ignore[assignment]
NODE: Table = TreeNode.__table__  # type: ignore[assignment]
HEAD: Table = LogHead.__table__  # type: ignore[assignment]
ENTRY_COLUMNS = ("idx", "leaf_hash", "entry", "kind", "created_at")
NODE_COLUMNS = ("level", "idx", "hash")


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
    entry_rows: list[tuple[Any, ...]] = []
    node_rows: list[tuple[Any, ...]] = []
    times: dict[datetime, str] = {}
    for offset, event in enumerate(events):
        index = size + offset
        at = event.at or now
        text = times.get(at)
        if text is None:
            text = times[at] = format_time(at)
        raw = encode(index, event.kind, event.actor, event.payload, at, text)
        leaf = merkle.leaf_hash(raw)
        entry_rows.append((index, leaf, raw, event.kind, at))
        for (level, idx), digest in merkle.completed_nodes(index, edge, leaf):
            node_rows.append((level, idx, digest))
    _bulk_insert(session, ENTRY, ENTRY_COLUMNS, entry_rows)
    _bulk_insert(session, NODE, NODE_COLUMNS, node_rows)
    session.execute(
        update(HEAD)
        .where(HEAD.c.id == HEAD_ID)
        .values(size=size + len(events), edge=b"".join(edge))
    )
    return [size + i for i in range(len(events))]


def _bulk_insert(
    session: Session, table: Table, names: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """``executemany`` straight to the driver. Table and column names are this module's
    constants, never input.

    Each non-binary column's SQLAlchemy bind processor (for example UTCDateTime's) is applied
    here, once per distinct value, so the stored values are exactly what the ORM would store,
    without its per-row overhead. Both drivers take ``bytes`` for binary columns as they are.
    """
    conn = session.connection()
    dialect = conn.dialect
    columns = [table.c[name] for name in names]
    for pos, column in enumerate(columns):
        proc = None if isinstance(column.type, LargeBinary) else column.type.bind_processor(dialect)
        if proc is None:
            continue
        memo: dict[Any, Any] = {}
        for i, row in enumerate(rows):
            value = row[pos]
            if value not in memo:
                memo[value] = proc(value)
            rows[i] = (*row[:pos], memo[value], *row[pos + 1 :])
    mark = _placeholder(session)
    marks = ", ".join([mark] * len(columns))
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})"  # noqa: S608
    conn.exec_driver_sql(sql, rows)


# --- Reads ---------------------------------------------------------------------------------


def tree_head(session: Session) -> tuple[int, bytes]:
    """The committed size of the log and its root hash (from the cached right edge)."""
    mark = _placeholder(session)
    sql = f"SELECT size, edge FROM transparency_head WHERE id = {mark}"  # noqa: S608
    row = session.connection().exec_driver_sql(sql, (HEAD_ID,)).first()
    if row is None or row[0] == 0:
        return 0, merkle.EMPTY_ROOT
    return int(row[0]), merkle.fold(_split_edge(bytes(row[1])))


def _placeholder(session: Session) -> str:
    return "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"


def lookup_nodes(session: Session, nodes: Sequence[merkle.Node]) -> dict[merkle.Node, bytes]:
    """Fetch perfect-subtree hashes by ``(level, index)``.

    Plain SQL with bound parameters: an OR of primary-key equalities, which SQLite and
    PostgreSQL both answer from the index (SQLite scans for a row-value IN list), and which
    skips the statement compilation that would dominate a sub-millisecond proof.
    """
    found: dict[merkle.Node, bytes] = {}
    mark = _placeholder(session)
    conn = session.connection()
    for start in range(0, len(nodes), 200):
        chunk = list(nodes[start : start + 200])
        where = " OR ".join([f"(level = {mark} AND idx = {mark})"] * len(chunk))
        params = tuple(v for node in chunk for v in node)
        sql = f"SELECT level, idx, hash FROM transparency_node WHERE {where}"  # noqa: S608
        for level, idx, digest in conn.exec_driver_sql(sql, params):
            found[(int(level), int(idx))] = bytes(digest)
    return found


def _check_size(session: Session, size: int | None) -> int:
    """The size asked for, or the current size. A size beyond the log is caught by
    :func:`_resolve`, because the nodes it needs do not exist; that saves a round trip."""
    if size is None:
        return tree_head(session)[0]
    if size < 0:
        raise InvalidArgument(f"tree size {size} is negative", size=size)
    return size


def _resolve(session: Session, ranges: list[merkle.Range], size: int) -> list[bytes]:
    try:
        return merkle.resolve(ranges, lambda n: lookup_nodes(session, n))
    except LookupError:
        current = tree_head(session)[0]
        raise InvalidArgument(
            f"tree size {size} is beyond the log ({current})", size=size
        ) from None


def root_at(session: Session, size: int | None = None) -> bytes:
    """The root hash of the log when it had ``size`` entries."""
    size = _check_size(session, size)
    if size == 0:
        return merkle.EMPTY_ROOT
    return _resolve(session, [(0, size)], size)[0]


def inclusion_proof(session: Session, index: int, size: int | None = None) -> list[bytes]:
    """The RFC 9162 inclusion proof of entry ``index`` in the tree of ``size`` entries."""
    size = _check_size(session, size)
    if not 0 <= index < size:
        raise NotFound(f"log entry {index} is not in a tree of size {size}", index=index)
    # The leaf's own node comes along in the same query: the entry must exist.
    ranges = [(index, index + 1), *merkle.inclusion_ranges(index, size)]
    return _resolve(session, ranges, size)[1:]


def consistency_proof(session: Session, old: int, new: int | None = None) -> list[bytes]:
    """The RFC 9162 consistency proof from the tree of ``old`` entries to ``new``."""
    new = _check_size(session, new)
    if not 0 <= old <= new:
        raise InvalidArgument(f"no consistency proof from size {old} to size {new}", size=old)
    if new > 0:
        _resolve(session, [(new - 1, new)], new)  # the newer tree must exist
    return _resolve(session, merkle.consistency_ranges(old, new), new)


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


def stored_nodes(session: Session, batch: int = 50_000) -> Iterable[tuple[int, int, bytes]]:
    """Every stored perfect-subtree node ``(level, index, hash)``, in key order."""
    after: tuple[int, int] = (-1, -1)
    while True:
        query = (
            select(NODE.c.level, NODE.c.idx, NODE.c.hash)
            .where(
                (NODE.c.level > after[0]) | ((NODE.c.level == after[0]) & (NODE.c.idx > after[1]))
            )
            .order_by(NODE.c.level, NODE.c.idx)
            .limit(batch)
        )
        rows = session.execute(query).all()
        if not rows:
            return
        for level, idx, digest in rows:
            yield int(level), int(idx), bytes(digest)
        after = (int(rows[-1][0]), int(rows[-1][1]))
