"""No user value reaches view SQL unquoted: literals and constants are bound parameters."""

from __future__ import annotations

import orjson

from caldicott.views import parse_view
from caldicott.views.engines.base import ResourceList
from caldicott.views.engines.duckdb import DuckDBEngine
from caldicott.views.engines.sql_dialect import quote_text

HOSTILE = 'x\'); DROP TABLE "fhir_Patient"; --'


def test_string_literals_and_constants_are_bound_not_pasted() -> None:
    view = parse_view(
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
    sql, params = DuckDBEngine().compile(view, '"fhir_Patient"')
    assert "DROP TABLE" not in sql
    assert orjson.dumps(HOSTILE).decode() in params.values()
    resources = ({"resourceType": "Patient", "id": "p1", "name": [{"family": HOSTILE}]},)
    result = DuckDBEngine().run(view, ResourceList(resources))
    assert result.rows == [("p1", True)]


def test_quote_text_doubles_quotes_and_optionally_backslashes() -> None:
    assert quote_text("a'b") == "'a''b'"
    assert quote_text("a\\b") == "'a\\b'"
    assert quote_text("a\\'b", backslash=True) == "'a\\\\''b'"
