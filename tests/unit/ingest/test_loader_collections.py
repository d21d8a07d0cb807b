"""The loader's garbage collection between batches: only once garbage may have built up."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from caldicott.ingest import loader


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only a collection frees it


@pytest.fixture
def no_automatic_collection() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _cycle() -> weakref.ref[_Node]:
    return weakref.ref(_Node())


@pytest.mark.usefixtures("no_automatic_collection")
def test_a_little_garbage_waits_and_much_is_collected() -> None:
    few = _cycle()
    loader._between_batches()
    assert few() is not None  # not worth a walk of everything young yet
    many = [_Node() for _ in range(loader.COLLECT_AFTER)]
    del many
    loader._between_batches()
    assert few() is None and gc.get_count()[0] < loader.COLLECT_AFTER
