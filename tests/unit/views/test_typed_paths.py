"""Typed navigation: the FHIR R4 element tables turn paths into plain JSON paths on DuckDB.

The compiled SQL must give exactly what the generic SQL (and the memory engine) gives on
data of the tables' shape, and data not of that shape must not be read through them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.unit.views.ukdata import RESOURCES, make_warehouse

from caldicott.views import library, parse_view
from caldicott.views.engines import get_engine
from caldicott.views.engines.base import ResourceList, Warehouse
from caldicott.views.engines.duckdb import DuckDBEngine
from caldicott.views.fhirpath.elements import choice_keys, conforms, element


def _rows(result: Any) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, default=float) for r in result.dicts())


def _view(resource: str, *columns: tuple[str, str, str], **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "ViewDefinition",
        "resource": resource,
        "status": "active",
        "select": [{"column": [{"name": n, "path": p, "type": t} for n, p, t in columns]}],
        **extra,
    }


def test_the_tables_say_what_repeats_and_what_each_element_holds() -> None:
    assert element("Patient", "identifier") is not None
    assert element("Patient", "identifier").many  # type: ignore[union-attr]
    assert not element("Patient", "gender").many  # type: ignore[union-attr]
    assert element("Identifier", "system").type == "uri"  # type: ignore[union-attr]
    assert element("Observation", "valueQuantity").type == "Quantity"  # type: ignore[union-attr]
    assert "deceasedBoolean" in (choice_keys("Patient", "deceased") or ())
    assert element("Patient", "value") is None and element("Task", "status") is None
    assert element("Patient", "resourceType") is None  # checked against the type, not read


@pytest.mark.parametrize(
    ("resource", "ok"),
    [
        ({"resourceType": "Patient", "gender": "male", "name": [{"given": ["a"]}]}, True),
        ({"resourceType": "Patient", "gender": ["male"]}, False),
        ({"resourceType": "Patient", "name": {"family": "x"}}, False),
        ({"resourceType": "Patient", "name": [{"given": "a"}]}, False),
        ({"resourceType": "Patient", "active": "yes"}, False),
        ({"resourceType": "Patient", "deceased": True}, False),  # a bare choice name
        ({"resourceType": "Patient", "identifier": [None]}, False),
        ({"resourceType": "Patient", "anything": [1, {"a": 2}]}, True),  # not tabled
        ({"resourceType": "Task", "status": ["x"]}, True),  # an untabled type
    ],
)
def test_conforms_checks_the_shapes_that_are_relied_on(resource: dict[str, Any], ok: bool) -> None:
    assert conforms(resource) is ok


def test_builtin_views_compile_to_json_paths_without_runtime_type_tests() -> None:
    for name in ("medications", "encounters", "conditions", "immunisations", "observations"):
        sql, _ = DuckDBEngine().compile(library.load(name), "t")
        assert "json_type(" not in sql, name
        assert "json_keys(" not in sql, name


def test_only_the_paths_the_query_uses_are_extracted() -> None:
    view = parse_view(_view("MedicationRequest", ("p", "subject.reference", "string")))
    sql, params = DuckDBEngine().compile(view, "t")
    assert '[\'$."subject"."reference"\']' in sql
    assert "\u27e6" not in sql and params == {}


@pytest.mark.parametrize("name", library.names())
def test_typed_and_generic_sql_agree_on_the_builtin_views(tmp_path: Path, name: str) -> None:
    import duckdb

    path = make_warehouse(tmp_path / "w.duckdb")
    view = library.load(name)
    engine = DuckDBEngine()
    with duckdb.connect(str(path), read_only=True) as conn:
        typed = engine.execute(conn, view, typed=True)
        generic = engine.execute(conn, view, typed=False)
    memory = get_engine("memory").run(view, Warehouse(path))
    assert _rows(typed) == _rows(generic) == _rows(memory)


ODD = [
    # Shapes the tables rule out: the engine must notice and navigate generically.
    {"resourceType": "Patient", "id": "a", "gender": ["male", "female"]},
    {"resourceType": "Patient", "id": "b", "name": {"family": "Solo", "given": "Han"}},
    {"resourceType": "Patient", "id": "c", "deceased": True},
]
ODD_VIEW = _view(
    "Patient",
    ("id", "getResourceKey()", "id"),
    ("family", "name.family.first()", "string"),
    ("given", "name.given.first()", "string"),
    ("dead", "deceased.ofType(boolean).first()", "boolean"),
    ("genders", "gender.count()", "integer"),
)


def test_data_not_of_the_tables_shape_is_read_generically() -> None:
    view = parse_view(ODD_VIEW)
    source = ResourceList(tuple(ODD))
    assert _rows(DuckDBEngine().run(view, source)) == _rows(get_engine("memory").run(view, source))


def test_a_single_value_by_the_tables_needs_no_several_values_check() -> None:
    view = parse_view(_view("Patient", ("sex", "gender", "code")))
    sql, _ = DuckDBEngine().compile(view, "t")
    assert "several values" not in sql
    generic, _ = DuckDBEngine().compile(view, "t", typed=False)
    assert "several values" in generic


def test_where_on_typed_items_and_constants_agree_with_memory() -> None:
    view = parse_view(
        _view(
            "Patient",
            ("nhs", "identifier.where(system = %nhs).value.first()", "string"),
            (
                "home",
                "address.where(use = 'home').postalCode",
                "string",
            ),
            ("other", "identifier.where(system != %nhs).exists()", "boolean"),
            ("female", "gender = 'female' and birthDate.exists()", "boolean"),
            ("p", "generalPractitioner.identifier.value.first()", "string"),
            constant=[{"name": "nhs", "valueUri": "https://fhir.nhs.uk/Id/nhs-number"}],
        )
    )
    source = ResourceList(tuple(r for r in RESOURCES if r["resourceType"] == "Patient"))
    assert _rows(DuckDBEngine().run(view, source)) == _rows(get_engine("memory").run(view, source))


def test_prefetched_paths_are_read_from_nested_selections() -> None:
    # Sibling selections and a forEach all reading the prefetched id: DuckDB 2.0 cannot
    # bind an indexed list column here, so each path is a column of its own.
    view = parse_view(
        {
            "resourceType": "ViewDefinition",
            "resource": "Patient",
            "status": "active",
            "select": [
                {"column": [{"name": "c1", "path": "id", "type": "id"}]},
                {"column": [{"name": "c2", "path": "id", "type": "id"}]},
                {"forEach": "name", "column": [{"name": "c3", "path": "family", "type": "string"}]},
            ],
        }
    )
    source = ResourceList(
        ({"resourceType": "Patient", "id": "a", "name": [{"family": "x"}, {"given": ["y"]}]},)
    )
    assert _rows(DuckDBEngine().run(view, source)) == _rows(get_engine("memory").run(view, source))
    assert DuckDBEngine().run(view, ResourceList(())).rows == []


def test_where_on_a_single_item_keeps_it_or_not() -> None:
    view = _view(
        "Patient",
        ("id", "getResourceKey()", "id"),
        ("ms", "maritalStatus.where(text = 'Married').coding.code.first()", "code"),
        ("mo", "managingOrganization.where(reference.exists()).reference", "string"),
        ("gp", "generalPractitioner.first().where(display != 'x').display", "string"),
    )
    patients = (
        {
            "resourceType": "Patient",
            "id": "a",
            "maritalStatus": {"text": "Married", "coding": [{"code": "M"}]},
            "managingOrganization": {"reference": "Organization/o1"},
            "generalPractitioner": [{"display": "Dr A"}, {"display": "x"}],
        },
        {"resourceType": "Patient", "id": "b", "maritalStatus": {"text": "Single"}},
        {"resourceType": "Patient", "id": "c", "generalPractitioner": [{"display": "x"}]},
    )
    parsed, source = parse_view(view), ResourceList(patients)
    typed, _ = DuckDBEngine().compile(parsed, "t")
    assert "list_filter" not in typed
    assert _rows(DuckDBEngine().run(parsed, source)) == _rows(
        get_engine("memory").run(parsed, source)
    )
