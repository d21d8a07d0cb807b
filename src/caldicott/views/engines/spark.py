"""The Spark engine: the shared SQL generator with a Spark dialect, PySpark in local mode.

Items are Spark VARIANT values parsed from the ``resource`` JSON text; lists are arrays of
VARIANT; lambdas are Spark higher-order functions. One SparkSession per process, started
on first use (local[1], UI off, one shuffle partition) unless one is passed in.
"""

from __future__ import annotations

from typing import Any

import orjson

from caldicott.errors import StoreUnavailable, ValidationFailed
from caldicott.store.warehouse import DuckDBWarehouse, table_name
from caldicott.views.engines.base import (
    Capabilities,
    ResourceList,
    Source,
    ViewResult,
    Warehouse,
    ensure_supported,
)
from caldicott.views.engines.duckdb import UNSUPPORTED, decode_cell
from caldicott.views.engines.sql import SqlGenerator
from caldicott.views.engines.sql_dialect import Dialect, element_key, quote_text
from caldicott.views.model import ViewDefinition

_SESSION: Any = None


def spark_session() -> Any:
    """The process's SparkSession (local mode, small, quiet)."""
    global _SESSION
    if _SESSION is None:
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise StoreUnavailable("PySpark is not installed (uv sync --extra spark)") from None
        _SESSION = (
            SparkSession.builder.master("local[1]")
            .appName("caldicott-views")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "1")
            .config("spark.default.parallelism", "1")
            .config("spark.driver.memory", "1g")
            .getOrCreate()
        )
        _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION


class SparkDialect(Dialect):
    name = "spark"
    json_type_name = "VARIANT"
    bind_items = True

    def placeholder(self, key: str) -> str:
        return f":{key}"

    def quote(self, text: str) -> str:
        body = quote_text(text, backslash=True)[1:-1].replace("''", "\\'")
        return f"'{body}'"

    def lam(self, var: str, body: str) -> str:
        return f"{var} -> {body}"

    def empty(self) -> str:
        return "CAST(array() AS ARRAY<VARIANT>)"

    def list_of(self, item: str) -> str:
        return f"array({item})"

    def length(self, coll: str) -> str:
        return f"size({coll})"

    def filter(self, coll: str, var: str, body: str) -> str:
        return f"filter({coll}, {self.lam(var, body)})"

    def transform(self, coll: str, var: str, body: str) -> str:
        return f"transform({coll}, {self.lam(var, body)})"

    def concat(self, a: str, b: str) -> str:
        return f"concat({a}, {b})"

    def first(self, coll: str) -> str:
        return f"slice({coll}, 1, 1)"

    def last(self, coll: str) -> str:
        return f"(CASE WHEN size({coll}) = 0 THEN {coll} ELSE slice({coll}, -1, 1) END)"

    def at(self, coll: str, one_based: str) -> str:
        return f"try_element_at({coll}, {one_based})"

    def slice_at(self, coll: str, zero_based: str) -> str:
        return (
            f"(CASE WHEN ({zero_based}) >= 0 THEN slice({coll}, ({zero_based}) + 1, 1) "
            f"ELSE {self.empty()} END)"
        )

    def contains(self, coll: str, item: str) -> str:
        return f"array_contains({coll}, {item})"

    def let(self, value: str, var: str, body: str) -> str:
        return f"element_at(transform(array({value}), {self.lam(var, body)}), 1)"

    def join_strings(self, coll: str, sep: str) -> str:
        return f"array_join({coll}, {sep})"

    def key_path(self, key: str) -> str:
        return self.quote(f"$.{element_key(key)}")

    def kind(self, item: str) -> str:
        return f"schema_of_variant({item})"

    def child_kind(self, item: str, key: str) -> str:
        return f"schema_of_variant({self.child(item, key)})"

    def child(self, item: str, key: str) -> str:
        return f"variant_get({item}, {self.key_path(key)})"

    def child_array(self, item: str, key: str) -> str:
        return f"CAST({self.child(item, key)} AS ARRAY<VARIANT>)"

    def items_of(self, array_item: str) -> str:
        return f"CAST({array_item} AS ARRAY<VARIANT>)"

    def prefetch(self, item: str, keys: list[str]) -> str | None:
        return None  # VARIANT is parsed once already

    def keys(self, item: str) -> str:
        return f"map_keys(CAST({item} AS MAP<STRING, VARIANT>))"

    def child_dynamic(self, item: str, key_sql: str) -> str:
        return f"element_at(CAST({item} AS MAP<STRING, VARIANT>), {key_sql})"

    def string(self, item: str) -> str:
        return f"CAST({item} AS STRING)"

    def text(self, item: str) -> str:
        return f"to_json({item})"

    def json_param(self, json_text: str) -> str:
        return f"parse_json({self.param(json_text)})"

    def to_json(self, scalar: str) -> str:
        return f"CAST({scalar} AS VARIANT)"

    def is_number(self, kind: str) -> str:
        return f"({self.is_integer(kind)} OR {self.is_decimal(kind)})"

    def is_integer(self, kind: str) -> str:
        return f"{kind} IN ('BIGINT', 'INT', 'SMALLINT', 'TINYINT')"

    def is_decimal(self, kind: str) -> str:
        return f"({kind} LIKE 'DECIMAL%' OR {kind} IN ('DOUBLE', 'FLOAT'))"

    def is_string(self, kind: str) -> str:
        return f"{kind} = 'STRING'"

    def is_array(self, kind: str) -> str:
        return f"{kind} LIKE 'ARRAY%'"

    def is_object(self, kind: str) -> str:
        return f"{kind} LIKE 'OBJECT%'"

    def is_absent(self, kind: str) -> str:
        return f"({kind} IS NULL OR {kind} = 'VOID')"

    def error(self, message: str, sql_type: str) -> str:
        return f"CAST(raise_error({self.quote(message)}) AS {sql_type})"

    def regex_match(self, text: str, pattern: str) -> str:
        return f"regexp_like({text}, {self.quote('^(?:' + pattern + ')$')})"

    def last_day(self, year: str, month: str) -> str:
        return (
            f"lpad(CAST(day(last_day(make_date(CAST({year} AS INT), "
            f"CAST({month} AS INT), 1))) AS STRING), 2, '0')"
        )

    def round(self, number: str, places: str) -> str:
        return number

    def power10(self, exponent: str) -> str:
        return f"power(10, {exponent})"

    def root_carried(self, column: str) -> str:
        return column

    def uncarry(self, carried: str) -> str:
        # Spark cannot correlate on VARIANT values, so items cross levels as JSON text.
        return f"parse_json({carried})"

    def int_pair(self, a: str, b: str) -> str:
        return f"array(CAST({a} AS INT), CAST({b} AS INT))"

    def decimal_boundary_guard(self, value: str) -> str:
        return self.error(
            "Unsupported: lowBoundary/highBoundary of a decimal on Spark (VARIANT drops the "
            "written precision)",
            "VARIANT",
        )

    def unnest_indexed(self, coll: str, item: str, index: str) -> str:
        texts = self.transform(coll, "_t", "to_json(_t)")
        return f"(SELECT posexplode({texts}) AS ({index}, {item}))"

    def ident(self, name: str) -> str:
        return f"`{element_key(name)}`"


SPARK_UNSUPPORTED = {
    **UNSUPPORTED,
    "repeat": "Spark SQL does not allow a recursive CTE to refer to the row it expands "
    "(a correlated recursive query)",
}


class SparkEngine:
    name = "spark"
    capabilities = Capabilities(SPARK_UNSUPPORTED)

    def __init__(self, session: Any = None) -> None:
        self._session = session

    @property
    def session(self) -> Any:
        if self._session is None:
            self._session = spark_session()
        return self._session

    def compile(self, view: ViewDefinition, table: str) -> tuple[str, dict[str, Any]]:
        ensure_supported(self, view)
        compiled = SqlGenerator(SparkDialect(), view).compile(table)
        return compiled.sql, compiled.params

    def run(self, view: ViewDefinition, source: Source) -> ViewResult:
        ensure_supported(self, view)
        if isinstance(source, ResourceList):
            texts = [
                orjson.dumps(r, default=_decimal).decode() for r in source.of_type(view.resource)
            ]
        else:
            assert isinstance(source, Warehouse)
            with DuckDBWarehouse(source.path, read_only=True) as store:
                texts = [orjson.dumps(r).decode() for r in store.iter_resources(view.resource)]
        return self.run_texts(view, texts)

    def run_texts(self, view: ViewDefinition, texts: list[str]) -> ViewResult:
        columns = view.columns
        names = tuple(c.name for c in columns)
        if not texts:
            return ViewResult(names, [])
        name = table_name(view.resource)
        frame = self.session.createDataFrame([(t,) for t in texts], "resource STRING")
        frame.createOrReplaceTempView(name)
        sql, params = self.compile(view, f"`{name}`")
        try:
            raw = self.session.sql(sql, args=params).collect()
        except Exception as exc:  # Spark raises its own exception types for runtime errors
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if "Unsupported:" in message:
                from caldicott.errors import Unsupported

                raise Unsupported(message[message.index("Unsupported:") :]) from None
            raise ValidationFailed(message[:500]) from None
        rows = []
        for row in raw:
            rows.append(tuple(decode_cell(c, _plain(v)) for c, v in zip(columns, row, strict=True)))
        return ViewResult(names, rows)


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "toJson"):
        return value.toJson()
    return value


def _decimal(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return orjson.Fragment(str(value))
    raise TypeError(type(value).__name__)
