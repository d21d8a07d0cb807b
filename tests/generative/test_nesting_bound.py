"""Property: ingest accepts no record nested deeper than MAX_DEPTH, and refuses a deeper
one for that alone, exactly as the parser's own depth check would.

Ingest no longer counts every record's brackets as it parses: the validator's walk
bounds the depth of what it accepts (:mod:`caldicott.ingest.validate.engine`), and a
refused record is measured after. The Spark engine's ``repeat`` relies on the bound
(``REPEAT_LEVELS``), so these records put containers near it in every kind of place the
walk goes through differently: an unknown element and a primitive's extension (the
generic walk), nested extensions and identifiers whose assigner has an identifier
(elements with a structure definition, single and repeating), a contained resource,
resources contained in one another down to a repeating primitive, and places where a
container is wrong (a date, the id), which the walk never enters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from caldicott.ingest.examine import examine
from caldicott.ingest.parse import MAX_DEPTH, parse_record

Node = Any


def depth_of(node: Node) -> int:
    """Ground truth: how deep objects and arrays nest (a scalar is 0, ``{}`` is 1)."""
    if type(node) is dict:
        return 1 + max((depth_of(v) for v in node.values()), default=0)
    if type(node) is list:
        return 1 + max((depth_of(v) for v in node), default=0)
    return 0


def _chain(kinds: list[str], leaf: Node) -> Node:
    node = leaf
    for kind in reversed(kinds):
        node = {"x": node} if kind == "o" else [node]
    return node


def _extensions(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"url": "https://example.org/e", "valueString": "v"}
    for _ in range(levels):
        node = {"url": "https://example.org/e", "extension": [node]}
    return node


def _identifiers(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"system": "https://example.org/id", "value": "v"}
    for _ in range(levels):
        node = {"value": "v", "assigner": {"identifier": node}}
    return node


def _containing(levels: int) -> dict[str, Any]:
    """Resources contained in one another, the innermost with a repeating primitive
    (``meta.profile``) as its deepest element."""
    node: dict[str, Any] = {
        "resourceType": "Patient",
        "id": f"p{levels}",
        "meta": {"profile": ["https://example.org/p"]},
    }
    for n in range(levels):
        node = {"resourceType": "Patient", "id": f"p{n}", "contained": [node]}
    return node


def _patient(**elements: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": "p1", **elements}


#: Each place a nested value can go: (name, levels -> resource).
PLACES: list[tuple[str, Callable[[int, Node], dict[str, Any]]]] = [
    ("unknown element", lambda n, chain: _patient(zzz=chain)),
    ("primitive extension", lambda n, chain: _patient(gender="male", _gender={"x": chain})),
    ("extensions", lambda n, chain: _patient(extension=[_extensions(n)])),
    ("identifiers", lambda n, chain: _patient(identifier=[_identifiers(n)])),
    (
        "contained",
        lambda n, chain: _patient(
            contained=[{"resourceType": "Basic", "id": "b", "code": {"text": "t"}, "zz": chain}]
        ),
    ),
    ("contained in contained", lambda n, chain: _containing(n)),
    ("a date", lambda n, chain: _patient(birthDate=chain)),
    ("the id", lambda n, chain: {"resourceType": "Patient", "id": chain}),
]


@st.composite
def nested_records(draw: st.DrawFn) -> tuple[str, bytes]:
    name, place = draw(st.sampled_from(PLACES))
    levels = draw(st.integers(MAX_DEPTH // 2 - 4, MAX_DEPTH + 6))
    kinds = draw(st.lists(st.sampled_from("oa"), min_size=levels, max_size=levels))
    leaf = draw(st.sampled_from(["s", 1, None, {}, []]))
    return name, orjson.dumps(place(levels, _chain(kinds, leaf)))


@settings(max_examples=700, deadline=None)
@given(nested_records())
def test_accepted_records_are_within_the_bound_and_deeper_ones_refused_for_it(
    case: tuple[str, bytes],
) -> None:
    place, raw = case
    depth = depth_of(orjson.loads(raw))
    found = examine(raw)
    codes = [r.code for r in found.reasons]
    if depth > MAX_DEPTH:
        assert not found.ok, place
        assert codes == ["too-deeply-nested"], place
        assert (found.rtype, found.rid) == (None, None)
    else:
        assert "too-deeply-nested" not in codes, place
    # the same outcome as the parser's own check of the depth, which ingest skips
    _obj, refused = parse_record(raw)
    if refused is not None:
        assert codes == [refused.code]


def test_the_bound_is_exact_in_each_walked_place() -> None:
    """One level under the bound is accepted and one over it refused, place by place."""
    for name, place in PLACES[:6]:
        accepted = refused = 0
        for levels in range(1, MAX_DEPTH + 2):
            raw = orjson.dumps(place(levels, _chain(["o"] * levels, "s")))
            found = examine(raw)
            if depth_of(orjson.loads(raw)) <= MAX_DEPTH:
                assert found.ok, (name, levels, found.reasons)
                accepted += 1
            else:
                assert [r.code for r in found.reasons] == ["too-deeply-nested"], name
                refused += 1
        assert accepted and refused, name
