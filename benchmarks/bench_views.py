"""Views: rows/s of the built-in views per engine, side by side with pysof and fhir4ds.

A synthetic population (``caldicott synth``) is loaded into warehouse-shaped DuckDB tables
with DuckDB's ``read_json``; each realistic view (the built-in library) then runs on:

- ``duckdb``: this project's DuckDB engine over the warehouse file;
- ``memory``: the pure-Python reference (only up to ``MEMORY_LIMIT`` patients);
- ``pysof``: the Rust SQL on FHIR runner from PyPI, given a Bundle of the same resources
  (its time includes parsing the JSON, as ours includes reading it from the table);
- ``fhir4ds``: the DuckDB-based runner from PyPI, over its own table loaded beforehand
  (loading is not timed), as it runs here; ``fhir4ds_online``: the same with its
  ``INSTALL json`` skipped, as it runs where that install succeeds (see
  :func:`_fhir4ds_online`).

Figures per view: rows, seconds and rows/s per engine (the best of three rounds in
which the runners take turns),
``ratio_vs_<peer>`` = our DuckDB rows/s over the peer's (above 1 means faster), and
whether each peer returned the same rows as ours (``same_rows``; where not, how many rows
and which columns differ). A peer that cannot run here is recorded with the reason
(``peers.pysof.why_not``).
Size: 100,000 patients, 2,000 with ``--quick``; ``CALDICOTT_BENCH_VIEWS_PATIENTS``
overrides either.
"""

from __future__ import annotations

import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import orjson

from caldicott.views import library
from caldicott.views.engines.base import Warehouse
from caldicott.views.engines.duckdb import DuckDBEngine
from caldicott.views.engines.memory import MemoryEngine
from caldicott.views.fhirpath.elements import conforms

VIEWS = ("patient_demographics", "conditions", "observations", "medications", "encounters")
MEMORY_LIMIT = 5_000
REPEAT = 3
PEERS = ("pysof", "fhir4ds", "fhir4ds_online", "memory")
TYPES = ("Patient", "Condition", "Observation", "MedicationRequest", "Encounter")


def _population(patients: int, folder: Path) -> Path:
    from caldicott.synth import SynthConfig, synthesise

    out = folder / f"synth-{patients}"
    if not (out / "Patient.ndjson").exists():
        synthesise(SynthConfig(patients=patients, seed=7, out=out))
    return out


def _warehouse(export: Path, path: Path) -> Path:
    """The warehouse's own tables (its column types and compression), filled by DuckDB."""
    from caldicott.store.warehouse import DuckDBWarehouse

    with DuckDBWarehouse(path) as w:
        for kind in TYPES:
            source, table = export / f"{kind}.ndjson", w.ensure_table(kind)
            w.conn.execute(
                f"INSERT INTO \"{table}\" SELECT json ->> '$.id', NULL, NULL, NULL, json "  # noqa: S608 - fixed type names, our own temp path
                f"FROM read_json_objects('{source}', format = 'newline_delimited')"
            )
    return path


def _timed(runners: dict[str, Callable[[], list[Any]]]) -> dict[str, Any]:
    """Each runner's best of ``REPEAT`` rounds, runners taking turns within a round so that
    load from other jobs on this shared machine falls on all of them alike. A runner that
    raises is a figure (its error), not a crash."""
    times: dict[str, list[float]] = {name: [] for name in runners}
    rows: dict[str, list[Any]] = {}
    errors: dict[str, str] = {}
    for _ in range(REPEAT):
        for name, fn in runners.items():
            if name in errors:
                continue
            started = time.perf_counter()
            try:
                rows[name] = fn()
            except Exception as exc:
                errors[name] = f"{type(exc).__name__}: {str(exc)[:160]}"
                continue
            times[name].append(time.perf_counter() - started)
    out: dict[str, Any] = {}
    for name in runners:
        if name in errors:
            out[name] = ({"error": errors[name]}, None)
            continue
        best = min(times[name])
        figure = {
            "rows": len(rows[name]),
            "seconds": round(best, 3),
            "rows_per_s": round(len(rows[name]) / best) if best else None,
            "runs_seconds": [round(t, 3) for t in times[name]],
        }
        out[name] = (figure, rows[name])
    return out


def _pysof_missing() -> str | None:
    """Why pysof cannot run here (its compiled module does not load), or None."""
    import importlib

    try:
        importlib.import_module("pysof._pysof")
    except ImportError as exc:
        libc = " ".join(platform.libc_ver()) or "unknown libc"
        return f"pysof's compiled module does not load on this machine ({libc}): {exc}"
    return None


def _pysof(view: dict[str, Any], bundle: bytes, names: list[str]) -> Callable[[], list[Any]]:
    import pysof

    def go() -> list[Any]:
        out = pysof.run_view_definition(view, bundle, "ndjson")
        rows = (orjson.loads(line) for line in out.splitlines() if line.strip())
        return [tuple(row.get(n) for n in names) for row in rows]

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


@contextmanager
def _fhir4ds_online() -> Iterator[None]:
    """Every DuckDB dialect fhir4ds makes meanwhile skips ``INSTALL json``.

    fhir4ds compiles some paths with a fresh dialect of its own, whose new connection
    runs ``INSTALL json``. Offline (as here) that install fails, and fhir4ds falls back
    to a simpler extraction that returns whole objects for such columns. JSON is built
    into DuckDB, so skipping the install shows what fhir4ds does where the install works.
    """
    import fhir4ds.dialects.duckdb as f4

    base = f4.DuckDBDialect

    class OnlineDialect(base):  # type: ignore[misc, valid-type]
        def __init__(self, connection: Any = None, database: str = ":memory:") -> None:
            super().__init__(connection=connection or _Offline(), database=database)

    f4.DuckDBDialect = OnlineDialect
    try:
        yield
    finally:
        f4.DuckDBDialect = base


def _fhir4ds(view: dict[str, Any], resources: list[Any]) -> Callable[[bool], list[Any]]:
    from fhir4ds import FHIRDataStore
    from fhir4ds.dialects import DuckDBDialect

    store = FHIRDataStore(dialect=DuckDBDialect(connection=_Offline()))
    store.bulk_load_resources(resources, batch_size=1000)
    runner = store.view_runner()

    def go(online: bool) -> list[Any]:
        with _fhir4ds_online() if online else nullcontext():
            result = runner.execute_view_definition(view)
            return result.fetchall() if hasattr(result, "fetchall") else list(result)

    return go


def _cell(value: Any) -> str:
    """A cell as text; numbers by value (72, 72.0 and a decimal written 72.00 are equal)."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return repr(float(value))
    return str(value)


def _cells(rows: list[Any]) -> list[tuple[str, ...]]:
    """Rows as sorted tuples of text, to compare what two runners returned."""
    return sorted(tuple(_cell(v) for v in row) for row in rows)


def _agreement(ours: list[Any], theirs: list[Any]) -> dict[str, Any]:
    a, b = _cells(ours), _cells(theirs)
    if len(a) != len(b):
        return {"same_rows": False, "why": f"{len(b)} rows where ours has {len(a)}"}
    differing = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if not differing:
        return {"same_rows": True}
    columns = sorted(
        {
            j
            for i in differing[:200]
            for j, (x, y) in enumerate(zip(a[i], b[i], strict=False))
            if x != y
        }
    )
    return {"same_rows": False, "differing_rows": len(differing), "differing_columns": columns}


def run(quick: bool) -> dict[str, Any]:
    patients = int(os.environ.get("CALDICOTT_BENCH_VIEWS_PATIENTS", 2_000 if quick else 100_000))
    cache = Path(os.environ.get("CALDICOTT_BENCH_CACHE", tempfile.gettempdir()))
    export = _population(patients, cache)
    work = Path(tempfile.mkdtemp(prefix="bench-views-"))
    try:
        return _run(patients, export, _warehouse(export, work / "warehouse.duckdb"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(patients: int, export: Path, warehouse: Path) -> dict[str, Any]:
    pysof_missing = _pysof_missing()
    figures: dict[str, Any] = {
        "patients": patients,
        "peers": {"pysof": {"runs": pysof_missing is None, "why_not": pysof_missing}},
        "views": {},
    }
    for name in VIEWS:
        source = library.source(name)
        view = library.load(name)
        kind = view.resource
        lines = (export / f"{kind}.ndjson").read_bytes().splitlines()
        entry: dict[str, Any] = {"resources": len(lines)}
        runners: dict[str, Callable[[], list[Any]]] = {
            "duckdb": lambda v=view: DuckDBEngine().run(v, Warehouse(warehouse)).rows
        }
        if patients <= MEMORY_LIMIT:
            runners["memory"] = lambda v=view: MemoryEngine().run(v, Warehouse(warehouse)).rows
        if pysof_missing is None:
            bundle = (
                b'{"resourceType":"Bundle","type":"collection","entry":['
                + b",".join(b'{"resource":' + line + b"}" for line in lines)
                + b"]}"
            )
            runners["pysof"] = _pysof(source, bundle, [c.name for c in view.columns])
        else:
            entry["pysof"] = {"error": "not run: see peers.pysof.why_not"}
        resources = [orjson.loads(line) for line in lines]
        # The warehouse here is loaded from the export directly, not through ingest: say
        # how many resources lack the element tables' shape the DuckDB engine relies on.
        entry["not_of_the_tables_shape"] = sum(1 for r in resources if not conforms(r))
        try:
            f4 = _fhir4ds(source, resources)
            runners["fhir4ds"] = lambda r=f4: r(False)
            runners["fhir4ds_online"] = lambda r=f4: r(True)
        except Exception as exc:
            entry["fhir4ds"] = {"error": f"{type(exc).__name__}: {str(exc)[:160]}"}
        found: dict[str, list[Any] | None] = {}
        for runner, (figure, rows) in _timed(runners).items():
            entry[runner], found[runner] = figure, rows
        del runners, resources
        ours_rows = found.pop("duckdb")
        ours = entry["duckdb"].get("rows_per_s")
        for peer in PEERS:
            theirs = entry.get(peer, {}).get("rows_per_s")
            if ours and theirs:
                entry[f"ratio_vs_{peer}"] = round(ours / theirs, 2)
            rows = found.get(peer)
            if ours_rows is not None and rows is not None:
                entry[peer].update(_agreement(ours_rows, rows))
        figures["views"][name] = entry
    return figures
