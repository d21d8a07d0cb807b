"""Holding records whose references do not resolve, within one batch."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caldicott.ingest.batch import Batch
from caldicott.ingest.references import Pending, unresolved
from caldicott.store.warehouse import Columns, DuckDBWarehouse, Row, WarehouseWriter, WriteCounts


class _Stored:
    """A warehouse holding just some (type, id) keys."""

    def __init__(self, *keys: tuple[str, str]) -> None:
        self.keys = set(keys)

    def resource_types(self) -> list[str]:
        return sorted({t for t, _ in self.keys})

    def count(self, resource_type: str) -> int:
        return sum(1 for t, _ in self.keys if t == resource_type)

    def absent_ids(self, resource_type: str, ids: Sequence[str]) -> set[str]:
        return {i for i in ids if (resource_type, i) not in self.keys}

    def json_values(self, resource_type: str, ids: list[str], element: str) -> dict[str, str]:
        return {}

    def write_batch(self, load_id: str, batch: Columns) -> dict[str, WriteCounts]:
        raise AssertionError("not written in these tests")


def _in_duckdb(*keys: tuple[str, str]) -> DuckDBWarehouse:
    """A real (in-memory) warehouse holding these keys: its SQL answers the questions."""
    w = DuckDBWarehouse(None)
    by_type: dict[str, list[Row]] = {}
    for t, i in sorted(set(keys)):
        text = orjson.dumps({"resourceType": t, "id": i})
        by_type.setdefault(t, []).append(Row(i, None, None, text))
    w.write_batch("load", Columns.of(by_type))
    return w


Backend = Callable[..., WarehouseWriter]
BACKENDS = [pytest.param(_Stored, id="sets"), pytest.param(_in_duckdb, id="duckdb")]


def _p(rtype: str, rid: str, *refs: tuple[str, str], number: int = 1) -> Pending:
    return Pending("f", number, rtype, rid, None, None, b"{}", list(refs))


def _ids(records: Batch | list[Pending]) -> list[str]:
    if isinstance(records, Batch):
        return records.rids
    return [p.rid for p in records]


@pytest.mark.parametrize("backend", BACKENDS)
def test_nothing_missing_holds_nothing(backend: Backend) -> None:
    batch = [_p("Patient", "p1"), _p("Observation", "o1", ("Patient", "p1"))]
    ok, held = unresolved(Batch.of(batch), backend())
    assert (_ids(ok), held) == (["p1", "o1"], [])


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_chain_inside_the_batch_is_held_whole(backend: Backend) -> None:
    batch = [
        _p("Observation", "o1", ("Encounter", "e1")),
        _p("Encounter", "e1", ("Patient", "ghost")),
        _p("Patient", "p1"),
        _p("Observation", "o2", ("Observation", "o1")),
    ]
    ok, held = unresolved(Batch.of(batch), backend())
    assert _ids(ok) == ["p1"]
    assert _ids(held) == ["o1", "e1", "o2"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_held_record_already_in_the_warehouse_still_resolves(backend: Backend) -> None:
    batch = [
        _p("Encounter", "e1", ("Patient", "ghost")),
        _p("Observation", "o1", ("Encounter", "e1")),
    ]
    ok, held = unresolved(Batch.of(batch), backend(("Encounter", "e1")))
    assert (_ids(ok), _ids(held)) == (["o1"], ["e1"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_another_version_left_unheld_still_resolves(backend: Backend) -> None:
    batch = [
        _p("Encounter", "e1", ("Patient", "ghost")),
        _p("Encounter", "e1"),
        _p("Observation", "o1", ("Encounter", "e1")),
    ]
    ok, held = unresolved(Batch.of(batch), backend())
    assert len(held) == 1 and held[0].refs
    assert _ids(ok) == ["e1", "o1"]


def _reference_hold(batch: list[Pending], stored: set[tuple[str, str]]) -> set[int]:
    """The definition, slowly: hold until every unheld record's references resolve."""
    held: set[int] = set()
    while True:
        known = stored | {(p.rtype, p.rid) for n, p in enumerate(batch) if n not in held}
        more = {
            n
            for n, p in enumerate(batch)
            if n not in held and any((t, i) not in known for t, i in p.refs)
        }
        if not more:
            return held
        held |= more


_key = st.tuples(st.sampled_from(["Patient", "Encounter"]), st.sampled_from("abcdef"))


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=200, deadline=None)
@given(
    records=st.lists(st.tuples(_key, st.lists(_key, max_size=3)), max_size=12),
    stored=st.sets(_key, max_size=4),
)
def test_holding_agrees_with_its_definition(
    backend: Backend,
    records: list[tuple[tuple[str, str], list[tuple[str, str]]]],
    stored: set[tuple[str, str]],
) -> None:
    batch = [_p(t, i, *refs, number=n) for n, ((t, i), refs) in enumerate(records)]
    ok, held = unresolved(Batch.of(batch), backend(*stored))
    expected = _reference_hold(batch, stored)
    assert held == [p for n, p in enumerate(batch) if n in expected]
    assert ok.numbers == [n for n in range(len(batch)) if n not in expected]
    assert len(ok) + len(held) == len(batch)
