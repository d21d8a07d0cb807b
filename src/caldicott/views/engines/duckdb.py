"""The DuckDB engine: views compiled to one SQL query over the warehouse tables."""

from __future__ import annotations

import re
from typing import Any

import duckdb
import orjson

from caldicott.errors import CaldicottError, StoreUnavailable, Unsupported, ValidationFailed
from caldicott.store.warehouse import table_name
from caldicott.views.engines.base import (
    INTEGER_OVERFLOW,
    Capabilities,
    ResourceList,
    Source,
    ViewResult,
    Warehouse,
    ensure_supported,
    features,
    widened,
)
from caldicott.views.engines.duckdb_decimals import DecimalTextDialect, tagged_source
from caldicott.views.engines.sql import SqlGenerator
from caldicott.views.engines.sql_dialect import Dialect, quote_text
from caldicott.views.engines.tagged_decimals import untag
from caldicott.views.fhirpath.elements import conforms
from caldicott.views.fhirpath.types import INTEGER_TYPES, STRING_TYPES
from caldicott.views.model import Column, ViewDefinition

UNSUPPORTED: dict[str, str] = {}

PLACEHOLDER = re.compile(r"\$(p[0-9]+)")
#: What needs a decimal's written digits, which DuckDB's JSON functions lose.
WRITTEN_DIGITS = frozenset({"fn:lowBoundary", "fn:highBoundary", "op:~", "op:!~"})


def needs_written_digits(view: ViewDefinition) -> bool:
    """Whether the view must see decimals as written (see ``duckdb_decimals``)."""
    return not WRITTEN_DIGITS.isdisjoint(features(view))


def decode_cell(col: Column, value: Any) -> Any:
    """A cell as the memory engine gives it: JSON text parsed, typed values kept."""
    if col.collection and isinstance(value, list):
        return [decode_item(col, v) for v in value]
    return decode_item(col, value)


def _needs_decoding(col: Column) -> bool:
    """Whether a column's cells may arrive as JSON text (see :func:`decode_item`)."""
    return col.collection or not (
        col.type in STRING_TYPES or col.type in INTEGER_TYPES or col.type in ("boolean", "decimal")
    )


def decode_item(col: Column, value: Any) -> Any:
    if value is None:
        return None
    if col.type in STRING_TYPES or col.type in INTEGER_TYPES or col.type in ("boolean", "decimal"):
        return value
    if isinstance(value, str):
        return orjson.loads(value)
    return value


#: DuckDB optimizers switched off while a view runs. ``projection_pullup`` (DuckDB 2.0)
#: fails with an internal binder error on a lateral subquery that selects a constant
#: beside the column of a lateral nested in it (a view whose select has a constant column
#: and a nested select, beside a forEach: found by the differential test); the built-in
#: views took the same time without it (docs/views.md).
DISABLED_OPTIMIZERS = ("projection_pullup",)


class DuckDBEngine:
    name = "duckdb"
    capabilities = Capabilities(UNSUPPORTED)

    def compile(
        self, view: ViewDefinition, table: str, typed: bool = True
    ) -> tuple[str, dict[str, Any]]:
        """The view's SQL; ``typed``: the resources have the shape of the FHIR R4 element
        tables (true of the warehouse, which holds only validated resources)."""
        ensure_supported(self, view)
        written = needs_written_digits(view)
        dialect = DecimalTextDialect() if written else Dialect()
        dialect.typed_paths = typed and not written
        compiled = SqlGenerator(dialect, view).compile(table)
        # Typed paths may leave a constant's JSON form unused; DuckDB refuses unused ones.
        used = set(PLACEHOLDER.findall(compiled.sql))
        return compiled.sql, {k: v for k, v in compiled.params.items() if k in used}

    def run(self, view: ViewDefinition, source: Source) -> ViewResult:
        ensure_supported(self, view)
        if isinstance(source, ResourceList):
            conn = duckdb.connect()
            try:
                load_resources(conn, view.resource, source)
                typed = all(conforms(r) for r in source.of_type(view.resource))
                return self.execute(conn, view, typed)
            finally:
                conn.close()
        assert isinstance(source, Warehouse)
        try:
            conn = duckdb.connect(str(source.path), read_only=True)
        except duckdb.Error as exc:
            raise StoreUnavailable(f"cannot open the warehouse at {source.path}: {exc}") from None
        try:
            return self.execute(conn, view)
        finally:
            conn.close()

    def execute(
        self, conn: duckdb.DuckDBPyConnection, view: ViewDefinition, typed: bool = True
    ) -> ViewResult:
        table = f'"{table_name(view.resource)}"'
        exists = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
            [table_name(view.resource)],
        ).fetchone()
        columns = view.columns
        names = tuple(c.name for c in columns)
        if not exists or not exists[0]:
            return ViewResult(names, [])
        written = needs_written_digits(view)
        if written:
            table = tagged_source(table)  # decimals as written (see duckdb_decimals)
        sql, params = self.compile(view, table, typed)
        try:
            conn.execute(f"SET disabled_optimizers = '{','.join(DISABLED_OPTIMIZERS)}'")
            raw = conn.execute(sql, params).fetchall()
        except duckdb.InvalidInputException as exc:
            message = _message(exc)
            if quote_text(message)[1:-1] in sql:  # an error() the view's SQL raises
                if message.startswith("Unsupported:"):  # what the SQL cannot answer right
                    raise Unsupported(message) from None
                raise ValidationFailed(message) from None
            raise internal_failure(exc) from None  # DuckDB's own; it may quote the data
        except duckdb.OutOfRangeException as exc:
            if _message(exc).startswith("Overflow in "):  # of a BIGINT operation
                raise ValidationFailed(INTEGER_OVERFLOW) from None
            raise internal_failure(exc) from None
        except duckdb.Error as exc:
            raise internal_failure(exc) from None
        if written:  # tagged decimals in JSON cells become Decimals
            cells = [tuple(zip(columns, row, strict=True)) for row in raw]
            return ViewResult(names, [tuple(untag(decode_cell(c, v)) for c, v in r) for r in cells])
        if not any(_needs_decoding(c) for c in columns):
            return ViewResult(names, raw)  # typed cells come from DuckDB as they are
        rows = [tuple(decode_cell(c, v) for c, v in zip(columns, row, strict=True)) for row in raw]
        return ViewResult(names, rows)


def internal_failure(exc: Exception) -> CaldicottError:
    """A failure inside DuckDB: a bug (ours or DuckDB's), never the user's view or data.

    An internal error, not a native stack trace. DuckDB's own words are kept only for its
    internal errors (about its plan, never a value); other messages may quote a value
    from the data (``Could not convert string ...``), so only their class is given.
    """
    if isinstance(exc, duckdb.InternalException):
        return CaldicottError(f"DuckDB failed to run the view: {_message(exc)}")
    return CaldicottError(f"DuckDB failed to run the view ({type(exc).__name__})")


def _message(exc: Exception) -> str:
    text = str(exc).splitlines()[0]
    return text.split("Error: ", 1)[-1]


def load_resources(
    conn: duckdb.DuckDBPyConnection, resource_type: str, source: ResourceList
) -> None:
    """A warehouse-shaped table of one type in a scratch connection (suite, tests)."""
    name = table_name(resource_type)
    conn.execute(
        f'CREATE TABLE "{name}" (id VARCHAR, version_id VARCHAR, last_updated VARCHAR, '
        "load_id VARCHAR, resource JSON)"
    )
    rows = [(str(r.get("id")), _dumps(r)) for r in source.of_type(resource_type)]
    if rows:
        conn.executemany(f'INSERT INTO "{name}" (id, resource) VALUES (?, ?)', rows)  # noqa: S608


def _dumps(resource: Any) -> str:
    try:
        return orjson.dumps(resource, default=_default).decode()
    except TypeError:  # an integer beyond 64 bits, written as a decimal of its digits
        return orjson.dumps(widened(resource), default=_default).decode()


def _default(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return orjson.Fragment(str(value))
    raise TypeError(type(value).__name__)
