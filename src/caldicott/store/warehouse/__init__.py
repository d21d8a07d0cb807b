"""The data plane: FHIR resources kept queryable by type.

The contract every engine relies on (DuckDB file by default, in the data folder):

- one table per resource type, named by :func:`table_name` (``fhir_Patient``), with
  columns ``id VARCHAR`` (unique: the writer keeps one current row per id), ``version_id
  VARCHAR``, ``last_updated VARCHAR`` (FHIR instant text), ``load_id VARCHAR`` and
  ``resource JSON`` (the resource as loaded);
- ``fhir_history`` keeps every superseded version with the same columns plus
  ``resource_type`` and ``superseded_at``.

Views (SQL on FHIR) compile to SQL over the ``resource`` column of these tables. Ingest
writes through :class:`WarehouseWriter` (``writer.py``), which any engine implements.
"""

from caldicott.store.warehouse.duckdb_store import (
    Columns,
    DuckDBWarehouse,
    Row,
    WriteCounts,
    table_name,
)
from caldicott.store.warehouse.texts import Texts
from caldicott.store.warehouse.writer import WarehouseWriter

__all__ = [
    "Columns",
    "DuckDBWarehouse",
    "Row",
    "Texts",
    "WarehouseWriter",
    "WriteCounts",
    "table_name",
]
