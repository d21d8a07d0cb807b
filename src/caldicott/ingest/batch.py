"""A batch of valid records waiting to be written, kept as columns.

The loader adds each block's accepted records to the batch column by column (list
extends and slices, in C), and the batch goes to the warehouse as columns too. No Python
object is made per record between a worker's findings and DuckDB, which was two thirds of
the loader's time when each record was a :class:`~.references.Pending`: not even its
bytes, which stay in the blocks they were read in (``buffers``), placed by ``which``,
``starts`` and ``ends`` (see :class:`~caldicott.store.warehouse.Texts`). A record leaves
the columns as a :class:`~.references.Pending` only when it is held for its references
(rare) or read back from the held file.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import add

from caldicott.ingest.examine import Findings
from caldicott.ingest.reasons import Reason
from caldicott.ingest.references import Pending
from caldicott.store.warehouse import Columns, Texts

#: Records taken out of a batch one by one; more are left out by one pass over it.
FEW = 64
#: The columns with one entry per record (the order of :func:`_record_values`).
RECORD_COLUMNS = (
    "files",
    "numbers",
    "rtypes",
    "rids",
    "versions",
    "updated",
    "which",
    "starts",
    "ends",
    "export_ids",
    "events",
    "patients",
)


@dataclass(slots=True)
class Batch:
    """Records as columns, their references flat (``ref_owner`` is a record's position
    and never decreases), their warnings sparse by position."""

    files: list[str] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    rtypes: list[str] = field(default_factory=list)
    rids: list[str] = field(default_factory=list)
    versions: list[str | None] = field(default_factory=list)
    updated: list[str | None] = field(default_factory=list)
    which: list[int] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    export_ids: list[int | None] = field(default_factory=list)
    events: list[str | None] = field(default_factory=list)
    patients: list[str | None] = field(default_factory=list)
    ref_owner: list[int] = field(default_factory=list)
    ref_type: list[str] = field(default_factory=list)
    ref_id: list[str] = field(default_factory=list)
    warnings: dict[int, list[Reason]] = field(default_factory=dict)
    buffers: list[bytes] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rids)

    def keys(self) -> list[tuple[str, str]]:
        return list(zip(self.rtypes, self.rids, strict=True))

    def columns(self) -> Columns:
        """What the warehouse writes."""
        texts = Texts(self.buffers, self.which, self.starts, self.ends)
        return Columns(self.rtypes, self.rids, self.versions, self.updated, texts)

    def text(self, pos: int) -> bytes:
        return self.buffers[self.which[pos]][self.starts[pos] : self.ends[pos]]

    def add_found(
        self,
        found: Findings,
        lo: int,
        hi: int,
        *,
        file: str,
        numbers: Sequence[int],
        buffer: bytes,
        export_id: int | None,
    ) -> None:
        """Add the accepted records ``lo`` to ``hi`` of a block's findings; ``numbers`` are
        the line numbers of its accepted records, ``buffer`` the block's bytes."""
        base = len(self)
        n = hi - lo
        if not self.buffers or self.buffers[-1] is not buffer:
            self.buffers.append(buffer)
        self.files.extend(repeat(file, n))
        self.numbers.extend(numbers[lo:hi])
        self.rtypes.extend(found.rtypes[lo:hi])
        self.rids.extend(found.rids[lo:hi])
        self.versions.extend(found.versions[lo:hi])
        self.updated.extend(found.updated[lo:hi])
        self.which.extend(repeat(len(self.buffers) - 1, n))
        self.starts.extend(found.starts[lo:hi])
        self.ends.extend(found.ends[lo:hi])
        self.export_ids.extend(repeat(export_id, n))
        self.events.extend(found.events[lo:hi])
        self.patients.extend(found.patients[lo:hi])
        r_lo, r_hi = bisect_left(found.ref_owner, lo), bisect_left(found.ref_owner, hi)
        self.ref_owner.extend(map(add, found.ref_owner[r_lo:r_hi], repeat(base - lo)))
        self.ref_type.extend(found.ref_type[r_lo:r_hi])
        self.ref_id.extend(found.ref_id[r_lo:r_hi])
        for pos, reasons in found.warnings.items():
            if lo <= pos < hi:
                self.warnings[pos - lo + base] = list(reasons)

    def add_pending(self, p: Pending) -> None:
        pos = len(self)
        self.buffers.append(p.text)
        values = _record_values(p, len(self.buffers) - 1)
        for name, value in zip(RECORD_COLUMNS, values, strict=True):
            getattr(self, name).append(value)
        for t, i in p.refs:
            self.ref_owner.append(pos)
            self.ref_type.append(t)
            self.ref_id.append(i)
        if p.warnings:
            self.warnings[pos] = list(p.warnings)

    @classmethod
    def of(cls, records: Iterable[Pending]) -> Batch:
        batch = cls()
        for p in records:
            batch.add_pending(p)
        return batch

    def refs_of(self, pos: int) -> list[tuple[str, str]]:
        lo = bisect_left(self.ref_owner, pos)
        hi = bisect_left(self.ref_owner, pos + 1, lo)
        return list(zip(self.ref_type[lo:hi], self.ref_id[lo:hi], strict=True))

    def pending(self, pos: int) -> Pending:
        """Record ``pos`` as one object (to hold it in the spill file)."""
        return Pending(
            self.files[pos],
            self.numbers[pos],
            self.rtypes[pos],
            self.rids[pos],
            self.versions[pos],
            self.updated[pos],
            self.text(pos),
            self.refs_of(pos),
            list(self.warnings.get(pos, [])),
            self.export_ids[pos],
            self.events[pos],
            self.patients[pos],
        )

    def without(self, dropped: set[int]) -> Batch:
        """The records not at these positions, references left out: what remains once
        the records held for their references are taken out resolves, and is written.

        A few records are deleted in place (this batch is consumed); more are left out by
        one pass over each column.
        """
        if len(dropped) > FEW:
            keep = [n not in dropped for n in range(len(self))]
            out = Batch(buffers=self.buffers)
            for name in RECORD_COLUMNS:
                setattr(out, name, list(compress(getattr(self, name), keep)))
        else:
            out = self
            for n in sorted(dropped, reverse=True):
                for name in RECORD_COLUMNS:
                    del getattr(self, name)[n]
            out.ref_owner, out.ref_type, out.ref_id = [], [], []
        gone = sorted(dropped)
        out.warnings = {
            n - bisect_left(gone, n): w for n, w in self.warnings.items() if n not in dropped
        }
        return out


def _record_values(p: Pending, buffer: int) -> tuple[object, ...]:
    return (
        p.file,
        p.number,
        p.rtype,
        p.rid,
        p.version_id,
        p.last_updated,
        buffer,
        0,
        len(p.text),
        p.export_id,
        p.event,
        p.patient,
    )
