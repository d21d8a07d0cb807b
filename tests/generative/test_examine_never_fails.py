"""Property: whatever JSON a record holds, examining it gives reasons, never a failure.

Valid resources are damaged at random places with arbitrary JSON (odd keys such as ``""``
and ``"_"``, empty and whitespace strings, nested containers, numbers of every kind,
resources inside resources). The examination must end in findings: a refusal or an
acceptance, and never the ``validator-failed`` safety net, which would mean a bug.
"""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from tests import fhirdata as fd
from tests.generative.damage import damage

from caldicott.ingest.examine import examine

_KEYS = st.sampled_from(
    ["", "_", "__", "id", "reference", "system", "code", "value", "url", "extension",
     "resourceType", "contained", "coding", "valueQuantity", "valueString", "birthDate",
     "identifier", "9434765919", "a b", "\u00e9", "_birthDate"]
)  # fmt: skip
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", " ", "\x1c", "#", "#x", "Patient/", "Patient/p1", "/", "a/b/c/d",
                     "http://snomed.info/sct", fd.NHS_SYSTEM, "1970-02-30", "2020", "T"]),
    st.text(max_size=8),
)  # fmt: skip
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(_KEYS, inner, max_size=3),
        st.builds(lambda t: {"resourceType": t, "id": "c1"}, st.sampled_from(["Patient", "X"])),
    ),
    max_leaves=8,
)
_MAKERS = [
    lambda: fd.patient("p1", 1),
    lambda: fd.observation("o1", "p1"),
    lambda: fd.condition("c1", "p1"),
    lambda: fd.encounter("e1", "p1"),
    lambda: fd.medication_request("m1", "p1"),
]


@st.composite
def _damaged(draw: st.DrawFn) -> dict[str, Any]:
    res = draw(st.sampled_from(_MAKERS))()
    for _ in range(draw(st.integers(1, 3))):
        res = damage(res, draw, _JSON, _KEYS)
    return res


@settings(max_examples=400, deadline=None)
@given(_damaged())
def test_examining_any_damage_gives_findings(res: dict[str, Any]) -> None:
    found = examine(orjson.dumps(res))
    assert [r.code for r in found.reasons if r.code == "validator-failed"] == []
    if found.ok:
        assert found.rtype is not None and found.rid is not None
