"""Views that join laterally run on DuckDB and agree with the memory engine.

DuckDB 2.0 fails with "Failed to bind column reference" when columns computed in a
derived table (the per-row prefetch of typed paths) are read from nested lateral joins.
Hypothesis found the first shape below; the generator now reads the stored resource
itself in views that join, and keeps the prefetch for views that do not. It found the
second too (a constant beside a nested select): DuckDB 2.0's ``projection_pullup``
optimizer fails on it with the same message, and the engine runs views without it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from caldicott.errors import CaldicottError
from caldicott.views import parse_view
from caldicott.views.engines import get_engine
from caldicott.views.engines.base import ResourceList
from caldicott.views.engines.duckdb import DuckDBEngine

PATIENTS = (
    {"resourceType": "Patient", "id": "a", "name": [{"family": "x"}, {"family": "y"}]},
    {"resourceType": "Patient", "id": "b", "gender": "female"},
)


def _col(name: str, path: str, kind: str = "string") -> dict[str, str]:
    return {"name": name, "path": path, "type": kind}


SHAPES: dict[str, list[dict[str, Any]]] = {
    "column, forEach, column again": [
        {"column": [_col("c1", "id", "id")]},
        {"forEach": "name", "column": [_col("c2", "family")]},
        {"column": [_col("c3", "id", "id"), _col("c4", "'const'")]},
    ],
    "a constant beside a nested select, after a forEach": [
        {"column": [_col("c1", "id", "id")]},
        {"forEach": "name", "column": [_col("c2", "family")]},
        {"column": [_col("c3", "'const'")], "select": [{"column": [_col("c4", "id", "id")]}]},
    ],
    "forEachOrNull beside a nested select": [
        {"column": [_col("g", "gender", "code")]},
        {
            "forEachOrNull": "name",
            "select": [{"column": [_col("f", "family")]}],
        },
    ],
    "unionAll of two iterations": [
        {"column": [_col("i", "id", "id")]},
        {
            "unionAll": [
                {"forEach": "name", "column": [_col("v", "family")]},
                {"forEach": "name.given", "column": [_col("v", "$this")]},
            ]
        },
    ],
}


def _rows(engine: Any, view: dict[str, Any]) -> list[str]:
    result = engine.run(parse_view(view), ResourceList(PATIENTS))
    return sorted(json.dumps(r, sort_keys=True) for r in result.dicts())


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_views_that_join_agree_with_memory(name: str) -> None:
    view = {"resourceType": "ViewDefinition", "resource": "Patient", "select": SHAPES[name]}
    assert _rows(get_engine("duckdb"), view) == _rows(get_engine("memory"), view)


def test_flat_views_still_prefetch_and_views_that_join_do_not() -> None:
    engine = DuckDBEngine()
    flat = parse_view(
        {
            "resourceType": "ViewDefinition",
            "resource": "Patient",
            "select": [{"column": [_col("i", "id", "id"), _col("g", "gender", "code")]}],
        }
    )
    joined = parse_view(
        {
            "resourceType": "ViewDefinition",
            "resource": "Patient",
            "select": SHAPES[sorted(SHAPES)[0]],
        }
    )
    assert "_txt" in engine.compile(flat, "fhir_Patient")[0]
    assert "_txt" not in engine.compile(joined, "fhir_Patient")[0]


def test_a_failure_inside_duckdb_is_an_internal_error_not_a_native_trace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = DuckDBEngine()

    def broken(*_: Any, **__: Any) -> tuple[str, dict[str, Any]]:
        return "SELECT CAST('x' AS INTEGER) + no_such_column FROM fhir_Patient", {}

    monkeypatch.setattr(engine, "compile", broken)
    view = {
        "resourceType": "ViewDefinition",
        "resource": "Patient",
        "select": SHAPES[sorted(SHAPES)[0]],
    }
    with pytest.raises(CaldicottError, match="DuckDB failed to run the view") as caught:
        engine.run(parse_view(view), ResourceList(PATIENTS))
    assert "Stack Trace" not in caught.value.message
