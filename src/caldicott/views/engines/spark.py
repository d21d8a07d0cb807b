"""The Spark engine: the shared SQL generator with a Spark dialect, PySpark in local mode.

Items are Spark VARIANT values parsed from the ``resource`` JSON text, whose decimals are
tagged strings holding their written text (``tagged_decimals``); lists are arrays of VARIANT;
lambdas are Spark higher-order functions (``spark_dialect``). One SparkSession per
process, started on first use (local[1], UI off, one shuffle partition) unless one is
passed in.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from caldicott.applog import get_logger
from caldicott.errors import (
    CaldicottError,
    SettingsError,
    StoreUnavailable,
    Unsupported,
    ValidationFailed,
)
from caldicott.store.warehouse import DuckDBWarehouse, table_name
from caldicott.views.engines.base import (
    INTEGER_OVERFLOW,
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
from caldicott.views.fhirpath.types import INTEGER_TYPES
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
            .config("spark.ui.showConsoleProgress", "false")
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
        builder = builder.config(ANSI, "true")
        _SESSION = builder.getOrCreate()
        quieten(_SESSION)
    return _SESSION


#: PySpark's Python loggers that log a failed query's message (which quotes the data) when
#: its exception is made; they write to standard error by themselves (no propagation).
PYSPARK_QUERY_LOGGERS = ("SQLQueryContextLogger", "DataFrameQueryContextLogger")


def quieten(session: Any) -> None:
    """Keep a failed query's message, which may quote a value from the data, off the
    console: Spark's executor and scheduler log a failed task's exception (``ERROR
    Executor: Exception in task ... The variant value `"Clarke"` ...``), and PySpark logs
    the message of an error with a query context. caldicott reports the failure itself,
    without the values (:func:`spark_failure`), so the session it makes logs nothing.
    """
    session.sparkContext.setLogLevel("OFF")
    from pyspark.logger import PySparkLogger

    for name in PYSPARK_QUERY_LOGGERS:
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL + 1)


#: The setting the compiled SQL relies on for errors where Spark would otherwise give a
#: wrong answer (integer overflow, failed casts); Spark 4's default.
ANSI = "spark.sql.ansi.enabled"

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
        if str(self.session.conf.get(ANSI, "true")).lower() != "true":
            raise SettingsError(
                f"the Spark session has {ANSI}=false: without ANSI mode Spark wraps integer "
                "overflow round and makes bad values null, so a view's answers could be wrong"
            )
        name = table_name(view.resource)
        frame = self.session.createDataFrame([(t,) for t in texts], "resource STRING")
        frame.createOrReplaceTempView(name)
        sql, params = self.compile(view, f"`{name}`")
        try:
            raw = self.session.sql(sql, args=params).collect()
        except Exception as exc:  # Spark raises its own exception types for runtime errors
            raise spark_failure(exc, view, sql) from None
        rows = []
        for row in raw:
            cells = zip(columns, row, strict=True)
            rows.append(tuple(untag(decode_cell(c, _plain(v))) for c, v in cells))
        return ViewResult(names, rows)


#: A Spark error class, as its messages begin: ``[AGGREGATE_OUT_OF_MEMORY]``.
_ERROR_CLASS = re.compile(r"\[([A-Z][A-Z0-9_]*(?:\.[A-Z][A-Z0-9_]*)*)\]")
#: Java class names (``org.apache.spark.SparkOutOfMemoryError``).
_JAVA_CLASS = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")
#: The error class of the failures the SQL's own ``raise_error`` calls raise.
_RAISED = "USER_RAISED_EXCEPTION"
#: SQL types Spark names in a cast that failed, and the view column types cast to them
#: (``SparkDialect`` casts integer columns to BIGINT, decimal to DOUBLE, boolean to BOOLEAN).
_CAST_TYPES: dict[str, frozenset[str]] = {
    "BIGINT": INTEGER_TYPES,
    "DOUBLE": frozenset({"decimal"}),
    "BOOLEAN": frozenset({"boolean"}),
}
#: Parameters of Spark's messages that name a SQL type, never a value.
_TYPE_PARAMETERS = ("dataType", "targetType")


def spark_failure(
    exc: Exception, view: ViewDefinition | None = None, sql: str | None = None
) -> CaldicottError:
    """The error to raise for an exception from running a view's SQL on Spark.

    Spark's messages quote the data they failed on (``The variant value `"Clarke"` cannot
    be cast``), so none of Spark's own text is passed on: only its error class, a SQL type
    it names and the view's columns of that type. The one exception is the text of the
    view's own ``raise_error`` calls (``USER_RAISED_EXCEPTION``), which caldicott wrote:
    it is kept when it is in the view's ``sql`` (or, without the SQL, on its error class).
    """
    java = getattr(exc, "java_exception", None)
    if java is not None:
        # Not one of PySpark's own errors: a failure of the JVM, such as running out of
        # memory. Its cause, not py4j's "An error occurred while calling o1.collectToPython":
        # the Java class and the Spark error class that begins its message, never the rest.
        first = next(iter(str(java.toString()).splitlines()), "")
        java_class, _, rest = first.partition(":")
        named = [java_class.strip() if _JAVA_CLASS.fullmatch(java_class.strip()) else "JVM error"]
        if found := _ERROR_CLASS.match(rest.strip()):
            named.append(found.group(0))
        return CaldicottError(f"Spark failed to run the view: {' '.join(named)}")
    condition = _condition(exc)
    if condition == "ARITHMETIC_OVERFLOW":  # of a BIGINT operation (ANSI mode)
        return ValidationFailed(INTEGER_OVERFLOW)
    if condition == _RAISED:
        raised = _raised_text(exc)
        if raised is not None and (sql is None or SparkDialect().quote(raised)[1:-1] in sql):
            if raised.startswith("Unsupported:"):
                return Unsupported(raised)
            return ValidationFailed(f"[{_RAISED}] {raised}")
    if condition is None:
        text = str(exc).splitlines()[0] if str(exc) else ""
        if sql is None and "Unsupported:" in text:  # no SQL to check it against: trusted
            return Unsupported(text[text.index("Unsupported:") :])
        if not text:
            return ValidationFailed(type(exc).__name__)
        return ValidationFailed(f"Spark failed to run the view ({type(exc).__name__})")
    return ValidationFailed(f"Spark failed to run the view: [{condition}]{_cast_detail(exc, view)}")


def _condition(exc: Exception) -> str | None:
    """Spark's error class for an exception: PySpark's ``getCondition()``, else the class
    its message begins with."""
    get = getattr(exc, "getCondition", None)
    if callable(get):
        try:
            condition = get()
        except Exception:  # py4j calls: the JVM may be gone
            condition = None
        if isinstance(condition, str) and _ERROR_CLASS.fullmatch(f"[{condition}]"):
            return condition
    found = _ERROR_CLASS.match(str(exc))
    return found.group(1) if found else None


def _parameters(exc: Exception) -> dict[str, str]:
    get = getattr(exc, "getMessageParameters", None)
    if not callable(get):
        return {}
    try:
        found = get()
    except Exception:  # py4j calls: the JVM may be gone
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _raised_text(exc: Exception) -> str | None:
    """The message of a ``raise_error`` call: PySpark's parameter, or the first line."""
    text = _parameters(exc).get("errorMessage")
    if text is not None:
        return text
    first = next(iter(str(exc).splitlines()), "")
    _, bracket, rest = first.partition("]")
    return rest.strip().removesuffix(" SQLSTATE: P0001") if bracket else None


def _cast_detail(exc: Exception, view: ViewDefinition | None) -> str:
    """For a failed cast: the SQL type and the view's columns cast to it (Spark's message
    names the value too, which is not given)."""
    params = _parameters(exc)
    sql_type = next(
        (
            params[k].strip('"')
            for k in _TYPE_PARAMETERS
            if params.get(k, "").strip('"') in _CAST_TYPES
        ),
        None,
    )
    if sql_type is None:
        return ""
    detail = f" a value in the data cannot be cast to {sql_type}"
    columns = [c for c in view.columns if c.type in _CAST_TYPES[sql_type]] if view else []
    if not columns:
        return detail
    named = ", ".join(f"{c.name!r} ({c.path.location}, {c.type})" for c in columns)
    return f"{detail}; columns of that type: {named}"


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "toJson"):
        return value.toJson()
    return value
