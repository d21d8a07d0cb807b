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
from tests.generative.damage import damaged_resource

from caldicott.ingest.examine import examine


@settings(max_examples=400, deadline=None)
@given(damaged_resource())
def test_examining_any_damage_gives_findings(res: dict[str, Any]) -> None:
    found = examine(orjson.dumps(res))
    assert [r.code for r in found.reasons if r.code == "validator-failed"] == []
    if found.ok:
        assert found.rtype is not None and found.rid is not None
