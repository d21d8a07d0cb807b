"""No user value reaches view SQL unquoted: literals and constants are bound parameters."""

from __future__ import annotations

import orjson
import pytest

from caldicott.views import parse_view
from caldicott.views.engines.base import ResourceList
from caldicott.views.engines.duckdb import DuckDBEngine
from caldicott.views.engines.sql_dialect import quote_text
from caldicott.views.model import ViewDefinition

HOSTILE = 'x\'); DROP TABLE "fhir_Patient"; --'


def _hostile_view() -> ViewDefinition:
    return parse_view(
        {
            "resource": "Patient",
            "constant": [{"name": "bad", "valueString": HOSTILE}],
            "select": [
                {
                    "column": [
                        {"name": "id", "path": "id", "type": "id"},
                        {
                            "name": "hit",
                            "path": "name.family = %bad or gender = 'DROP TABLE x'",
                            "type": "boolean",
                        },
                    ]
                }
            ],
        }
    )


RESOURCES = ({"resourceType": "Patient", "id": "p1", "name": [{"family": HOSTILE}]},)


def test_string_literals_and_constants_are_bound_not_pasted() -> None:
    view = _hostile_view()
    sql, params = DuckDBEngine().compile(view, '"fhir_Patient"')
    assert "DROP TABLE" not in sql
    assert orjson.dumps(HOSTILE).decode() in params.values()
    result = DuckDBEngine().run(view, ResourceList(RESOURCES))
    assert result.rows == [("p1", True)]


@pytest.mark.spark
@pytest.mark.slow
def test_spark_binds_literals_and_constants_too() -> None:
    pytest.importorskip("pyspark")
    from caldicott.views.engines.spark import SparkEngine

    view = _hostile_view()
    engine = SparkEngine()
    sql, params = engine.compile(view, "`fhir_Patient`")
    assert "DROP TABLE" not in sql
    assert orjson.dumps(HOSTILE).decode() in params.values()
    result = engine.run(view, ResourceList(RESOURCES))
    assert result.rows == [("p1", True)]


def test_quote_text_doubles_quotes_and_optionally_backslashes() -> None:
    assert quote_text("a'b") == "'a''b'"
    assert quote_text("a\\b") == "'a\\b'"
    assert quote_text("a\\'b", backslash=True) == "'a\\\\''b'"
