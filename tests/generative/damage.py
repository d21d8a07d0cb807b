"""Random damage to JSON documents, for tests that a parser or validator never crashes."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from tests import fhirdata as fd


def damage(
    node: Any,
    draw: st.DrawFn,
    junk: st.SearchStrategy[Any],
    keys: st.SearchStrategy[str],
    *,
    drop: bool = False,
    suffixes: list[str] | None = None,
    max_depth: int = 4,
    depth: int = 0,
) -> Any:
    """``node`` with one random change somewhere below it.

    In an object: a value replaced by ``junk``, a ``keys`` key added, a key dropped (with
    ``drop``), or the change made further down; in an array, to one of its items; a
    string may instead get one of ``suffixes`` appended; anything else is replaced.
    """
    if isinstance(node, dict) and node:
        key = draw(st.sampled_from(sorted(node)))
        hows = ["replace", "add", "down", *(["drop"] if drop else [])]
        how = draw(st.sampled_from(hows if depth < max_depth else ["replace"]))
        out = dict(node)
        if how == "replace":
            out[key] = draw(junk)
        elif how == "add":
            out[draw(keys)] = draw(junk)
        elif how == "drop":
            del out[key]
        else:
            out[key] = damage(
                node[key], draw, junk, keys, drop=drop, suffixes=suffixes,
                max_depth=max_depth, depth=depth + 1,
            )  # fmt: skip
        return out
    if isinstance(node, list) and node:
        i = draw(st.integers(0, len(node) - 1))
        item = damage(
            node[i], draw, junk, keys, drop=drop, suffixes=suffixes,
            max_depth=max_depth, depth=depth + 1,
        )  # fmt: skip
        return [*node[:i], item, *node[i + 1 :]]
    if suffixes and isinstance(node, str) and draw(st.booleans()):
        return node + draw(st.sampled_from(suffixes))
    return draw(junk)


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
        st.builds(
            lambda t, i: {"resourceType": t, "id": i},
            st.sampled_from(["Patient", "X"]),
            st.one_of(st.just("c1"), inner),  # a contained resource's id may be junk too
        ),
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
def damaged_resource(draw: st.DrawFn) -> dict[str, Any]:
    """One of the test resources with one to three random changes."""
    res = draw(st.sampled_from(_MAKERS))()
    for _ in range(draw(st.integers(1, 3))):
        res = damage(res, draw, _JSON, _KEYS)
    return res
