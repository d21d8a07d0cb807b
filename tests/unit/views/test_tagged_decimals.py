"""Decimals keep their written precision on Spark and on DuckDB (where a view needs it):
lowBoundary()/highBoundary() and the decimal's type agree with the memory engine for every
way a decimal can be written, at the root, after forEach (items cross levels as JSON text)
and under repeat, from resources given directly and from the warehouse."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from caldicott.errors import ValidationFailed
from caldicott.store.warehouse import DuckDBWarehouse
from caldicott.views import parse_view
from caldicott.views.engines import get_engine
from caldicott.views.engines.base import ResourceList, Warehouse
from caldicott.views.engines.tagged_decimals import TAG, tagged_text, tagged_text_of_json, untag
from caldicott.views.suite import normalise

SPARK = pytest.param("spark", marks=pytest.mark.spark)

#: Trailing zeros, zero itself, negatives, exponents both ways, more digits than a double
#: or Spark's DECIMAL(38) holds, and an integer.
WRITTEN = (
    "1.0",
    "1.50",
    "0.000",
    "-0.10",
    "12.345",
    "1E+2",
    "1.5E+2",
    "1.25e-3",
    "1E-7",
    "123456789012345678901234567890.50",
    "0.12345678901234567890123456789012345678900",
)


def _number(text: str) -> Decimal | int:
    return Decimal(text) if any(c in text for c in ".eE") else int(text)


RESOURCES = tuple(
    {
        "resourceType": "Observation",
        "id": f"o{i}",
        "valueQuantity": {"value": _number(text)},
        "component": [{"valueQuantity": {"value": _number(text)}}],
        "item": [{"value": _number(text), "item": [{"value": _number(text)}]}],
    }
    for i, text in enumerate((*WRITTEN, "100"))
)


def _view(path: str, type_: str | None = "decimal", **iteration: Any) -> dict[str, Any]:
    column: dict[str, Any] = {"name": "x", "path": path}
    if type_:
        column["type"] = type_
    return {
        "resource": "Observation",
        "select": [
            {"column": [{"name": "id", "path": "id", "type": "id"}]},
            {"column": [column], **iteration},
        ],
    }


VIEWS = {
    "low": _view("value.ofType(Quantity).value.lowBoundary()"),
    "high": _view("value.ofType(Quantity).value.highBoundary()"),
    "low after forEach": _view("value.ofType(Quantity).value.lowBoundary()", forEach="component"),
    "high after forEach": _view("value.ofType(Quantity).value.highBoundary()", forEach="component"),
    "low under repeat": _view("value.lowBoundary()", repeat=["item"]),
    "is decimal after forEach": _view(
        "value.ofType(Quantity).value.ofType(decimal).exists()", "boolean", forEach="component"
    ),
    "is integer after forEach": _view(
        "value.ofType(Quantity).value.ofType(integer).exists()", "boolean", forEach="component"
    ),
    "value": _view("value.ofType(Quantity).value"),
    "compared": _view("value.ofType(Quantity).value >= 1.5", "boolean"),
    "equal": _view("value.ofType(Quantity).value = 1.50", "boolean"),
    "arithmetic": _view("value.ofType(Quantity).value * 2"),
    "untyped object": _view("value.ofType(Quantity)", None, forEach="component"),
    "collection": {
        "resource": "Observation",
        "select": [{"column": [{"name": "x", "path": "item.value", "collection": True}]}],
    },
}


def _rows(engine: str, view: dict[str, Any]) -> list[str]:
    result = get_engine(engine).run(parse_view(view), ResourceList(RESOURCES))
    return sorted(json.dumps(normalise(r), sort_keys=True) for r in result.dicts())


def _engine_ready(engine: str) -> None:
    if engine == "spark":
        pytest.importorskip("pyspark")


def _with_boundary(view: dict[str, Any]) -> dict[str, Any]:
    """The view with a boundary column added: DuckDB reads decimals as written then."""
    extra = {"name": "b", "path": "value.ofType(Quantity).value.highBoundary()", "type": "decimal"}
    return {**view, "select": [*view["select"], {"column": [extra]}]}


@pytest.mark.parametrize("engine", ["duckdb", SPARK])
@pytest.mark.parametrize("name", sorted(VIEWS))
def test_engines_agree_with_memory(engine: str, name: str) -> None:
    _engine_ready(engine)
    assert _rows(engine, VIEWS[name]) == _rows("memory", VIEWS[name])
    view = _with_boundary(VIEWS[name])
    assert _rows(engine, view) == _rows("memory", view)


@pytest.mark.parametrize("engine", ["memory", "duckdb", SPARK])
def test_boundaries_from_the_warehouse_follow_the_stored_digits(
    engine: str, tmp_path: Path
) -> None:
    _engine_ready(engine)
    path = tmp_path / "warehouse.duckdb"
    with DuckDBWarehouse(path) as store:
        table = store.ensure_table("Observation")
        for i, text in enumerate(WRITTEN):
            written = (
                f'{{"resourceType":"Observation","id":"o{i}","valueQuantity":{{"value":{text}}}}}'
            )
            store.conn.execute(
                f'INSERT INTO "{table}" (id, resource) VALUES (?, ?)', [f"o{i}", written]
            )
    view = parse_view(VIEWS["low"])
    got = {r["id"]: float(r["x"]) for r in get_engine(engine).run(view, Warehouse(path)).dicts()}
    assert got["o1"] == pytest.approx(1.495)  # 1.50, not 1.45 as its float would give
    assert got["o0"] == pytest.approx(0.95)
    assert got["o2"] == pytest.approx(-0.0005)
    assert got["o6"] == pytest.approx(149.5)


@pytest.mark.parametrize("engine", ["duckdb", SPARK])
def test_objects_with_decimals_written_differently_are_equal(engine: str) -> None:
    _engine_ready(engine)
    resource = {
        "resourceType": "Observation",
        "id": "o",
        "valueQuantity": {"value": Decimal("1.50"), "unit": "mg"},
        "component": [{"valueQuantity": {"value": Decimal("1.5"), "unit": "mg"}}],
        "item": [{"value": [Decimal("1.0"), 2]}, {"value": [1, Decimal("2.00")]}],
    }
    columns = [
        {"name": "q", "path": "component.value.ofType(Quantity) = value.ofType(Quantity)"},
        {"name": "l", "path": "item[0].value = item[1].value"},
        {"name": "n", "path": "item[0].value != item[1].value"},
    ]
    boundary = {"name": "b", "path": "value.ofType(Quantity).value.lowBoundary()"}
    view = {"resource": "Observation", "select": [{"column": [*columns, boundary]}]}
    got = get_engine(engine).run(parse_view(view), ResourceList((resource,))).dicts()
    expected = get_engine("memory").run(parse_view(view), ResourceList((resource,))).dicts()
    assert [normalise(r) for r in got] == [normalise(r) for r in expected]
    assert [{k: v for k, v in r.items() if k != "b"} for r in got] == [
        {"q": True, "l": True, "n": False}
    ]


@pytest.mark.parametrize("engine", ["duckdb", SPARK])
def test_boundaries_follow_the_written_digits(engine: str) -> None:
    _engine_ready(engine)
    got = {r["id"]: r["x"] for r in map(json.loads, _rows(engine, VIEWS["low after forEach"]))}
    assert got["o1"] == pytest.approx(1.495)  # 1.50: two places, though Spark reads 1.5
    assert got["o0"] == pytest.approx(0.95)  # 1.0: one place, though Spark reads 1
    assert got["o2"] == pytest.approx(-0.0005)  # 0.000
    assert got["o6"] == pytest.approx(149.5)  # 1.5E+2 is 150, written to units


def test_decimals_reach_spark_as_written_and_come_back_as_decimals() -> None:
    text = '{"resourceType":"Observation","a":[1.50,2,1e2,"x"],"b":{"c":0.000}}'
    tagged = json.loads(tagged_text_of_json(text))
    assert tagged == {
        "resourceType": "Observation",
        "a": [f"{TAG}1.50", 2, f"{TAG}1E+2", "x"],
        "b": {"c": f"{TAG}0.000"},
    }
    assert untag(tagged["a"]) == [Decimal("1.50"), 2, Decimal("100"), "x"]
    assert str(untag(tagged["b"])["c"]) == "0.000"
    assert json.loads(tagged_text({"resourceType": "Basic", "v": 1.0}))["v"] == f"{TAG}1.0"


def test_a_string_that_looks_tagged_is_refused_not_misread() -> None:
    with pytest.raises(ValidationFailed, match="U\\+0001"):
        tagged_text({"resourceType": "Patient", "name": [{"family": f"{TAG}1.5"}]})
    with pytest.raises(ValidationFailed, match="not finite"):
        tagged_text({"resourceType": "Basic", "v": float("nan")})


def test_duckdb_tags_decimals_in_the_text_and_nothing_inside_strings() -> None:
    import duckdb

    from caldicott.views.engines.duckdb_decimals import tagged_source

    text = (
        '{"a":1.50,"b":[2,1E+2,-0.000,"x 1.5 \\"q\\" 2.0"],'
        '"c":{"d":12,"e":1.25e-3},"f":"\\\\","g":"3.5"}'
    )
    conn = duckdb.connect()
    conn.execute("CREATE TABLE t (id VARCHAR, resource JSON)")
    conn.execute("INSERT INTO t VALUES ('x', ?)", [text])
    row = conn.execute(f"SELECT CAST(resource AS VARCHAR) FROM {tagged_source('t')}").fetchone()
    assert row is not None
    assert json.loads(row[0]) == {
        "a": f"{TAG}1.50",
        "b": [2, f"{TAG}1E+2", f"{TAG}-0.000", 'x 1.5 "q" 2.0'],
        "c": {"d": 12, "e": f"{TAG}1.25e-3"},
        "f": "\\",
        "g": "3.5",
    }


def test_duckdb_refuses_a_string_that_looks_tagged() -> None:
    resource = {
        "resourceType": "Observation",
        "id": "o",
        "code": {"text": f"{TAG}1.5"},
        "valueQuantity": {"value": Decimal("1.50")},
    }
    view = parse_view(VIEWS["low"])
    with pytest.raises(ValidationFailed, match="U\\+0001"):
        get_engine("duckdb").run(view, ResourceList((resource,)))
