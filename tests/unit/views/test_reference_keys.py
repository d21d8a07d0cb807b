"""getReferenceKey reads the key of a reference in the forms sources write, on every
engine alike, and no key from a reference that does not name a type and an id."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.views.engine_params import ENGINES

from caldicott.views import parse_view
from caldicott.views.engines import get_engine
from caldicott.views.engines.base import ResourceList

#: reference -> (its key, its key as a Practitioner reference)
FORMS: dict[str, tuple[str | None, str | None]] = {
    "Practitioner/g1": ("g1", "g1"),
    "Organization/o1": ("o1", None),
    "Practitioner/g2/_history/3": ("g2", "g2"),
    "https://example.org/fhir/Practitioner/g5": ("g5", "g5"),
    "#contained": (None, None),
    "urn:uuid:7d1a8f7e-6c35-4c1c-9b0a-2f3a4b5c6d7e": (None, None),
    "g3": (None, None),
    "Practitioner/": (None, None),
    "practitioner/g4": (None, None),
    # Python's ``$`` matches before a final newline; RE2 and Java do not: no key anywhere
    "Practitioner/g1\n": (None, None),
    "Practitioner/g1/_history/2\n": (None, None),
}


def _rows(engine: str, refs: list[str]) -> list[dict[str, Any]]:
    resources = tuple(
        {"resourceType": "Patient", "id": f"p{n}", "managingOrganization": {"reference": ref}}
        for n, ref in enumerate(refs)
    )
    view = parse_view(
        {
            "resourceType": "ViewDefinition",
            "resource": "Patient",
            "select": [
                {
                    "column": [
                        {"name": "id", "path": "id", "type": "id"},
                        {"name": "key", "path": "managingOrganization.getReferenceKey()"},
                        {
                            "name": "gp",
                            "path": "managingOrganization.getReferenceKey(Practitioner)",
                        },
                    ]
                }
            ],
        }
    )
    result = get_engine(engine).run(view, ResourceList(resources))
    return sorted(result.dicts(), key=lambda r: int(str(r["id"])[1:]))


@pytest.mark.parametrize("engine", ENGINES)
def test_reference_keys(engine: str) -> None:
    refs = list(FORMS)
    got = [(r["key"], r["gp"]) for r in _rows(engine, refs)]
    assert got == [FORMS[ref] for ref in refs]
