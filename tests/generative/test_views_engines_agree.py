"""Random valid views over random patients: DuckDB (and Spark) return what memory returns."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from tests.generative.view_strategies import populations, views

from caldicott.errors import CaldicottError
from caldicott.views import parse_view
from caldicott.views.engines import get_engine
from caldicott.views.engines.base import Engine, ResourceList
from caldicott.views.suite import normalise


def outcome(engine: Engine, view: dict[str, Any], resources: list[dict[str, Any]]) -> Any:
    """Rows as a sorted canonical list, or the class of error the engine raised."""
    try:
        result = engine.run(parse_view(view), ResourceList(tuple(resources)))
    except CaldicottError as exc:
        return type(exc).__name__
    return (
        result.columns,
        sorted(json.dumps(normalise(r), sort_keys=True) for r in result.dicts()),
    )


MEMORY = get_engine("memory")
DUCKDB = get_engine("duckdb")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(view=views(), resources=populations())
def test_duckdb_agrees_with_memory(view: dict[str, Any], resources: list[dict[str, Any]]) -> None:
    assert outcome(DUCKDB, view, resources) == outcome(MEMORY, view, resources)


@pytest.mark.spark
@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(view=views(), resources=populations())
def test_spark_agrees_with_memory(view: dict[str, Any], resources: list[dict[str, Any]]) -> None:
    pytest.importorskip("pyspark")
    spark = get_engine("spark")
    assert outcome(spark, view, resources) == outcome(MEMORY, view, resources)
