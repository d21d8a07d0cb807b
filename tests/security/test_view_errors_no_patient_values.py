"""A view that fails inside an engine says so without quoting the data it failed on.

DuckDB's conversion errors and Java's NumberFormatException name the value they could not
convert, which may be a patient's; the error a user sees names only the class.
"""

from __future__ import annotations

from typing import Any

import pytest

from caldicott.errors import CaldicottError
from caldicott.views import parse_view
from caldicott.views.engines.base import ResourceList
from caldicott.views.engines.duckdb import DuckDBEngine
from caldicott.views.engines.spark import spark_failure

SURNAME = "Smith-Quoted"


class _Java:
    def toString(self) -> str:  # py4j's name
        return f'java.lang.NumberFormatException: For input string: "{SURNAME}"'


class _Py4JLike(Exception):
    java_exception = _Java()


def test_a_jvm_failure_names_the_java_class_only() -> None:
    error = spark_failure(_Py4JLike("An error occurred while calling o9.collectToPython."))
    assert error.message == "Spark failed to run the view: java.lang.NumberFormatException"
    assert SURNAME not in str(error.problem())


def test_a_duckdb_conversion_failure_names_its_class_only(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = DuckDBEngine()

    def converting(*_: Any, **__: Any) -> tuple[str, dict[str, Any]]:
        family = "json_extract_string(resource, '$.name[0].family')"
        sql = f"SELECT CAST({family} AS INTEGER) FROM fhir_Patient"
        return sql, {}

    monkeypatch.setattr(engine, "compile", converting)
    view = parse_view(
        {
            "resourceType": "ViewDefinition",
            "resource": "Patient",
            "select": [{"column": [{"name": "i", "path": "id", "type": "id"}]}],
        }
    )
    patient = {"resourceType": "Patient", "id": "p", "name": [{"family": SURNAME}]}
    with pytest.raises(CaldicottError) as caught:
        engine.run(view, ResourceList((patient,)))
    assert caught.value.message == "DuckDB failed to run the view (ConversionException)"
    assert SURNAME not in str(caught.value.problem())


def test_duckdb_input_errors_of_its_own_are_not_passed_on_as_the_views(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DuckDB's malformed-JSON error quotes the input; only the view's own error() text
    (which is in the SQL) is shown as a validation failure."""
    engine = DuckDBEngine()

    def malformed(*_: Any, **__: Any) -> tuple[str, dict[str, Any]]:
        return f"SELECT json_extract('{{\"a\": {SURNAME}}}', '$.a') FROM fhir_Patient", {}

    monkeypatch.setattr(engine, "compile", malformed)
    view = parse_view(
        {
            "resourceType": "ViewDefinition",
            "resource": "Patient",
            "select": [{"column": [{"name": "i", "path": "id", "type": "id"}]}],
        }
    )
    with pytest.raises(CaldicottError) as caught:
        engine.run(view, ResourceList(({"resourceType": "Patient", "id": "p"},)))
    assert caught.value.message == "DuckDB failed to run the view (InvalidInputException)"
    assert SURNAME not in str(caught.value.problem())
