"""``repeat`` on Spark: the items and their %rowIndex are the memory engine's (depth-first),
and a repeat deeper than the bound fails instead of stopping short."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest

from caldicott.errors import Unsupported
from caldicott.ingest.examine import examine
from caldicott.ingest.parse import MAX_DEPTH
from caldicott.views import parse_view
from caldicott.views.engines import get_engine
from caldicott.views.engines.base import ResourceList
from caldicott.views.engines.spark_dialect import REPEAT_LEVELS
from caldicott.views.suite import normalise

pytestmark = [pytest.mark.spark]


def _item(link: str, *children: dict[str, Any], answers: tuple[Any, ...] = ()) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": link}
    if children:
        item["item"] = list(children)
    if answers:
        item["answer"] = [{"valueString": f"a{link}", "item": list(a)} for a in answers]
    return item


#: Depth-first and breadth-first orders differ here, and one item has children under both
#: repeat paths (``item`` first, then ``answer.item``).
RESPONSE = {
    "resourceType": "QuestionnaireResponse",
    "id": "qr1",
    "item": [
        _item(
            "1",
            _item("1.1", _item("1.1.1"), answers=((_item("1.1.a1", _item("1.1.a1.1")),),)),
            _item("1.2"),
            answers=((_item("1.a1"),),),
        ),
        _item("2", _item("2.1", _item("2.1.1"))),
    ],
}
SECOND = {"resourceType": "QuestionnaireResponse", "id": "qr2", "item": [_item("x", _item("y"))]}


def _rows(engine: str, view: dict[str, Any], resources: tuple[Any, ...]) -> list[str]:
    result = get_engine(engine).run(parse_view(view), ResourceList(resources))
    return sorted(json.dumps(normalise(r), sort_keys=True) for r in result.dicts())


@pytest.fixture(scope="module", autouse=True)
def _needs_spark() -> None:
    pytest.importorskip("pyspark")


def test_items_and_row_index_are_depth_first_as_in_memory() -> None:
    view = {
        "resource": "QuestionnaireResponse",
        "select": [
            {"column": [{"name": "id", "path": "getResourceKey()", "type": "id"}]},
            {
                "repeat": ["item", "answer.item"],
                "column": [
                    {"name": "i", "path": "%rowIndex", "type": "integer"},
                    {"name": "link", "path": "linkId", "type": "string"},
                ],
            },
        ],
    }
    resources = (RESPONSE, SECOND)
    spark = _rows("spark", view, resources)
    assert spark == _rows("memory", view, resources)
    order = [
        r["link"] for r in sorted(map(json.loads, spark), key=lambda r: r["i"]) if r["id"] == "qr1"
    ]
    assert order == ["1", "1.1", "1.1.1", "1.1.a1", "1.1.a1.1", "1.2", "1.a1", "2", "2.1", "2.1.1"]


def test_nested_repeat_under_for_each_matches_memory() -> None:
    view = {
        "resource": "QuestionnaireResponse",
        "select": [
            {
                "forEach": "item",
                "column": [{"name": "top", "path": "linkId", "type": "string"}],
                "select": [
                    {
                        "repeat": ["item"],
                        "column": [
                            {"name": "i", "path": "%rowIndex", "type": "integer"},
                            {"name": "link", "path": "linkId", "type": "string"},
                        ],
                        "select": [
                            {
                                "repeat": ["answer.item"],
                                "column": [{"name": "deep", "path": "linkId", "type": "string"}],
                            }
                        ],
                    }
                ],
            }
        ],
    }
    assert _rows("spark", view, (RESPONSE,)) == _rows("memory", view, (RESPONSE,))


def _chain(levels: int) -> dict[str, Any]:
    """A resource with ``levels`` objects nested under ``a``, one inside the other."""
    node: dict[str, Any] = {"n": levels}
    for n in range(levels - 1, 0, -1):
        node = {"n": n, "a": node}
    return {"resourceType": "Basic", "id": "b", "a": node}


CHAIN_VIEW = {
    "resource": "Basic",
    "select": [{"repeat": ["a"], "column": [{"name": "n", "path": "n", "type": "integer"}]}],
}


def test_the_deepest_resource_ingest_accepts_is_followed_to_the_end() -> None:
    deepest = _chain(MAX_DEPTH - 1)  # the resource itself is one level of nesting
    assert examine(orjson.dumps(deepest)).ok  # what ingest accepts
    assert not examine(orjson.dumps(_chain(MAX_DEPTH))).ok
    rows = _rows("spark", CHAIN_VIEW, (deepest,))
    assert rows == _rows("memory", CHAIN_VIEW, (deepest,))
    assert len(rows) == MAX_DEPTH - 1 <= REPEAT_LEVELS


def test_a_repeat_past_the_bound_fails_rather_than_truncates() -> None:
    too_deep = _chain(REPEAT_LEVELS + 3)
    assert len(_rows("memory", CHAIN_VIEW, (too_deep,))) == REPEAT_LEVELS + 3
    with pytest.raises(Unsupported, match=f"deeper than {REPEAT_LEVELS} levels"):
        _rows("spark", CHAIN_VIEW, (too_deep,))
