"""Property: whatever JSON a record holds, examining it gives reasons, never a failure.

Valid resources are damaged at random places with arbitrary JSON (odd keys such as ``""``
and ``"_"``, empty and whitespace strings, nested containers, numbers of every kind,
resources inside resources). The examination must end in findings: a refusal or an
acceptance, and never the ``validator-failed`` safety net, which would mean a bug.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from tests import fhirdata as fd
from tests.generative.damage import damaged_resource

from caldicott.ingest.examine import examine
from caldicott.ingest.validate import patient_id


@settings(max_examples=400, deadline=None)
@given(damaged_resource())
def test_examining_any_damage_gives_findings(res: dict[str, Any]) -> None:
    found = examine(orjson.dumps(res))
    assert [r.code for r in found.reasons if r.code == "validator-failed"] == []
    if found.ok:
        assert found.rtype is not None and found.rid is not None


@settings(max_examples=300, deadline=None)
@given(damaged_resource())
def test_the_patient_of_an_accepted_record_is_the_one_its_subject_names(
    res: dict[str, Any],
) -> None:
    """examine() takes the patient from the references the walk parsed; patient_id()
    splits the subject reference itself: the two agree on every record accepted."""
    found = examine(orjson.dumps(res))
    if found.ok:
        assert found.patient == patient_id(res)


@pytest.mark.parametrize(
    "res",
    [
        fd.observation("o", "p1"),
        fd.observation("o", "p1", subject={"reference": "Group/g"}),
        fd.observation("o", "p1", subject={"reference": "Patient/p2/_history/3"}),
        fd.observation("o", "p1", subject={"reference": "https://example.org/Patient/p3"}),
        fd.observation("o", "p1", subject={"display": "no reference"}),
        fd.observation("o", "p1", subject={"reference": "#c"}, contained=[fd.patient("c")]),
        fd.observation("o", "p1", performer=[{"reference": "Patient/p4"}]),
        {k: v for k, v in fd.observation("o", "p1").items() if k != "subject"},
        {  # the subject of a contained resource is not the record's
            **{k: v for k, v in fd.observation("o", "p1").items() if k != "subject"},
            "contained": [fd.observation("c", "p9")],
        },
        {"resourceType": "AllergyIntolerance", "id": "a", "patient": {"reference": "Patient/p5"}},
        fd.patient("p7", link=[{"other": {"reference": "Patient/p8"}, "type": "seealso"}]),
    ],
)
def test_the_patient_of_each_kind_of_subject(res: dict[str, Any]) -> None:
    found = examine(orjson.dumps(res))
    assert found.ok, found.reasons
    assert found.patient == patient_id(res)
