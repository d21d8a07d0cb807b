"""What ingest needs from a warehouse engine: the write side every engine implements.

DuckDB (:class:`~caldicott.store.warehouse.duckdb_store.DuckDBWarehouse`) implements it
today; a Spark warehouse implements the same methods over its tables. The contract of
:meth:`write_batch`: all of the batch or none of it (a kill mid-batch leaves the previous
state), idempotent (the same rows again change nothing), newest version current, older
versions in ``fhir_history`` once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from caldicott.store.warehouse.duckdb_store import Columns, WriteCounts


class WarehouseWriter(Protocol):
    def resource_types(self) -> list[str]:
        """Types that have a table."""
        ...

    def count(self, resource_type: str) -> int:
        """Current resources of a type."""
        ...

    def absent_ids(self, resource_type: str, ids: Sequence[str]) -> set[str]:
        """Which of these distinct ids are not current resources of the type."""
        ...

    def json_values(self, resource_type: str, ids: list[str], element: str) -> dict[str, str]:
        """A top-level string element of the resources with these ids."""
        ...

    def write_batch(self, load_id: str, batch: Columns) -> dict[str, WriteCounts]:
        """Write one batch (records as columns) atomically and idempotently."""
        ...
