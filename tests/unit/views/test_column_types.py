"""A column's declared type is checked, not used to cast: a value of another kind is the
same error on every engine, never 2 on one and 1 on another, nor the value quoted."""

from __future__ import annotations

from typing import Any

import pytest

from caldicott.errors import ValidationFailed
from caldicott.views import parse_view
from caldicott.views.engines import get_engine
from caldicott.views.engines.base import ResourceList, not_of_type

PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "gender": "female",
    "active": True,
    "multipleBirthInteger": 2,
    "extension": [{"url": "u", "valueDecimal": 1.50}],
}
ENGINES = ["memory", "duckdb", pytest.param("spark", marks=pytest.mark.spark)]


def _view(path: str, kind: str, collection: bool = False) -> Any:
    column = {"name": "c", "path": path, "type": kind, "collection": collection}
    return parse_view(
        {"resourceType": "ViewDefinition", "resource": "Patient", "select": [{"column": [column]}]}
    )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("extension('u').value.ofType(decimal)", "integer"),
        ("gender", "integer"),
        ("multipleBirthInteger", "string"),
        ("active", "string"),
        ("gender", "boolean"),
        ("gender", "decimal"),
    ],
)
def test_a_value_of_another_kind_is_an_error(engine: str, path: str, kind: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        get_engine(engine).run(_view(path, kind), ResourceList([PATIENT]))
    assert not_of_type("select[0].column[0].path", "c", kind) in info.value.message
    assert "female" not in info.value.message and "1.5" not in info.value.message


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("path", "kind", "value"),
    [
        ("gender", "code", "female"),
        ("active", "boolean", True),
        ("multipleBirthInteger", "integer", 2),
        ("multipleBirthInteger", "decimal", 2),  # an integer is a decimal too
        ("deceasedBoolean", "boolean", None),  # nothing is of any type
    ],
)
def test_a_value_of_its_type_is_given_as_it_is(
    engine: str, path: str, kind: str, value: Any
) -> None:
    result = get_engine(engine).run(_view(path, kind), ResourceList([PATIENT]))
    assert [tuple(r) for r in result.rows] == [(value,)]


def test_a_boolean_path_declared_otherwise_is_refused_when_parsed() -> None:
    with pytest.raises(ValidationFailed) as info:
        _view("name.exists()", "integer")
    assert info.value.message.startswith("select[0].column[0].type: the path gives a boolean")
