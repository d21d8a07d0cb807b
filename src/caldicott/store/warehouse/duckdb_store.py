"""The DuckDB warehouse: connection, table layout and read access."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import orjson

from caldicott.errors import InvalidArgument, StoreUnavailable

RESOURCE_TYPE = re.compile(r"^[A-Z][A-Za-z]{1,63}$")
HISTORY_TABLE = "fhir_history"


def table_name(resource_type: str) -> str:
    """The table of one resource type; refuses anything that is not a FHIR type name."""
    if not RESOURCE_TYPE.fullmatch(resource_type):
        raise InvalidArgument(f"not a FHIR resource type name: {resource_type!r}")
    return f"fhir_{resource_type}"


class DuckDBWarehouse:
    """A DuckDB database file holding the current and past versions of resources."""

    def __init__(self, path: Path | None, *, read_only: bool = False) -> None:
        self.path = path
        try:
            if path is not None and not read_only:
                path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = duckdb.connect(str(path) if path else ":memory:", read_only=read_only)
        except (duckdb.Error, OSError) as exc:
            raise StoreUnavailable(f"cannot open the warehouse at {path}: {exc}") from None
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
            "last_updated VARCHAR, load_id VARCHAR, resource JSON NOT NULL, "
            "superseded_at TIMESTAMPTZ NOT NULL)"
        )

    def ensure_table(self, resource_type: str) -> str:
        name = table_name(resource_type)
        self.conn.execute(
            f'CREATE TABLE IF NOT EXISTS "{name}" ('
            "id VARCHAR PRIMARY KEY, version_id VARCHAR, last_updated VARCHAR, "
            "load_id VARCHAR, resource JSON NOT NULL)"
        )
        return name

    def resource_types(self) -> list[str]:
        rows = self.conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_name LIKE 'fhir\\_%' ESCAPE '\\' AND table_name <> ? ORDER BY 1",
            [HISTORY_TABLE],
        ).fetchall()
        return [r[0][len("fhir_") :] for r in rows]

    def count(self, resource_type: str) -> int:
        if resource_type not in self.resource_types():
            return 0
        sql = f'SELECT count(*) FROM "{table_name(resource_type)}"'  # noqa: S608 - validated name
        row = self.conn.execute(sql).fetchone()
        return int(row[0]) if row else 0

    def iter_resources(self, resource_type: str, batch: int = 10_000) -> Iterator[dict[str, Any]]:
        """Every current resource of a type, parsed, in id order."""
        if resource_type not in self.resource_types():
            return
        cur = self.conn.cursor()
        cur.execute(f'SELECT resource FROM "{table_name(resource_type)}" ORDER BY id')  # noqa: S608
        while rows := cur.fetchmany(batch):
            for (text,) in rows:
                yield orjson.loads(text)

    def existing_ids(self, resource_type: str, ids: list[str]) -> set[str]:
        """Which of these ids the warehouse already holds for a type."""
        if not ids or resource_type not in self.resource_types():
            return set()
        sql = (
            f'SELECT t.id FROM "{table_name(resource_type)}" t '  # noqa: S608 - validated name
            "JOIN (SELECT unnest(?) AS id) q USING (id)"
        )
        rel = self.conn.execute(sql, [ids]).fetchall()
        return {r[0] for r in rel}
