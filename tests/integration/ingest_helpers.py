"""Running a load in tests against a given control plane and a warehouse in ``home``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from caldicott.ingest.loader import Loader, LoadResult
from caldicott.settings import Settings
from caldicott.store.control import ControlPlane
from caldicott.store.warehouse import DuckDBWarehouse


def run_load(control: ControlPlane, home: Path, *paths: Path, **settings: Any) -> LoadResult:
    s = Settings(home=home, **settings)
    with DuckDBWarehouse(s.warehouse_path) as w:
        return Loader(s, control, w).run(list(paths))


def snapshot(home: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every warehouse table's rows, for comparing states (load ids left out)."""
    with DuckDBWarehouse(home / "warehouse.duckdb", read_only=True) as w:
        out = {}
        for t in w.resource_types():
            cols = "id, version_id, last_updated, CAST(resource AS VARCHAR)"
            sql = f'SELECT {cols} FROM "fhir_{t}" ORDER BY id'
            out[t] = w.conn.execute(sql).fetchall()
        cols = "resource_type, id, version_id, CAST(resource AS VARCHAR)"
        out["history"] = w.conn.execute(f"SELECT {cols} FROM fhir_history ORDER BY ALL").fetchall()
        return out
