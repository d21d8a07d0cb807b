"""The Spark engine: the shared SQL generator with a Spark dialect, PySpark in local mode.

Items are Spark VARIANT values parsed from the ``resource`` JSON text, whose decimals are
tagged strings holding their written text (``tagged_decimals``); lists are arrays of VARIANT;
lambdas are Spark higher-order functions (``spark_dialect``). One SparkSession per
process, started on first use (local[1], UI off, one shuffle partition) unless one is
passed in.
"""

from __future__ import annotations

import re
from typing import Any

from caldicott.applog import get_logger
from caldicott.errors import CaldicottError, StoreUnavailable, Unsupported, ValidationFailed
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
from caldicott.views.engines.spark_dialect import SparkDialect
from caldicott.views.engines.sql import SqlGenerator
from caldicott.views.engines.tagged_decimals import tagged_text, tagged_text_of_json, untag
from caldicott.views.model import ViewDefinition

_SESSION: Any = None
log = get_logger(__name__)

#: Settings a long-lived session needs (see :func:`spark_session`), and their values.
NEEDED_SETTINGS = {
    "spark.sql.parser.manageParserCaches": "true",
    "spark.sql.parser.parserDfaCacheFlushRatio": "2",
}


def missing_settings(session: Any) -> list[str]:
    """The needed settings a session (a deployment's own, say) does not have."""
    conf = session.conf
    return [k for k, v in NEEDED_SETTINGS.items() if str(conf.get(k, "")).lower() != v]


def spark_session() -> Any:
    """The process's SparkSession (local mode, small, quiet)."""
    global _SESSION
    if _SESSION is None:
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise StoreUnavailable("PySpark is not installed (uv sync --extra spark)") from None
        builder = (
            SparkSession.builder.master("local[1]")
            .appName("caldicott-views")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "1")
            .config("spark.default.parallelism", "1")
            # 2g for headroom; the parser cache below was what filled 1g in a long process
            .config("spark.driver.memory", "2g")
            # A view's lateral joins each aggregate, and each aggregation takes at least a
            # page; small pages keep a small query's many aggregations small.
            .config("spark.buffer.pageSize", "2m")
        )
        # Spark's SQL parser (ANTLR) keeps a DFA cache that grows with every long query and
        # is never emptied by default: ~0.8 GB after the conformance suite, then
        # aggregations fail for want of memory. Let Spark flush it past 2% of memory.
        for key, value in NEEDED_SETTINGS.items():
            builder = builder.config(key, value)
        _SESSION = builder.getOrCreate()
        _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION


SPARK_UNSUPPORTED = dict(UNSUPPORTED)


class SparkEngine:
    name = "spark"
    capabilities = Capabilities(SPARK_UNSUPPORTED)

    def __init__(self, session: Any = None) -> None:
        self._session = session
        if session is not None and (missing := missing_settings(session)):
            # Spark reads these when the session starts: the deployment must set them.
            log.warning(
                "spark session lacks settings that keep long runs within memory",
                extra={"missing": missing},
            )

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
            texts = [tagged_text(r) for r in source.of_type(view.resource)]
        else:
            assert isinstance(source, Warehouse)
            with DuckDBWarehouse(source.path, read_only=True) as store:
                texts = [tagged_text_of_json(t) for t in store.iter_texts(view.resource)]
        return self._execute(view, texts)

    def run_texts(self, view: ViewDefinition, texts: list[str]) -> ViewResult:
        """Run a view over resources given as JSON text (each decimal kept as written)."""
        ensure_supported(self, view)
        return self._execute(view, [tagged_text_of_json(t) for t in texts])

    def _execute(self, view: ViewDefinition, texts: list[str]) -> ViewResult:
        """Run a view over resources already in the form :func:`tagged_text` gives."""
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
            raise spark_failure(exc) from None
        rows = []
        for row in raw:
            cells = zip(columns, row, strict=True)
            rows.append(tuple(untag(decode_cell(c, _plain(v))) for c, v in cells))
        return ViewResult(names, rows)


#: Spark's error classes, as its messages name them: ``[AGGREGATE_OUT_OF_MEMORY]``.
_ERROR_CLASS = re.compile(r"\[[A-Z][A-Z0-9_.]*\]")


def spark_failure(exc: Exception) -> CaldicottError:
    """The error to raise for an exception from running a view's SQL on Spark."""
    java = getattr(exc, "java_exception", None)
    if java is not None:
        # Not one of PySpark's own errors (those carry the view's message): a failure of
        # the JVM, such as running out of memory. Its cause, not py4j's "An error occurred
        # while calling o1.collectToPython": the Java class and Spark's error classes
        # (``[AGGREGATE_OUT_OF_MEMORY]``), never the rest, which may quote a value.
        first = str(java.toString()).splitlines()[0]
        named = [first.split(":", 1)[0].strip(), *_ERROR_CLASS.findall(first)]
        return CaldicottError(f"Spark failed to run the view: {' '.join(named)[:500]}")
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "Unsupported:" in message:
        return Unsupported(message[message.index("Unsupported:") :])
    return ValidationFailed(message[:500])


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "toJson"):
        return value.toJson()
    return value
