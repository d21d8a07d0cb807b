"""The loader's garbage collection between batches: only once garbage may have built up."""

from __future__ import annotations

import gc
import weakref

from caldicott.ingest import garbage


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only a collection frees it


def test_a_little_garbage_waits_and_much_is_collected() -> None:
    with garbage.fewer_collections():  # as during a load: no automatic collection
        few = weakref.ref(_Node())
        garbage.between_batches()
        assert few() is not None  # not worth a walk of everything young yet
        many = [_Node() for _ in range(garbage.COLLECT_AFTER)]
        del many
        garbage.between_batches()
        assert few() is None and gc.get_count()[0] < garbage.COLLECT_AFTER
