"""Engines declare what they cannot do, honestly: declared gaps raise Unsupported, and
everything not declared gives the reference engine's answer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from caldicott.errors import Unsupported
from caldicott.views import parse_view
from caldicott.views.engines import get_engine
from caldicott.views.engines.base import ResourceList, features
from caldicott.views.fhirpath.check import FUNCTIONS
from caldicott.views.suite import normalise

RESOURCES = (
    {
        "resourceType": "Patient",
        "id": "p1",
        "gender": "female",
        "birthDate": "1980-04",
        "name": [{"use": "official", "family": "Ng", "given": ["A", "B"]}],
        "link": [{"other": {"reference": "Patient/p2"}}],
        "extension": [{"url": "u", "valueCode": "x"}],
        "multipleBirthInteger": 2,
    },
    {"resourceType": "Patient", "id": "p2", "deceasedBoolean": True},
)

#: One path per feature; each yields at most one value per patient.
PATHS = {
    "fn:where": "name.where(use = 'official').family.first()",
    "fn:exists": "name.exists(use = 'official')",
    "fn:empty": "name.empty()",
    "fn:first": "name.given.first()",
    "fn:last": "name.given.last()",
    "fn:count": "name.given.count()",
    "fn:not": "name.exists().not()",
    "fn:join": "name.given.join('+')",
    "fn:ofType": "deceased.ofType(boolean)",
    "fn:extension": "extension('u').value.ofType(code)",
    "fn:getResourceKey": "getResourceKey()",
    "fn:getReferenceKey": "link.other.getReferenceKey(Patient)",
    "fn:lowBoundary": "birthDate.lowBoundary()",
    "fn:highBoundary": "birthDate.highBoundary()",
    "op:|": "(gender | gender).first()",
    "op:in": "'female' in gender",
    "op:contains": "gender contains 'female'",
    "op:~": "gender ~ 'FEMALE'",
    "op:!~": "gender !~ 'male'",
    "op:div": "multipleBirth.ofType(integer) div 2",
    "op:mod": "multipleBirth.ofType(integer) mod 2",
    "op:is": "gender is code",
    "op:as": "(gender as code)",
    "op:+": "multipleBirth.ofType(integer) + 1",
    "op:-": "multipleBirth.ofType(integer) - 1",
    "op:*": "multipleBirth.ofType(integer) * 3",
    "op:/": "multipleBirth.ofType(integer) / 4",
    "op:&": "gender & '!'",
    "op:=": "gender = 'female'",
    "op:!=": "gender != 'female'",
    "op:<": "birthDate < @1990",
    "op:>": "birthDate > @1970",
    "op:<=": "multipleBirth.ofType(integer) <= 2",
    "op:>=": "multipleBirth.ofType(integer) >= 3",
    "op:and": "gender = 'female' and name.exists()",
    "op:or": "gender = 'female' or name.exists()",
    "op:xor": "gender = 'female' xor name.exists()",
    "op:implies": "gender = 'female' implies name.exists()",
}


def _view(path: str) -> dict[str, Any]:
    return {
        "resource": "Patient",
        "select": [{"column": [{"name": "id", "path": "id"}, {"name": "v", "path": path}]}],
    }


def _rows(engine_name: str, path: str) -> list[str]:
    result = get_engine(engine_name).run(parse_view(_view(path)), ResourceList(RESOURCES))
    return sorted(json.dumps(normalise(r), sort_keys=True) for r in result.dicts())


def test_every_function_has_a_probe() -> None:
    assert {f"fn:{name}" for name in FUNCTIONS} <= set(PATHS)


@pytest.mark.parametrize("feature", sorted(PATHS))
@pytest.mark.parametrize(
    "engine_name", ["duckdb", pytest.param("spark", marks=[pytest.mark.spark, pytest.mark.slow])]
)
def test_declaration_is_honest(engine_name: str, feature: str) -> None:
    if engine_name == "spark":
        pytest.importorskip("pyspark")
    path = PATHS[feature]
    assert feature in features(parse_view(_view(path)))
    declared = feature in get_engine(engine_name).capabilities.unsupported
    if declared:
        with pytest.raises(Unsupported):
            _rows(engine_name, path)
    else:
        assert _rows(engine_name, path) == _rows("memory", path), feature
