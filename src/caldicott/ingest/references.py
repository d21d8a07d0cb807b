"""Deferred reference resolution, whatever the order of files.

A record whose references do not resolve against its batch or the warehouse is *held*:
written to a spill file on disk (memory stays bounded) and checked again at the end of the
load, in passes, until a pass accepts nothing more. What still does not resolve is
quarantined with ``dangling-reference`` (or accepted with an ``unresolved-reference``
warning when ``Settings.unresolved_references == "warn"``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from caldicott.ingest.reasons import Reason
from caldicott.store.warehouse import WarehouseWriter

if TYPE_CHECKING:  # the batch module builds on this one
    from caldicott.ingest.batch import Batch

Ref = tuple[str, str]  # (target type, target id); see examine.Ref


@dataclass(slots=True)
class Pending:
    """A valid record waiting to be written (or held until its references resolve)."""

    file: str
    number: int
    rtype: str
    rid: str
    version_id: str | None
    last_updated: str | None
    text: bytes
    refs: list[Ref]
    warnings: list[Reason] = field(default_factory=list)
    export_id: int | None = None
    event: str | None = None
    patient: str | None = None

    def dump(self) -> bytes:
        return orjson.dumps(
            [
                self.file,
                self.number,
                self.rtype,
                self.rid,
                self.version_id,
                self.last_updated,
                self.text.decode("utf-8"),
                self.refs,
                [[w.code, w.message, w.path] for w in self.warnings],
                self.export_id,
                self.event,
                self.patient,
            ]
        )

    @classmethod
    def load(cls, line: bytes) -> Pending:
        f, n, t, i, v, lu, text, refs, warns, eid, ev, pt = orjson.loads(line)
        return cls(
            f,
            n,
            t,
            i,
            v,
            lu,
            text.encode("utf-8"),
            refs,
            [Reason(*w) for w in warns],
            eid,
            ev,
            pt,
        )


def unresolved(batch: Batch, warehouse: WarehouseWriter) -> tuple[Batch, list[Pending]]:
    """Split a batch into records whose references resolve and records to hold.

    A reference resolves to the warehouse or to a record of the batch that is itself not
    held; holding one record can hold those that refer to it, so holding repeats until
    nothing more is held. The warehouse is asked only for the keys it lacks (few, usually
    none); each round finds the referrers of the keys just lost with one scan of the
    batch's references (:func:`_referrers`), and only keys that some record of the batch
    refers to count. The batch is consumed: the records left keep no references.
    """
    keys = batch.keys()
    in_batch = set(keys)
    referred = set(zip(batch.ref_type, batch.ref_id, strict=True))
    # Most batches hold nothing, or only records nobody else in the batch refers to.
    missing = absent_keys(referred - in_batch, warehouse)
    held: set[int] = set()
    while missing:
        newly = _referrers(batch, missing, held)
        held |= newly
        # a held record no longer resolves references to it, unless another record of
        # the batch with its type and id is not held, or the warehouse has it
        lost = {keys[n] for n in newly} & referred
        missing = absent_keys(_all_held(lost, keys, held), warehouse)
    if not held:
        return batch, []
    later = [batch.pending(n) for n in sorted(held)]
    return batch.without(held), later


def _referrers(batch: Batch, keys: set[tuple[str, str]], held: set[int]) -> set[int]:
    """The records not yet held that refer to one of ``keys`` (usually a handful).

    A scan that compares ids first (their hashes are cached) costs less than indexing
    every reference of the batch by target, which most batches would never use.
    """
    ids = {i for _, i in keys}
    return {
        n
        for n, t, i in zip(batch.ref_owner, batch.ref_type, batch.ref_id, strict=True)
        if i in ids and (t, i) in keys and n not in held
    }


def _all_held(
    keys: set[tuple[str, str]], batch_keys: list[tuple[str, str]], held: set[int]
) -> set[tuple[str, str]]:
    """The keys none of whose records in the batch is left unheld."""
    if not keys:
        return keys
    left = {k for n, k in enumerate(batch_keys) if n not in held}
    return keys - left


def absent_keys(keys: set[tuple[str, str]], warehouse: WarehouseWriter) -> set[tuple[str, str]]:
    """The (type, id) keys the warehouse does not hold (usually none: only they come back)."""
    by_type: dict[str, list[str]] = {}
    for t, i in keys:
        by_type.setdefault(t, []).append(i)
    return {(t, i) for t, ids in by_type.items() for i in warehouse.absent_ids(t, ids)}


class HeldRecords:
    """Records held for a later pass, kept in a spill file rather than in memory."""

    def __init__(self, spill_dir: Path) -> None:
        spill_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="held-", suffix=".ndjson", dir=spill_dir)
        self.path = Path(name)
        self.fh = os.fdopen(fd, "wb")
        self.count = 0

    def add(self, records: Sequence[Pending]) -> None:
        for p in records:
            self.fh.write(p.dump() + b"\n")
        self.count += len(records)

    def drain(self, size: int) -> Iterator[list[Pending]]:
        """Read back everything held, in batches, and start an empty file for the next pass."""
        self.fh.close()
        old = self.path
        fd, name = tempfile.mkstemp(prefix="held-", suffix=".ndjson", dir=old.parent)
        self.path = Path(name)
        self.fh = os.fdopen(fd, "wb")
        self.count = 0
        batch: list[Pending] = []
        with old.open("rb") as fh:
            for line in fh:
                batch.append(Pending.load(line))
                if len(batch) >= size:
                    yield batch
                    batch = []
        if batch:
            yield batch
        old.unlink(missing_ok=True)

    def close(self) -> None:
        self.fh.close()
        self.path.unlink(missing_ok=True)
