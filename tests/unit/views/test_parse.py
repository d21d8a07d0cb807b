"""ViewDefinition validation: bad views fail naming the JSON path of the problem."""

from __future__ import annotations

from typing import Any

import pytest

from caldicott.errors import ValidationFailed
from caldicott.views import parse_view
from caldicott.views.fhirpath import ast, parse


def _view(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "resourceType": "ViewDefinition",
        "resource": "Patient",
        "select": [{"column": [{"name": "id", "path": "getResourceKey()"}]}],
    }
    base.update(extra)
    return base


@pytest.mark.parametrize(
    ("view", "where", "words"),
    [
        (_view(resource=None), "resource", "required"),
        (
            _view(select=[{"column": [{"name": "id", "path": "nme.foo()"}]}]),
            "select[0].column[0].path",
            "unknown function foo()",
        ),
        (
            _view(select=[{"column": [{"name": "1bad", "path": "id"}]}]),
            "select[0].column[0].name",
            "letter",
        ),
        (
            _view(select=[{"column": [{"name": "a", "path": "id"}, {"name": "a", "path": "id"}]}]),
            "select[0].column[1].name",
            "more than once",
        ),
        (
            _view(
                select=[
                    {"column": [{"name": "a", "path": "id"}]},
                    {"select": [{"column": [{"name": "a", "path": "gender"}]}]},
                ]
            ),
            "select[1].select[0].column[0].name",
            "more than once",
        ),
        (
            _view(
                select=[
                    {"column": [{"name": "a", "path": "id"}]},
                    {"unionAll": [{"column": [{"name": "a", "path": "id"}]}]},
                ]
            ),
            "select[1].unionAll[0].column[0].name",
            "more than once",
        ),
        (
            _view(select=[{"column": [{"name": "a", "path": "id", "colection": True}]}]),
            "select[0].column[0].colection",
            "unknown key",
        ),
        (
            _view(select=[{"column": [{"name": "a", "path": "id", "type": "frobnicate"}]}]),
            "select[0].column[0].type",
            "FHIR data type",
        ),
        (
            _view(select=[{"column": [{"name": "a", "path": "id", "type": 3}]}]),
            "select[0].column[0].type",
            "FHIR data type",
        ),
        (_view(resource="Frobnicate"), "resource", "not a FHIR R4 resource type"),
        (
            _view(select=[{"forEach": "name.where(", "column": [{"name": "a", "path": "id"}]}]),
            "select[0].forEach",
            "position",
        ),
        (
            _view(select=[{"column": [{"name": "a", "path": "name.first(1)"}]}]),
            "select[0].column[0].path",
            "takes 0 argument",
        ),
        (
            _view(select=[{"column": [{"name": "a", "path": "%missing"}]}]),
            "select[0].column[0].path",
            "undefined constant %missing",
        ),
        (_view(constant=[{"name": "c"}]), "constant[0]", "value[x]"),
        (
            _view(select=[{"column": [{"name": "a", "path": "id", "collection": "yes"}]}]),
            "select[0].column[0].collection",
            "true or false",
        ),
        (
            _view(
                select=[
                    {
                        "unionAll": [
                            {"column": [{"name": "a", "path": "id"}]},
                            {"column": [{"name": "b", "path": "id"}]},
                        ]
                    }
                ]
            ),
            "select[0].unionAll[1]",
            "same columns",
        ),
        (
            _view(select=[{"column": [{"name": "a", "path": "ofType(1)"}]}]),
            "select[0].column[0].path",
            "type name",
        ),
    ],
)
def test_errors_name_the_json_path(view: dict[str, Any], where: str, words: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_view(view)
    assert info.value.message.startswith(where), info.value.message
    assert words in info.value.message


def test_valid_view_builds_a_frozen_model() -> None:
    view = parse_view(
        _view(
            constant=[{"name": "sys", "valueUri": "https://fhir.nhs.uk/Id/nhs-number"}],
            select=[
                {"column": [{"name": "id", "path": "getResourceKey()"}]},
                {
                    "forEachOrNull": "identifier.where(system = %sys)",
                    "column": [{"name": "nhs", "path": "value", "type": "string"}],
                },
            ],
        )
    )
    assert view.column_names == ("id", "nhs")
    assert view.constants[0].type == "uri"
    with pytest.raises(AttributeError):
        view.resource = "Observation"  # type: ignore[misc]


def test_fhirpath_precedence_and_literals() -> None:
    expr = parse("a.b = 'x' and c > 1.50 or d.exists().not()")
    assert isinstance(expr, ast.Binary) and expr.op == "or"
    left = expr.left
    assert isinstance(left, ast.Binary) and left.op == "and"
    assert parse("-2") == ast.Literal(-2, "integer")
    assert parse("@2020-01") == ast.Literal("2020-01", "date")
    assert parse("@2020-01-02T10:00:00Z") == ast.Literal("2020-01-02T10:00:00Z", "dateTime")
    assert parse("'it\\'s'") == ast.Literal("it's", "string")
    assert parse("name[0]") == ast.Index(ast.Member(None, "name"), ast.Literal(0, "integer"))


def test_a_column_type_may_be_a_structure_definition_uri() -> None:
    column = {
        "name": "a",
        "path": "id",
        "type": "http://hl7.org/fhir/StructureDefinition/string",
    }
    view = parse_view(_view(select=[{"column": [column]}]))
    assert view.columns[0].type == "string"


@pytest.mark.parametrize(
    ("view", "where"),
    [
        (
            {"select": [{"column": [{"name": "c", "path": "1 * 99999999999999999999999"}]}]},
            "select[0].column[0].path: integer at position 4 is beyond 64 bits",
        ),
        (
            {
                "constant": [{"name": "k", "valueInteger64": "99999999999999999999999"}],
                "select": [{"column": [{"name": "c", "path": "%k"}]}],
            },
            "constant[0].valueInteger64: is beyond 64 bits",
        ),
    ],
)
def test_integers_beyond_64_bits_are_refused_by_name(view: dict[str, Any], where: str) -> None:
    """The SQL engines' integers are BIGINTs: refused when the view is read, on every engine,
    rather than failing inside one of them."""
    with pytest.raises(ValidationFailed) as info:
        parse_view({"resourceType": "ViewDefinition", "resource": "Patient", **view})
    assert info.value.message.startswith(where)
