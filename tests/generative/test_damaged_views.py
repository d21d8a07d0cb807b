"""Property: a damaged ViewDefinition is refused with a user error, never a crash.

Valid views (the built-in library and a few that use every kind of select) are damaged
at random: values replaced by JSON of other types or FHIRPath fragments, keys added or
removed. Parsing must either succeed or raise a :class:`UserError` (a clear error, exit
code 2 or 9), and a view that parses must run on the reference and DuckDB engines or be
refused the same way: no KeyError, TypeError or engine failure (an internal error, which
is not a user error) reaches a user.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests import fhirdata as fd
from tests.generative.damage import damage

from caldicott.errors import UserError
from caldicott.views.engines.base import ResourceList
from caldicott.views.engines.duckdb import DuckDBEngine
from caldicott.views.engines.memory import MemoryEngine
from caldicott.views.parse import parse_view

LIBRARY = Path(__file__).parents[2] / "src" / "caldicott" / "views" / "library"
_SELECTS: list[dict[str, Any]] = [
    {
        "resource": "Patient",
        "constant": [{"name": "sys", "valueString": fd.NHS_SYSTEM}],
        "where": [{"path": "active.exists().not() or active"}],
        "select": [
            {"column": [{"path": "getResourceKey()", "name": "id"}]},
            {"forEach": "name", "column": [{"path": "family", "name": "family"}]},
            {
                "forEachOrNull": "identifier.where(system = %sys)",
                "column": [{"path": "value", "name": "nhs", "type": "string"}],
            },
        ],
    },
    {
        "resource": "Observation",
        "select": [
            {"column": [{"path": "subject.getReferenceKey(Patient)", "name": "patient"}]},
            {
                "unionAll": [
                    {"column": [{"path": "value.ofType(Quantity).value", "name": "v"}]},
                    {"column": [{"path": "code.coding.first().code", "name": "v"}]},
                ]
            },
            {"repeat": ["component"], "column": [{"path": "code.text", "name": "t"}]},
        ],
    },
]
VIEWS = [json.loads(p.read_text()) for p in sorted(LIBRARY.glob("*.json"))] + _SELECTS
RESOURCES = ResourceList(
    [fd.patient("p1", 1), fd.observation("o1", "p1"), fd.condition("c1", "p1")]
)

_FRAGMENTS = ["", " ", "(", "first(", "where()", "%none", "ofType()", "a.b.c", "1 +", "'x"]
_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from(_FRAGMENTS),
    st.lists(st.sampled_from([{}, {"path": "x"}, {"column": []}, "y"]), max_size=2),
    st.dictionaries(st.sampled_from(["path", "name", "column", "select"]), st.none(), max_size=2),
)
_KEYS = st.sampled_from(["column", "select", "forEach", "unionAll", "repeat", "where", "name", ""])


@st.composite
def _damaged(draw: st.DrawFn) -> Any:
    view = draw(st.sampled_from(VIEWS))
    for _ in range(draw(st.integers(1, 3))):
        view = damage(view, draw, _JUNK, _KEYS, drop=True, suffixes=_FRAGMENTS, max_depth=5)
    return view


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_damaged())
def test_a_damaged_view_gets_a_clear_error_or_runs(data: Any) -> None:
    try:
        view = parse_view(data)
    except UserError:
        return
    for engine in (MemoryEngine(), DuckDBEngine()):
        with contextlib.suppress(UserError):  # an internal failure is a bug: it fails here
            engine.run(view, RESOURCES)
