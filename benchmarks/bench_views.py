"""Views: rows/s of the built-in views per engine, side by side with pysof and fhir4ds.

A synthetic population (``caldicott synth``) is loaded into warehouse-shaped DuckDB tables
with DuckDB's ``read_json``; each realistic view (the built-in library) then runs on:

- ``duckdb``: this project's DuckDB engine over the warehouse file;
- ``memory``: the pure-Python reference (only up to ``MEMORY_LIMIT`` patients);
- ``pysof``: the Rust SQL on FHIR runner from PyPI, given a Bundle of the same resources
  (its time includes parsing the JSON, as ours includes reading it from the table);
- ``fhir4ds``: the DuckDB-based runner from PyPI, over its own table loaded beforehand
  (loading is not timed).

Figures per view: rows, seconds and rows/s per engine, and ``ratio_vs_<peer>`` = our
DuckDB rows/s over the peer's (above 1 means faster). Size: 100,000 patients, 2,000 with
``--quick``; ``CALDICOTT_BENCH_VIEWS_PATIENTS`` overrides either.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import orjson

from caldicott.views import library
from caldicott.views.engines.base import Warehouse
from caldicott.views.engines.duckdb import DuckDBEngine
from caldicott.views.engines.memory import MemoryEngine

VIEWS = ("patient_demographics", "conditions", "observations", "medications", "encounters")
MEMORY_LIMIT = 5_000
TYPES = ("Patient", "Condition", "Observation", "MedicationRequest", "Encounter")


def _population(patients: int, folder: Path) -> Path:
    from caldicott.synth import SynthConfig, synthesise

    out = folder / f"synth-{patients}"
    if not (out / "Patient.ndjson").exists():
        synthesise(SynthConfig(patients=patients, seed=7, out=out))
    return out


def _warehouse(export: Path, path: Path) -> Path:
    conn = duckdb.connect(str(path))
    for kind in TYPES:
        source = export / f"{kind}.ndjson"
        conn.execute(
            f"CREATE TABLE \"fhir_{kind}\" AS SELECT json->>'id' AS id, NULL::VARCHAR AS "  # noqa: S608 - fixed type names, our own temp path
            "version_id, NULL::VARCHAR AS last_updated, NULL::VARCHAR AS load_id, "
            f"json AS resource FROM read_json_objects('{source}', "
            "format = 'newline_delimited')"
        )
    conn.close()
    return path


def _timed(fn: Callable[[], int]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        rows = fn()
    except Exception as exc:  # a peer that cannot run a view is a figure, not a crash
        return {"error": f"{type(exc).__name__}: {str(exc)[:160]}"}
    seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "seconds": round(seconds, 3),
        "rows_per_s": round(rows / seconds) if seconds else None,
    }


def _pysof(view: dict[str, Any], bundle: bytes) -> Callable[[], int]:
    import pysof

    def go() -> int:
        out = pysof.run_view_definition(view, bundle, "ndjson")
        return sum(1 for line in out.splitlines() if line.strip())

    return go


class _Offline:
    """A DuckDB connection for fhir4ds that skips its ``INSTALL json`` (no network here;
    JSON is built into DuckDB)."""

    def __init__(self) -> None:
        self._conn = duckdb.connect()

    def execute(self, sql: str, *args: Any) -> Any:
        if sql.strip().upper().startswith("INSTALL JSON"):
            return self._conn
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _fhir4ds(view: dict[str, Any], resources: list[Any]) -> Callable[[], int]:
    from fhir4ds import FHIRDataStore
    from fhir4ds.dialects import DuckDBDialect

    store = FHIRDataStore(dialect=DuckDBDialect(connection=_Offline()))
    store.load_resources(resources)
    runner = store.view_runner()

    def go() -> int:
        result = runner.execute_view_definition(view)
        rows = result.fetchall() if hasattr(result, "fetchall") else list(result)
        return len(rows)

    return go


def run(quick: bool) -> dict[str, Any]:
    patients = int(os.environ.get("CALDICOTT_BENCH_VIEWS_PATIENTS", 2_000 if quick else 100_000))
    cache = Path(os.environ.get("CALDICOTT_BENCH_CACHE", tempfile.gettempdir()))
    export = _population(patients, cache)
    work = Path(tempfile.mkdtemp(prefix="bench-views-"))
    warehouse = _warehouse(export, work / "warehouse.duckdb")
    figures: dict[str, Any] = {"patients": patients, "views": {}}
    for name in VIEWS:
        source = library.source(name)
        view = library.load(name)
        kind = view.resource
        lines = (export / f"{kind}.ndjson").read_bytes().splitlines()
        entry: dict[str, Any] = {"resources": len(lines)}
        entry["duckdb"] = _timed(
            lambda v=view: len(DuckDBEngine().run(v, Warehouse(warehouse)).rows)
        )
        if patients <= MEMORY_LIMIT:
            entry["memory"] = _timed(
                lambda v=view: len(MemoryEngine().run(v, Warehouse(warehouse)).rows)
            )
        bundle = (
            b'{"resourceType":"Bundle","type":"collection","entry":['
            + b",".join(b'{"resource":' + line + b"}" for line in lines)
            + b"]}"
        )
        entry["pysof"] = _timed(_pysof(source, bundle))
        del bundle
        try:
            runner = _fhir4ds(source, [orjson.loads(line) for line in lines])
            entry["fhir4ds"] = _timed(runner)
        except Exception as exc:
            entry["fhir4ds"] = {"error": f"{type(exc).__name__}: {str(exc)[:160]}"}
        ours = entry["duckdb"].get("rows_per_s")
        for peer in ("pysof", "fhir4ds", "memory"):
            theirs = entry.get(peer, {}).get("rows_per_s")
            if ours and theirs:
                entry[f"ratio_vs_{peer}"] = round(ours / theirs, 2)
        figures["views"][name] = entry
    return figures
