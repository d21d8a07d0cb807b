"""The DuckDB warehouse: connection, table layout and read access."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import orjson
import pyarrow as pa

from caldicott.errors import InvalidArgument, StoreUnavailable
from caldicott.store.warehouse.texts import Texts, json_texts
from caldicott.store.warehouse.versions import compare_versions

RESOURCE_TYPE = re.compile(r"^[A-Z][A-Za-z]{1,63}$")
HISTORY_TABLE = "fhir_history"
#: The resource texts are kept compressed with Zstandard. DuckDB's automatic choice for
#: them (dictionary + FSST) tried several methods on every segment: at 20,000 patients it
#: cost twice the CPU of the checkpoint that ends a load (4.3 s against 2.1 s), more on
#: the inserts, and left a file 3.4 times larger (151 MB against 44 MB), with scans of
#: the texts no slower. Ids and versions keep the automatic choice (short, repetitive).
RESOURCE_COLUMN = "resource JSON NOT NULL USING COMPRESSION zstd"


class Row(NamedTuple):
    """One resource to write: its id, version, lastUpdated and JSON text (UTF-8).

    A named tuple: the loader makes one per record, and a frozen dataclass costs about a
    microsecond more to build.
    """

    id: str
    version_id: str | None
    last_updated: str | None
    text: bytes


class Columns(NamedTuple):
    """A batch to write, as columns of equal length: each record's type, id, version,
    lastUpdated and JSON text (UTF-8)."""

    rtypes: Sequence[str]
    ids: Sequence[str]
    versions: Sequence[str | None]
    updated: Sequence[str | None]
    texts: Texts

    @classmethod
    def of(cls, batch: Mapping[str, Sequence[Row]]) -> Columns:
        """The columns of rows grouped by type."""
        rows = [(t, r) for t, rs in batch.items() for r in rs]
        return cls(
            [t for t, _ in rows],
            [r.id for _, r in rows],
            [r.version_id for _, r in rows],
            [r.last_updated for _, r in rows],
            Texts.of([r.text for _, r in rows]),
        )

    def rows(self, rtype: str) -> list[Row]:
        return [
            Row(self.ids[k], self.versions[k], self.updated[k], self.texts[k])
            for k, rt in enumerate(self.rtypes)
            if rt == rtype
        ]


@dataclass
class WriteCounts:
    """What a batch did to one type: rows new, replaced, unchanged and sent to history,
    and the ids whose current version the batch wrote (inserted or replaced)."""

    inserted: int = 0
    replaced: int = 0
    unchanged: int = 0
    older: int = 0
    current: Sequence[str] = ()


def _of_type(batch: Columns, rtype: str) -> list[str]:
    return [i for t, i in zip(batch.rtypes, batch.ids, strict=True) if t == rtype]


def table_name(resource_type: str) -> str:
    """The table of one resource type; refuses anything that is not a FHIR type name."""
    if not RESOURCE_TYPE.fullmatch(resource_type):
        raise InvalidArgument(f"not a FHIR resource type name: {resource_type!r}")
    return f"fhir_{resource_type}"


class DuckDBWarehouse:
    """A DuckDB database file holding the current and past versions of resources."""

    def __init__(self, path: Path | None, *, read_only: bool = False) -> None:
        self.path = path
        self._tables: dict[str, None] | None = None
        try:
            if path is not None and not read_only:
                path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = duckdb.connect(str(path) if path else ":memory:", read_only=read_only)
        except (duckdb.Error, OSError) as exc:
            raise StoreUnavailable(f"cannot open the warehouse at {path}: {exc}") from None
        # DuckDB draws a progress bar on standard output for long statements, which
        # would corrupt a command's --json document
        self.conn.execute("SET enable_progress_bar = false")
        if not read_only:
            self._ensure_history()

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> DuckDBWarehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ensure_history(self) -> None:
        self.conn.execute(
            f"CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} ("
            "resource_type VARCHAR NOT NULL, id VARCHAR NOT NULL, version_id VARCHAR, "
            f"last_updated VARCHAR, load_id VARCHAR, {RESOURCE_COLUMN}, "
            "superseded_at TIMESTAMPTZ NOT NULL)"
        )

    def ensure_table(self, resource_type: str) -> str:
        name = table_name(resource_type)
        if self._tables is not None and resource_type in self._tables:
            return name
        self._tables = None
        # No PRIMARY KEY: DuckDB rewrites a table's whole ART index at every checkpoint, so
        # a load slowed with the size of the table. The writer keeps ids unique itself
        # (one writer at a time: DuckDB locks the file), and joins on id stay fast.
        self.conn.execute(
            f'CREATE TABLE IF NOT EXISTS "{name}" ('
            "id VARCHAR NOT NULL, version_id VARCHAR, last_updated VARCHAR, "
            f"load_id VARCHAR, {RESOURCE_COLUMN})"
        )
        return name

    def resource_types(self) -> list[str]:
        """Types with a table (cached; the cache is dropped whenever a table is made)."""
        if self._tables is not None:
            return list(self._tables)
        rows = self.conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_name LIKE 'fhir\\_%' ESCAPE '\\' AND table_name <> ? ORDER BY 1",
            [HISTORY_TABLE],
        ).fetchall()
        self._tables = {r[0][len("fhir_") :]: None for r in rows}
        return list(self._tables)

    def count(self, resource_type: str) -> int:
        if resource_type not in self.resource_types():
            return 0
        sql = f'SELECT count(*) FROM "{table_name(resource_type)}"'  # noqa: S608 - validated name
        rows = self.conn.execute(sql).fetchall()
        return int(rows[0][0]) if rows else 0

    def iter_resources(self, resource_type: str, batch: int = 10_000) -> Iterator[dict[str, Any]]:
        """Every current resource of a type, parsed, in id order (decimals as floats: for
        the written digits, parse :meth:`iter_texts` keeping them)."""
        for text in self.iter_texts(resource_type, batch):
            yield orjson.loads(text)

    def iter_texts(self, resource_type: str, batch: int = 10_000) -> Iterator[str]:
        """Every current resource of a type as the JSON text loaded, in id order."""
        if resource_type not in self.resource_types():
            return
        cur = self.conn.cursor()
        cur.execute(f'SELECT resource FROM "{table_name(resource_type)}" ORDER BY id')  # noqa: S608
        while rows := cur.fetchmany(batch):
            for (text,) in rows:
                yield text

    @contextmanager
    def _registered(self, name: str, table: pa.Table) -> Iterator[None]:
        """An Arrow table visible to SQL as ``name`` for the duration of the block.

        Lists of values go in this way, never as a list parameter: DuckDB converts long
        Python lists slowly.
        """
        self.conn.register(name, table)
        try:
            yield
        finally:
            self.conn.unregister(name)

    def _ids(self, ids: Sequence[str]) -> AbstractContextManager[None]:
        return self._registered("_ids", pa.table({"id": pa.array(ids, pa.string())}))

    def absent_ids(self, resource_type: str, ids: Sequence[str]) -> set[str]:
        """Which of these (distinct) ids the warehouse does not hold for a type.

        Asked this way round because nearly all are usually present: only the few absent
        ids come back from DuckDB.
        """
        if not ids:
            return set()
        if resource_type not in self.resource_types():
            return set(ids)
        sql = (
            "SELECT q.id FROM _ids q WHERE NOT EXISTS "  # noqa: S608 - validated name
            f'(SELECT 1 FROM "{table_name(resource_type)}" t WHERE t.id = q.id)'
        )
        with self._ids(ids):
            return {r[0] for r in self.conn.execute(sql).fetchall()}

    def json_values(self, resource_type: str, ids: list[str], element: str) -> dict[str, str]:
        """A top-level string element of the resources with these ids (e.g. birthDate)."""
        if not ids or resource_type not in self.resource_types():
            return {}
        if not re.fullmatch(r"[a-zA-Z]{1,64}", element):
            raise InvalidArgument(f"not an element name: {element!r}")
        sql = (
            f"SELECT t.id, json_extract_string(t.resource, ?) "  # noqa: S608 - validated name
            f'FROM "{table_name(resource_type)}" t JOIN _ids q USING (id)'
        )
        with self._ids(ids):
            rows = self.conn.execute(sql, [f"$.{element}"]).fetchall()
        return {r[0]: r[1] for r in rows if r[1] is not None}

    # -- the write side (used by ingest) ---------------------------------------------------
    def write_batch(self, load_id: str, batch: Columns) -> dict[str, WriteCounts]:
        """Write one batch atomically: all of it or (on any error or a kill) none of it.

        Per id the newest version (:func:`~.versions.compare_versions`, then the content's bytes) is
        current; a replaced current version and an incoming older one go to
        ``fhir_history`` (once). The same content again changes nothing, so a batch can be
        written twice (re-running a load). Each type's counts list the ids whose current
        version the batch wrote (``current``).

        The batch goes to DuckDB as one Arrow table. A type none of whose ids is repeated
        in the batch or already stored (a first load) is inserted from it in one
        statement; any other type is compared row by row (:meth:`_write_type`).
        """
        counts: dict[str, WriteCounts] = {}
        per_type = Counter(batch.rtypes)
        total = len(batch.ids)
        # distinct ids settle it without building a key a record (ids rarely repeat)
        repeated = len(set(batch.ids)) < total and (
            len(set(zip(batch.rtypes, batch.ids, strict=True))) < total
        )
        self.conn.execute("BEGIN TRANSACTION")
        try:
            with self._registered("_batch", self._batch_arrow(load_id, batch)):
                for rtype, n in per_type.items():
                    name = self.ensure_table(rtype)
                    if not repeated and not self._any_stored(name, rtype):
                        self._insert_batch(name, rtype)
                        ids = batch.ids if n == total else _of_type(batch, rtype)
                        counts[rtype] = WriteCounts(inserted=n, current=ids)
                    else:
                        counts[rtype] = self._write_type(load_id, rtype, batch.rows(rtype))
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            self._tables = None
            raise
        return counts

    @staticmethod
    def _batch_arrow(load_id: str, batch: Columns) -> pa.Table:
        return pa.table(
            {
                "rtype": pa.array(batch.rtypes, pa.string()),
                "id": pa.array(batch.ids, pa.string()),
                "version_id": pa.array(batch.versions, pa.string()),
                "last_updated": pa.array(batch.updated, pa.string()),
                "load_id": pa.repeat(load_id, len(batch.ids)).cast(pa.string()),
                "resource": batch.texts.arrow(),
            }
        )

    def _any_stored(self, name: str, rtype: str) -> bool:
        sql = (
            f'SELECT EXISTS (SELECT 1 FROM _batch b JOIN "{name}" c USING (id) '  # noqa: S608
            "WHERE b.rtype = ?)"
        )
        rows = self.conn.execute(sql, [rtype]).fetchall()
        return bool(rows[0][0])

    def _insert_batch(self, name: str, rtype: str) -> None:
        self.conn.execute(
            f'INSERT INTO "{name}" SELECT id, version_id, last_updated, load_id, '  # noqa: S608
            "resource FROM _batch WHERE rtype = ?",
            [rtype],
        )

    def _write_type(self, load_id: str, rtype: str, rows: Sequence[Row]) -> WriteCounts:
        name = self.ensure_table(rtype)
        counts = WriteCounts()
        newest: dict[str, Row] = {}
        history: list[Row] = []
        for row in rows:
            seen = newest.get(row.id)
            if seen is None:
                newest[row.id] = row
            elif seen.text == row.text:
                counts.unchanged += 1
            elif (
                compare_versions(
                    row.version_id, row.last_updated, seen.version_id, seen.last_updated
                )
                or (1 if row.text > seen.text else -1)
            ) > 0:
                history.append(seen)
                newest[row.id] = row
            else:
                history.append(row)
        incoming = list(newest.values())
        # Only ids already stored need comparing; a fresh load skips the comparison.
        sql = f'SELECT c.id FROM "{name}" c JOIN _ids p USING (id)'  # noqa: S608
        with self._ids([r.id for r in incoming]):
            present = {r[0] for r in self.conn.execute(sql).fetchall()}
        current: list[tuple[Any, ...]] = []
        if present:
            stored = [r for r in incoming if r.id in present]
            # the content decides between versions otherwise alike: as bytes (a VARCHAR
            # compares as its UTF-8 bytes, as Python compares bytes)
            stored_text, probe_text = "CAST(c.resource AS VARCHAR)", "CAST(p.resource AS VARCHAR)"
            cols = (
                f"c.id, c.version_id, c.last_updated, {stored_text} = {probe_text}, "
                f"{probe_text} > {stored_text}"
            )
            sql = f'SELECT {cols} FROM "{name}" c JOIN _probe p USING (id)'  # noqa: S608
            with self._registered("_probe", self._arrow(load_id, stored)):
                current = self.conn.execute(sql).fetchall()
        known = {r[0]: r for r in current}
        to_insert: list[Row] = []
        replaced: list[str] = []
        for row in incoming:
            cur = known.get(row.id)
            if cur is None:
                to_insert.append(row)
                counts.inserted += 1
            elif cur[3]:
                counts.unchanged += 1
            elif (
                compare_versions(row.version_id, row.last_updated, cur[1], cur[2])
                or (1 if cur[4] else -1)
            ) > 0:
                replaced.append(row.id)
                to_insert.append(row)
                counts.replaced += 1
            else:
                history.append(row)
                counts.older += 1
        if replaced:
            with self._ids(replaced):
                self._supersede(name, rtype)
                self.conn.execute(
                    f'DELETE FROM "{name}" WHERE id IN (SELECT id FROM _ids)'  # noqa: S608
                )
        if to_insert:
            self._append(name, load_id, to_insert)
        if history:
            self._to_history(load_id, rtype, history)
        counts.current = [r.id for r in to_insert]
        return counts

    def _supersede(self, name: str, rtype: str) -> None:
        """Copy the current versions of the ids in ``_ids`` to history, each unless the
        same content is there already.

        Versions are ordered totally, so a version once superseded is not current again,
        but a warehouse written before they were can hold one. Comparing contents reads
        every text in history, so only the ids with a version there of the same versionId
        and lastUpdated (short columns, quick to scan) are compared.
        """
        again = (
            f'SELECT DISTINCT c.id FROM "{name}" c JOIN _ids r USING (id) '  # noqa: S608
            f"JOIN {HISTORY_TABLE} h ON h.id = c.id "
            "AND h.version_id IS NOT DISTINCT FROM c.version_id "
            "AND h.last_updated IS NOT DISTINCT FROM c.last_updated WHERE h.resource_type = ?"
        )
        maybe = [r[0] for r in self.conn.execute(again, [rtype]).fetchall()]
        copy = (
            f"INSERT INTO {HISTORY_TABLE} SELECT ?, c.id, c.version_id, c.last_updated, "  # noqa: S608
            f'c.load_id, c.resource, now() FROM "{name}" c JOIN _ids r USING (id)'
        )
        if not maybe:
            self.conn.execute(copy, [rtype])
            return
        with self._registered("_maybe", pa.table({"id": pa.array(maybe, pa.string())})):
            fresh = f"{copy} WHERE c.id NOT IN (SELECT id FROM _maybe)"  # noqa: S608
            self.conn.execute(fresh, [rtype])
            self.conn.execute(
                f"{copy} JOIN _maybe m ON m.id = c.id WHERE NOT EXISTS (SELECT 1 FROM "  # noqa: S608
                f"{HISTORY_TABLE} h WHERE h.resource_type = ? AND h.id = c.id "
                "AND CAST(h.resource AS VARCHAR) = CAST(c.resource AS VARCHAR))",
                [rtype, rtype],
            )

    @staticmethod
    def _arrow(load_id: str, rows: Sequence[Row]) -> pa.Table:
        return pa.table(
            {
                "id": pa.array([r.id for r in rows], pa.string()),
                "version_id": pa.array([r.version_id for r in rows], pa.string()),
                "last_updated": pa.array([r.last_updated for r in rows], pa.string()),
                "load_id": pa.array([load_id] * len(rows), pa.string()),
                "resource": json_texts([r.text for r in rows]),
            }
        )

    def _append(self, name: str, load_id: str, rows: Sequence[Row]) -> None:
        with self._registered("_rows", self._arrow(load_id, rows)):
            self.conn.execute(
                f'INSERT INTO "{name}" SELECT id, version_id, last_updated, load_id, '  # noqa: S608
                "resource FROM _rows"
            )

    def _to_history(self, load_id: str, rtype: str, rows: Sequence[Row]) -> None:
        """Add versions to history unless the same content is already there."""
        with self._registered("_old", self._arrow(load_id, rows)):
            self.conn.execute(
                f"INSERT INTO {HISTORY_TABLE} SELECT DISTINCT ?, o.id, o.version_id, "  # noqa: S608
                "o.last_updated, o.load_id, o.resource, now() FROM _old o "
                f"WHERE NOT EXISTS (SELECT 1 FROM {HISTORY_TABLE} h WHERE h.resource_type = ? "
                "AND h.id = o.id AND CAST(h.resource AS VARCHAR) = CAST(o.resource AS VARCHAR))",
                [rtype, rtype],
            )

    def history_count(self, resource_type: str | None = None) -> int:
        sql = f"SELECT count(*) FROM {HISTORY_TABLE}"  # noqa: S608 - constant name
        params: list[Any] = []
        if resource_type is not None:
            sql += " WHERE resource_type = ?"
            params.append(resource_type)
        rows = self.conn.execute(sql, params).fetchall()
        return int(rows[0][0]) if rows else 0
