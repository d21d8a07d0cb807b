"""A view that fails on Spark says so without quoting the data it failed on.

Spark's messages name the value they could not handle (``[INVALID_VARIANT_CAST] The variant
value `"Clarke"` cannot be cast``), and its executor logs the failed task's message to
standard error. The error a user sees carries Spark's error class and the view's own
columns; only the text of the view's own ``raise_error`` is passed on; and the session
caldicott makes logs nothing of a failed task.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.unit.views.ukdata import make_warehouse, patient

from caldicott.errors import CaldicottError, Unsupported, ValidationFailed
from caldicott.views import parse_view
from caldicott.views.engines.base import not_of_type
from caldicott.views.engines.spark import spark_failure
from caldicott.views.engines.spark_dialect import SparkDialect

SURNAME = "Quillfeather"
GIVEN = ("Araminta", "Bexley")
NHS = "9434765919"
#: What the data holds, none of which may reach an error, a log or the console.
VALUES = (SURNAME, *GIVEN, NHS, "1980-04-02", "LS1 4AP")


def _view(column: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "ViewDefinition",
        "name": "failing",
        "resource": "Patient",
        "select": [{"column": [{"name": "pid", "path": "id", "type": "id"}, column]}],
    }


SURNAME_AS_INTEGER = {"name": "family", "path": "name.family.first()", "type": "integer"}
#: How a view fails when a surname meets a column declared integer.
DECLARED = not_of_type("select[0].column[1].path", "family", "integer")


def _patient() -> dict[str, Any]:
    return patient("p1", NHS, name=[{"family": SURNAME, "given": list(GIVEN)}])


class _SparkLike(Exception):
    """Shaped like PySpark's captured exceptions: an error class and its parameters."""

    def __init__(self, condition: str, parameters: dict[str, str], message: str) -> None:
        super().__init__(message)
        self.condition, self.parameters = condition, parameters

    def getCondition(self) -> str:  # PySpark's names
        return self.condition

    def getMessageParameters(self) -> dict[str, str]:
        return self.parameters


def test_a_failed_cast_names_the_class_and_the_columns_of_that_type_only() -> None:
    raised = _SparkLike(
        "INVALID_VARIANT_CAST",
        {"value": f'"{SURNAME}"', "dataType": '"BIGINT"'},
        f'[INVALID_VARIANT_CAST] The variant value `"{SURNAME}"` cannot be cast into `"BIGINT"`.',
    )
    view = parse_view(_view(SURNAME_AS_INTEGER))
    error = spark_failure(raised, view, "SELECT ...")
    assert isinstance(error, ValidationFailed)
    assert error.message == (
        "Spark failed to run the view: [INVALID_VARIANT_CAST] a value in the data cannot be "
        "cast to BIGINT; columns of that type: 'family' (select[0].column[1].path, integer)"
    )
    assert SURNAME not in str(error.problem())


def test_an_unknown_type_parameter_is_not_passed_on() -> None:
    raised = _SparkLike(
        "CAST_INVALID_INPUT",
        {"expression": f"'{SURNAME}'", "targetType": f'"{SURNAME.upper()}"'},
        f"[CAST_INVALID_INPUT] The value '{SURNAME}' cannot be cast",
    )
    error = spark_failure(raised, parse_view(_view(SURNAME_AS_INTEGER)), "SELECT 1")
    assert error.message == "Spark failed to run the view: [CAST_INVALID_INPUT]"


def test_raised_text_is_kept_only_when_the_views_sql_raises_it() -> None:
    ours = "select[0].column[1].path: column 'g' found several values; set collection: true"
    sql = f"SELECT CAST(raise_error({SparkDialect().quote(ours)}) AS VARIANT)"
    raised = _SparkLike("USER_RAISED_EXCEPTION", {"errorMessage": ours}, "ignored")
    assert spark_failure(raised, None, sql).message == f"[USER_RAISED_EXCEPTION] {ours}"
    deep = "Unsupported: repeat goes deeper than 64 levels"
    raised = _SparkLike("USER_RAISED_EXCEPTION", {"errorMessage": deep}, "ignored")
    error = spark_failure(raised, None, f"SELECT raise_error('{deep}')")
    assert isinstance(error, Unsupported) and error.message == deep
    theirs = _SparkLike("USER_RAISED_EXCEPTION", {"errorMessage": SURNAME}, SURNAME)
    error = spark_failure(theirs, None, sql)
    assert error.message == "Spark failed to run the view: [USER_RAISED_EXCEPTION]"


def test_a_jvm_failure_keeps_only_a_leading_error_class() -> None:
    class _Java:
        def toString(self) -> str:  # py4j's name
            return f"org.apache.spark.SparkException: Job aborted: [{SURNAME.upper()}] x"

    class _Py4JLike(Exception):
        java_exception = _Java()

    error = spark_failure(_Py4JLike("An error occurred while calling o9.collectToPython."))
    assert error.message == "Spark failed to run the view: org.apache.spark.SparkException"


def test_an_unclassified_message_is_not_passed_on() -> None:
    error = spark_failure(RuntimeError(f"could not read {SURNAME}"), None, "SELECT 1")
    assert error.message == "Spark failed to run the view (RuntimeError)"


# --- on Spark itself ------------------------------------------------------------------


@pytest.mark.spark
def test_spark_errors_carry_no_value_in_process() -> None:
    """The session's own errors: a failed cast, and a column with several values."""
    pytest.importorskip("pyspark")
    from caldicott.views.engines import get_engine
    from caldicott.views.engines.base import ResourceList

    engine = get_engine("spark")
    source = ResourceList((_patient(),))
    with pytest.raises(ValidationFailed) as cast:
        engine.run(parse_view(_view(SURNAME_AS_INTEGER)), source)
    # the column's declared type is checked by the view's SQL (views/engines/sql.py), so
    # the failure is caldicott's own words, not Spark's cast error (which quotes the value)
    assert cast.value.message == f"[USER_RAISED_EXCEPTION] {DECLARED}"
    given = {"name": "given", "path": "name.given", "type": "string"}
    with pytest.raises(ValidationFailed) as several:
        engine.run(parse_view(_view(given)), source)
    assert several.value.message == (
        "[USER_RAISED_EXCEPTION] select[0].column[1].path: column 'given' found several "
        "values; set collection: true or narrow the path"
    )
    for error in (cast.value, several.value):
        assert isinstance(error, CaldicottError)
        for value in VALUES:
            assert value not in str(error.problem())


@pytest.mark.spark
def test_view_run_on_spark_prints_no_value_from_the_data(tmp_path: Path) -> None:
    """The whole command in a process of its own, so that everything the JVM writes to
    standard error is seen: no value in the error, the JSON problem or Spark's log."""
    pytest.importorskip("pyspark")
    home = tmp_path / "home"
    make_warehouse(home / "warehouse.duckdb", [_patient()])
    view = tmp_path / "failing.json"
    view.write_text(json.dumps(_view(SURNAME_AS_INTEGER)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALDICOTT_")}
    env["CALDICOTT_HOME"] = str(home)
    code = "import sys; from caldicott.cli.app import main; sys.exit(main(sys.argv[1:]))"
    args = ["view", "run", str(view), "--engine", "spark", "--json"]
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    for value in VALUES:
        assert value not in done.stdout, value
        assert value not in done.stderr, value  # Spark's log as well as caldicott's error
    assert "Exception in task" not in done.stderr
    assert done.returncode == ValidationFailed.kind.exit_code, done.stderr
    problem = json.loads(done.stdout)["error"]
    assert problem["detail"] == f"[USER_RAISED_EXCEPTION] {DECLARED}"
    shown = " ".join(done.stderr.split())  # the terminal's width wraps the message
    assert f"error: [USER_RAISED_EXCEPTION] {DECLARED}" in shown
    assert not (home / "outputs" / "views" / "failing.csv").exists()
