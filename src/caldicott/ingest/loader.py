"""The load: read every file, validate, write accepted records in atomic batches.

One batch (``Settings.ingest_batch_size`` records) is one DuckDB transaction, so a load
killed at any moment leaves the warehouse as it was before the unfinished batch; writing
is idempotent, so running the same command again completes it. Refused records go to the
quarantine (idempotent too). Records whose references are not yet resolvable are held
(:mod:`.references`) and settled at the end.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import update

from caldicott.applog import get_logger
from caldicott.ingest.accounting import UNPARSED, Counts, Tally
from caldicott.ingest.batch import Batch
from caldicott.ingest.bundles import NotFhir, read_json
from caldicott.ingest.examine import Findings, reference_paths
from caldicott.ingest.exports import exported_id
from caldicott.ingest.garbage import between_batches, fewer_collections
from caldicott.ingest.quarantine import Quarantine, Refused
from caldicott.ingest.reasons import FILE_PROBLEMS, Reason, reason
from caldicott.ingest.references import HeldRecords, Pending, absent_keys, unresolved
from caldicott.ingest.sources import (
    Block,
    FileReport,
    RawRecord,
    blocks_of,
    discover,
    own_stores,
    read_blocks,
)
from caldicott.ingest.tables import IngestFile, IngestLoad
from caldicott.ingest.workers import examined, worker_count
from caldicott.settings import Settings
from caldicott.store.control import ControlPlane
from caldicott.store.control.base import utcnow
from caldicott.store.warehouse import WarehouseWriter, WriteCounts

log = get_logger(__name__)
Advance = Callable[[float], None]
#: Birth dates (patient id to date) kept from batch to batch, about 150 bytes each.
BIRTHS_KEPT = 200_000


@dataclass
class LoadResult:
    load_id: str
    source: str | None
    tally: Tally
    files: list[FileReport]
    seconds: float
    bytes_read: int
    resolved: int = 0
    status: str = "completed"
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        totals = self.tally.totals()
        rate = totals.read / self.seconds if self.seconds else 0.0
        by_file = self.tally.by_file()
        return {
            "load_id": self.load_id,
            "source": self.source,
            "status": self.status,
            **totals.as_dict(),
            "files": [
                {
                    "path": f.path,
                    "kind": f.kind,
                    "status": f.status,
                    "note": f.note,
                    **by_file.get(f.path, _EMPTY_FILE),
                }
                for f in self.files
            ],
            **self.tally.as_dict(),
            "resolved_quarantine": self.resolved,
            **self.extra,
            "seconds": round(self.seconds, 3),
            "resources_per_second": round(rate, 1),
            "mb_per_second": round(self.bytes_read / 1e6 / self.seconds, 2) if self.seconds else 0,
        }


def _zero() -> Counts:
    return Counts()


#: A file no record was read from (skipped, empty): its counts and breakdowns.
_EMPTY_FILE: dict[str, Any] = {
    **Counts().as_dict(),
    "types": {},
    "reasons": {},
    "warning_codes": {},
}


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


class Loader:
    """One load of files into the warehouse; use :meth:`run`."""

    def __init__(
        self,
        settings: Settings,
        control: ControlPlane,
        warehouse: WarehouseWriter,
        *,
        source: str | None = None,
        advance: Advance | None = None,
    ) -> None:
        self.settings = settings
        self.control = control
        self.warehouse = warehouse
        self.source = source
        self.advance = advance or (lambda _n: None)
        self.batch_size = settings.ingest_batch_size
        self.load_id = uuid.uuid4().hex
        self.tally = Tally()
        self.quarantine = Quarantine(control, settings.home)
        self.spill_dir = settings.home / "quarantine" / "spill"
        self.pending = Batch()
        self.refused: list[Refused] = []
        self.births: dict[str, str] = {}
        self.resolved_ids: list[int] = []
        self.resolved_keys: list[tuple[str, str]] = []
        self.open_keys: set[tuple[str, str]] = set()
        self.resolved = 0
        self.batches = 0
        self._last_file = ""
        self._last_export_id: int | None = None
        # one thread writes batches to the warehouse (started at the first; see _commit)
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="caldicott-warehouse")
        self._writing: tuple[Future[dict[str, WriteCounts]], Batch] | None = None

    # -- the run ------------------------------------------------------------------------
    def run(self, paths: Sequence[Path]) -> LoadResult:
        started = time.perf_counter()
        to_read, skipped = discover(paths, exclude=own_stores(self.settings.home))
        self._start()
        self.open_keys = self.quarantine.open_keys()
        held = HeldRecords(self.spill_dir)
        reports: list[FileReport] = []
        sizes = [_size(path) for path, _ in to_read]
        workers = worker_count(self.settings.ingest_workers, sum(sizes))
        try:
            with fewer_collections():
                for item, found in examined(self._stream(to_read, reports), workers):
                    if found is None:  # refused as read (unreadable, truncated, too long)
                        assert isinstance(item, RawRecord) and item.problem is not None
                        self.advance(1)
                        self._refuse(item, [item.problem], None, None)
                    else:
                        assert isinstance(item, Block)
                        self._take(item, found, held)
                self._flush(held)
                self._settle(held)
                self._written()
        finally:
            self._writer.shutdown(wait=True)  # a transaction under way ends first
            held.close()
        self.tally.check()
        # a file read to the end now resolves the records it no longer holds (repaired)
        read = [r.path for r in reports if r.status in ("read", "empty")]
        whole = self.tally.free_of(read, FILE_PROBLEMS)
        self.resolved += self.quarantine.resolve_files(self.load_id, whole)
        result = LoadResult(
            self.load_id,
            self.source,
            self.tally,
            reports + skipped,
            time.perf_counter() - started,
            sum(r.bytes for r in reports),
            self.resolved,
            extra={"workers": workers},
        )
        self._finish(result)
        return result

    def _stream(
        self, to_read: list[tuple[Path, str]], reports: list[FileReport]
    ) -> Iterator[Block | RawRecord]:
        """Every file's blocks in order; each file's report is added as it ends."""
        for path, kind in to_read:
            report = FileReport(str(path), kind)
            records = 0
            notes: list[str] = []
            try:
                report.bytes = path.stat().st_size
                for item in self._blocks(path, kind, notes):
                    records += 1
                    yield item
            except NotFhir as exc:
                report.status, report.note = "skipped", str(exc)
            except OSError as exc:
                report.status = "unreadable"
                report.note = f"cannot read: {exc.strerror or type(exc).__name__}"
                yield RawRecord(str(path), 0, b"", reason("unreadable-file", report.note))
            if records == 0 and report.status == "read":
                report.status = "empty"
                report.note = "no records in the file"
            report.note = "; ".join([report.note, *notes] if report.note else notes)
            reports.append(report)

    def _blocks(self, path: Path, kind: str, notes: list[str]) -> Iterator[Block | RawRecord]:
        if kind == "json":
            return blocks_of(read_json(path, notes))
        return read_blocks(path, kind, self.spill_dir)

    # -- one block ------------------------------------------------------------------------
    def _take(self, block: Block, found: Findings, held: HeldRecords) -> None:
        """Refuse a block's refused records; add its accepted ones to batches."""
        self.advance(found.records)
        file = block.file
        buffer = block.buffer()
        for index, start, end, reasons, rtype, rid in found.refused:
            raw = RawRecord(file, block.number(index), buffer[start:end])
            self._refuse(raw, reasons, rtype, rid)
        accepted = found.accepted
        if not accepted:
            return
        for rtype, n in Counter(found.rtypes).items():
            self.tally.read(file, rtype, n)
        if block.numbers is None:
            first = block.first
            numbers = [first + index for index in accepted]
        else:
            numbers = [block.numbers[index] for index in accepted]
        births = self.births
        for rid, birth in zip(found.rids, found.births, strict=True):
            if birth is not None:
                births[rid] = birth
        export_id = self._export_id(file)
        lo, total = 0, len(accepted)
        while lo < total:
            hi = min(total, lo + self.batch_size - len(self.pending))
            self.pending.add_found(
                found, lo, hi, file=file, numbers=numbers, buffer=buffer, export_id=export_id
            )
            lo = hi
            if len(self.pending) >= self.batch_size:
                self._flush(held)
                between_batches()

    def _export_id(self, file: str) -> int | None:
        if file != self._last_file:
            self._last_file, self._last_export_id = file, exported_id(file)
        return self._last_export_id

    def _refuse(
        self,
        raw: RawRecord,
        reasons: list[Reason],
        rtype: str | None,
        rid: str | None,
        counted: bool = False,
    ) -> None:
        if not counted:  # records held for references were counted as read already
            self.tally.read(raw.file, rtype or UNPARSED)
        self.tally.quarantine(raw.file, rtype or UNPARSED, [r.code for r in reasons])
        self.refused.append(Refused(raw, reasons, rtype, rid))

    # -- batches ----------------------------------------------------------------------------
    def _flush(self, held: HeldRecords) -> None:
        batch, self.pending = self.pending, Batch()
        ok, later = self._unresolved(batch)
        held.add(later)
        self._commit(ok)

    def _unresolved(self, batch: Batch) -> tuple[Batch, list[Pending]]:
        self._written()  # the records of the batch before may be what these refer to
        return unresolved(batch, self.warehouse)

    def _commit(self, ok: Batch) -> None:
        """Quarantine writes, then one warehouse transaction, then accounting.

        The transaction runs in a thread of its own (DuckDB lets go of the GIL), so the
        next batch is taken from the workers meanwhile; everything that asks the
        warehouse waits for it first (:meth:`_written`), and so does the accounting.
        """
        self._written()
        self.quarantine.write(self.load_id, self.refused)
        self.refused = []
        if not ok:
            self._batch_done()
            return
        self._births_check(ok)
        future = self._writer.submit(self.warehouse.write_batch, self.load_id, ok.columns())
        self._writing = (future, ok)
        # births of this batch's patients are in the warehouse by the next check: keep a
        # bounded number, so that most batches (whose patients are those of the last)
        # need no lookup, and memory stays bounded whatever the input
        if len(self.births) > BIRTHS_KEPT:
            self.births.clear()

    def _written(self) -> None:
        """Wait for the batch being written, if any, and account for it."""
        if self._writing is None:
            return
        future, ok = self._writing
        self._writing = None
        written = future.result()
        for counts in written.values():
            self.tally.written.update(
                inserted=counts.inserted,
                replaced=counts.replaced,
                unchanged=counts.unchanged,
                older=counts.older,
            )
        warned: dict[tuple[str, str], list[str]] = {}
        for pos, warnings in ok.warnings.items():
            warned.setdefault((ok.files[pos], ok.rtypes[pos]), []).extend(w.code for w in warnings)
        for (file, rtype), n in Counter(zip(ok.files, ok.rtypes, strict=True)).items():
            self.tally.accept(file, rtype, warned.get((file, rtype), []), n)
        self.resolved_ids.extend(e for e in ok.export_ids if e is not None)
        if self.open_keys:  # only a version made current repairs a quarantined id
            for rtype, counts in written.items():
                became = {(rtype, rid) for rid in counts.current}
                self.resolved_keys.extend(became & self.open_keys)
        self._batch_done()

    def _batch_done(self) -> None:
        if self.resolved_ids or self.resolved_keys:
            self.resolved += self.quarantine.resolve(
                self.load_id, self.resolved_ids, self.resolved_keys
            )
            self.resolved_ids, self.resolved_keys = [], []
        self.batches += 1
        with self.control.session() as s:
            s.execute(
                update(IngestLoad).where(IngestLoad.id == self.load_id).values(batches=self.batches)
            )

    def _births_check(self, ok: Batch) -> None:
        births = self.births
        missing = sorted(p for p in set(ok.patients) if p is not None and p not in births)
        if missing:
            births.update(self.warehouse.json_values("Patient", missing, "birthDate"))
        for pos, (event, patient) in enumerate(zip(ok.events, ok.patients, strict=True)):
            if event and patient:
                birth = births.get(patient)
                if birth:
                    n = min(len(birth), len(event))
                    if event[:n] < birth[:n]:
                        ok.warnings.setdefault(pos, []).append(
                            reason(
                                "implausible-date",
                                "event dated before the patient's birth",
                                ok.rtypes[pos],
                            )
                        )

    def _settle(self, held: HeldRecords) -> None:
        """Re-check held records until a pass accepts nothing; then refuse or warn."""
        while held.count:
            before = held.count
            for records in held.drain(self.batch_size):
                ok, later = self._unresolved(Batch.of(records))
                held.add(later)
                if ok:
                    self._commit(ok)
            if held.count == before:
                break
        if not held.count:
            return
        warn = self.settings.unresolved_references == "warn"
        accepted = Batch()
        for records in held.drain(self.batch_size):
            ok, later = self._unresolved(Batch.of(records))
            for n in range(len(ok)):
                accepted.add_pending(ok.pending(n))
            absent = absent_keys({(t, i) for p in later for t, i in p.refs}, self.warehouse)
            for p in later:
                missing = self._missing(p, absent)
                if warn:
                    p.warnings.extend(missing)
                    accepted.add_pending(p)
                else:
                    raw = RawRecord(p.file, p.number, p.text)
                    self._refuse(raw, missing, p.rtype, p.rid, counted=True)
            if len(accepted) >= self.batch_size:
                self._commit(accepted)
                accepted = Batch()
        self._commit(accepted)

    def _missing(self, p: Pending, absent: set[tuple[str, str]]) -> list[Reason]:
        """The reasons for each reference of ``p`` to one of the ``absent`` keys."""
        warn = self.settings.unresolved_references == "warn"
        code = "unresolved-reference" if warn else "dangling-reference"
        out = []
        for where, t, i in reference_paths(p.text):
            if (t, i) in absent:
                out.append(reason(code, f"no {t} with this id in the load or the warehouse", where))
        return out

    # -- the control-plane record of the load ------------------------------------------
    def _start(self) -> None:
        with self.control.session() as s:
            s.execute(
                update(IngestLoad)
                .where(IngestLoad.status == "running")
                .values(status="interrupted")
            )
            s.add(
                IngestLoad(
                    id=self.load_id,
                    source=self.source,
                    status="running",
                    started_at=utcnow(),
                    batches=0,
                    read=0,
                    accepted=0,
                    quarantined=0,
                    warnings=0,
                )
            )
        log.info("load started", extra={"load_id": self.load_id})

    def _finish(self, result: LoadResult) -> None:
        totals = self.tally.totals()
        with self.control.session() as s:
            load = s.get(IngestLoad, self.load_id)
            assert load is not None
            load.status = result.status
            load.finished_at = utcnow()
            load.read, load.accepted = totals.read, totals.accepted
            load.quarantined, load.warnings = totals.quarantined, totals.warnings
            load.summary = orjson.dumps(result.as_dict()).decode()
            for f in result.files:
                c = self.tally.files.get(f.path, _zero())
                s.add(
                    IngestFile(
                        load_id=self.load_id,
                        path=f.path[-2000:],
                        kind=f.kind,
                        status=f.status,
                        note=f.note[:500],
                        read=c.read,
                        accepted=c.accepted,
                        quarantined=c.quarantined,
                        warnings=c.warnings,
                    )
                )
        log.info(
            "load finished",
            extra={
                "load_id": self.load_id,
                "read": totals.read,
                "accepted": totals.accepted,
                "quarantined": totals.quarantined,
            },
        )
