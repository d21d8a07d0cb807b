"""The entry points interfaces call: run a load with the stores a Settings object names."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from caldicott.errors import InvalidArgument, Unsupported
from caldicott.ingest.loader import Advance, Loader, LoadResult
from caldicott.settings import Settings
from caldicott.store.control import ControlPlane
from caldicott.store.warehouse import DuckDBWarehouse

#: Memory DuckDB may use while loading; it spills to disk beyond (ingest stays < 2 GiB).
#: 768 MB let the loader peak at 1.35-1.7 GiB at 100,000 patients, 512 MB at 1.1 GiB,
#: no slower (the committed rows it holds until a checkpoint are most of it).
WAREHOUSE_MEMORY_MB = 512
#: Write-ahead log DuckDB may accumulate during a load before it checkpoints.
CHECKPOINT_MB = 512


def open_warehouse(settings: Settings, *, read_only: bool = False) -> DuckDBWarehouse:
    """The configured warehouse; ingest writes to DuckDB (the default engine)."""
    if settings.engine != "duckdb":
        raise Unsupported(
            f"ingest writes to the DuckDB warehouse; CALDICOTT_ENGINE={settings.engine} "
            "is not supported for loading yet"
        )
    if read_only and not settings.warehouse_path.exists():
        return DuckDBWarehouse(None)
    return DuckDBWarehouse(settings.warehouse_path, read_only=read_only)


def ingest(
    settings: Settings,
    control: ControlPlane,
    paths: Sequence[Path],
    *,
    source: str | None = None,
    advance: Advance | None = None,
) -> LoadResult:
    """Load files and folders of FHIR NDJSON and Bundles; return the accounting."""
    if not paths:
        raise InvalidArgument("give at least one file or folder to load")
    if source is not None and not (0 < len(source) <= 200):
        raise InvalidArgument("--source must be 1 to 200 characters")
    with open_warehouse(settings) as warehouse:
        # DuckDB's buffer pool would otherwise grow towards 80% of RAM on a long load
        warehouse.conn.execute(f"SET memory_limit = '{WAREHOUSE_MEMORY_MB}MB'")
        # A checkpoint at every batch's commit (the default threshold is 16 MB) rewrote the
        # table's last, partly filled row group each time; committed batches wait in the
        # write-ahead log instead (durable, replayed if the load is killed)
        warehouse.conn.execute(f"SET checkpoint_threshold = '{CHECKPOINT_MB}MB'")
        return Loader(settings, control, warehouse, source=source, advance=advance).run(paths)
