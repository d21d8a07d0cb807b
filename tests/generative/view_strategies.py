"""Hypothesis strategies: small populations of patients and observations, and valid
views over them.

The views cover what the specification asks of an engine: columns and collection
columns, forEach and forEachOrNull (nested), unionAll whose branches agree on their
columns' types, repeat, view constants of several types, getResourceKey and
getReferenceKey (with and without a type, over references of the usual and of unusual
forms), extension(url), ofType over choice elements, boundaries and where. What each
resource type offers is in ``view_patients`` and ``view_observations``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from tests.generative.view_observations import OBSERVATION, observations
from tests.generative.view_patients import PATIENT, patients
from tests.generative.view_values import ANYWHERE, ColumnPool, Pools, constants


@st.composite
def populations(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Patients and observations about them (an engine reads the view's type only)."""
    # An empty population now and then; rows to compare most of the time.
    size = draw(st.sampled_from([0, 1, 2, 2, 3, 3, 4, 5]))
    found = [draw(patients(i)) for i in range(size)]
    count = draw(st.sampled_from([0, 1, 2, 3, 4, 5, 6]))
    return found + [draw(observations(i, size)) for i in range(count)]


class _Names:
    def __init__(self) -> None:
        self.n = 0

    def next(self) -> str:
        self.n += 1
        return f"c{self.n}"


def _columns(draw: st.DrawFn, pool: ColumnPool, names: _Names) -> list[dict[str, Any]]:
    chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))
    return [{"name": names.next(), "path": path, "type": kind} for path, kind in chosen]


def _union(draw: st.DrawFn, names: _Names, pools: Pools) -> dict[str, Any]:
    """unionAll branches with the same column names, each column of one type throughout."""
    kinds = draw(st.lists(st.sampled_from(sorted(ANYWHERE)), min_size=1, max_size=2))
    fixed = [names.next() for _ in kinds]
    branches = []
    for _ in range(draw(st.integers(1, 3))):
        path, pool = draw(st.sampled_from(pools.iterations))
        cols = []
        for name, kind in zip(fixed, kinds, strict=True):
            choices = [p for p, t in pool if t == kind] + ANYWHERE[kind]
            cols.append({"name": name, "path": draw(st.sampled_from(choices)), "type": kind})
        key = draw(st.sampled_from(["forEach", "forEachOrNull"]))
        branches.append({key: path, "column": cols})
    return {"unionAll": branches}


@st.composite
def selections(draw: st.DrawFn, names: _Names, pools: Pools, depth: int = 0) -> dict[str, Any]:
    kinds = ["plain", "forEach", "forEachOrNull", "nested", "repeat", "collection"]
    kind = draw(st.sampled_from([*kinds, "union"] if depth == 0 else kinds))
    if kind == "collection":
        path, col_type = draw(st.sampled_from(pools.collections))
        return {
            "column": [{"name": names.next(), "path": path, "type": col_type, "collection": True}]
        }
    if kind == "union":
        return _union(draw, names, pools)
    if kind in ("forEach", "forEachOrNull"):
        path, pool = draw(st.sampled_from(pools.iterations))
        return {kind: path, "column": _columns(draw, pool, names)}
    if kind == "nested":
        outer, outer_pool, inner, inner_pool = draw(st.sampled_from(pools.nested))
        keys = st.sampled_from(["forEach", "forEachOrNull"])
        return {
            draw(keys): outer,
            "column": _columns(draw, outer_pool, names),
            "select": [{draw(keys): inner, "column": _columns(draw, inner_pool, names)}],
        }
    if kind == "repeat":
        paths, pool = draw(st.sampled_from(pools.repeats))
        return {"repeat": paths, "column": _columns(draw, pool, names)}
    sel: dict[str, Any] = {"column": _columns(draw, pools.columns, names)}
    if depth == 0 and draw(st.booleans()):
        sel["select"] = [draw(selections(names, pools, depth + 1))]
    return sel


@st.composite
def views(draw: st.DrawFn) -> dict[str, Any]:
    names = _Names()
    pools = draw(st.sampled_from([PATIENT, OBSERVATION]))
    selects = draw(st.lists(selections(names, pools), min_size=1, max_size=3))
    view: dict[str, Any] = {
        "resourceType": "ViewDefinition",
        "resource": pools.resource,
        "constant": draw(constants()),
        "select": selects,
    }
    if draw(st.booleans()):
        # several filters must all hold
        chosen = draw(st.lists(st.sampled_from(pools.wheres), min_size=1, max_size=2))
        view["where"] = [{"path": path} for path in chosen]
    return view
