"""Quarantine: every refused record, kept with its original bytes, place and reasons.

A record is identified by its content (sha256 of its bytes) and its place (file, line or
entry number): the same bytes at two places are two records, and loading a file again
reuses its open records (their ``last_load_id`` updated) instead of adding new ones. So
does loading an exported original unchanged: it is the record exported, not a new one.
Originals up to ``INLINE_LIMIT`` bytes live in the row; larger ones in
``<home>/quarantine/originals/<sha256>.bin``, shared by the records with those bytes.

A custodian lists, shows and exports records. ``export`` writes each original so that
loading it reads it back as the one record it was (:func:`export_name`): a line of an
NDJSON file as the single line of ``q<id>.ndjson``; an original from a ``.json`` file (a
resource, pretty-printed perhaps, a Bundle entry, a file refused whole) verbatim as
``q<id>.json``. After repair, ``caldicott ingest DIR`` accepts it and marks the record
resolved. A file repaired where it is resolves, when loaded again to the end, the records
it no longer holds (:meth:`Quarantine.resolve_files`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import orjson
from sqlalchemy import ColumnElement, func, insert, or_, select, update
from sqlalchemy.orm import Session

from caldicott.applog import redact
from caldicott.errors import Conflict, NotFound, OutputError
from caldicott.ingest.exports import (
    export_bytes,
    export_name,
    exported_id,
    file_sha256,
    holds_original,
    kept_whole,
    one_lined,
    private_copy,
    private_write,
)
from caldicott.ingest.reasons import Reason
from caldicott.ingest.sources import RawRecord
from caldicott.ingest.tables import INLINE_LIMIT, QUARANTINE_TABLE, QuarantineRecord
from caldicott.store.control import ControlPlane
from caldicott.store.control.base import utcnow
from caldicott.store.own import PRIVATE

#: Values bound in one IN (...) list (SQLite's limit on parameters is far above it).
IN_LIST = 500
#: A batch's refused records from at most this many files are looked up by file as well.
FEW_FILES = 100
T = TypeVar("T")
#: Where a refused record is: (sha256 of its bytes, file, line or entry number).
Place = tuple[str, str, int]


def _slices(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), IN_LIST):
        yield values[start : start + IN_LIST]


def _resolution(load_id: str) -> dict[str, Any]:
    """What marking records resolved by this load, now, sets."""
    return {"status": "resolved", "resolved_at": utcnow(), "resolved_load_id": load_id}


def _resolve_where(s: Session, values: dict[str, Any], *conditions: ColumnElement[bool]) -> int:
    """Mark the open records meeting ``conditions`` resolved (``values``); how many."""
    result = s.execute(
        update(QuarantineRecord)
        .where(*conditions, QuarantineRecord.status == "open")
        .values(**values)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass
class Refused:
    """A record refused during a load, waiting to be written to the control plane."""

    raw: RawRecord
    reasons: list[Reason]
    resource_type: str | None = None
    resource_id: str | None = None


class Quarantine:
    """Writes refused records and answers a custodian's questions about them."""

    def __init__(self, control: ControlPlane, home: Path) -> None:
        self.control = control
        self.originals = home / "quarantine" / "originals"

    def _keep_original(self, raw: RawRecord) -> tuple[str, int, bytes | None, str | None]:
        if raw.spill is not None:
            self.originals.mkdir(parents=True, exist_ok=True)
            digest = raw.sha256 or file_sha256(raw.spill)
            target = self.originals / f"{digest}.bin"
            if not kept_whole(target, raw.size):
                if raw.spill.parent.name == "spill":
                    raw.spill.chmod(PRIVATE)
                    raw.spill.replace(target)
                else:
                    private_copy(raw.spill, target)
            elif raw.spill.parent.name == "spill":
                raw.spill.unlink(missing_ok=True)
            return digest, raw.size, None, str(target)
        digest = hashlib.sha256(raw.data).hexdigest()
        if len(raw.data) <= INLINE_LIMIT:
            return digest, len(raw.data), raw.data, None
        self.originals.mkdir(parents=True, exist_ok=True)
        target = self.originals / f"{digest}.bin"
        if not kept_whole(target, len(raw.data)):
            private_write(target, raw.data)
        return digest, len(raw.data), None, str(target)

    def write(self, load_id: str, refused: Sequence[Refused]) -> None:
        """Store refused records (one transaction); an open record already there is reused.

        "There" is the same bytes at the same place (file, number), or, for a record read
        from an exported ``q<id>`` file, the same bytes as open record ``id``.
        """
        if not refused:
            return
        now = utcnow()
        kept = [(item, self._keep_original(item.raw)) for item in refused]
        places = [(k[0], stored_file(item.raw.file), item.raw.number) for item, k in kept]
        export_of = {file: exported_id(file) for file in {file for _, file, _ in places}}
        with self.control.session() as s:
            at = self._open_at(s, places)
            open_sha = self._open_sha(s, {e for e in export_of.values() if e is not None})
            again: set[int] = set()  # the open records seen again, by primary key
            new: set[Place] = set()  # places of the records added
            rows: list[dict[str, Any]] = []
            for (item, (digest, size, inline, path)), place in zip(kept, places, strict=True):
                file = place[1]
                if place in new:
                    continue  # the same record twice in one batch is kept once
                seen = at.get(place)
                if seen is None:
                    exported = export_of[file]
                    if exported is not None and open_sha.get(exported) == digest:
                        seen = exported  # an exported original loaded again unrepaired
                if seen is not None:
                    again.add(seen)
                    continue
                new.add(place)
                rows.append(
                    {
                        "load_id": load_id,
                        "last_load_id": load_id,
                        "file": file,
                        "number": item.raw.number,
                        "resource_type": item.resource_type,
                        "resource_id": item.resource_id,
                        "reason_code": item.reasons[0].code,
                        "reasons": orjson.dumps([r.as_dict() for r in item.reasons]).decode(),
                        "sha256": digest,
                        "size": size,
                        "original": inline,
                        "original_path": path,
                        "status": "open",
                        "created_at": now,
                    }
                )
            for some_ids in _slices(sorted(again)):
                s.execute(
                    update(QuarantineRecord)
                    .where(QuarantineRecord.id.in_(some_ids))
                    .values(last_load_id=load_id)
                )
            if rows:
                # the table's own INSERT, run as one executemany: not ORM objects (0.4 ms a
                # record less) and not the ORM's bulk insert, which fetched each new key
                s.execute(insert(QUARANTINE_TABLE), rows)

    @staticmethod
    def _open_at(s: Session, places: Sequence[Place]) -> dict[Place, int]:
        """The keys of open records at these places with these bytes.

        By sha256, through its index, with the status and the place checked here: given
        "status = 'open'" as well, SQLite searched the status index (every open record)
        for each query, which made a load's refused records cost more the more were
        already refused. The batch's files and range of numbers (which have no index)
        are asked for as well, so that the records with the same bytes elsewhere (of a
        million lines alike, say) are passed over by the database, not fetched.
        """
        digests = sorted({sha for sha, _, _ in places})
        numbers = [number for _, _, number in places]
        files = sorted({file for _, file, _ in places})
        where = [QuarantineRecord.number.between(min(numbers), max(numbers))]
        if len(files) <= FEW_FILES:
            where.append(QuarantineRecord.file.in_(files))
        at: dict[Place, int] = {}
        for some in _slices(digests):
            found = s.execute(
                select(
                    QuarantineRecord.id,
                    QuarantineRecord.sha256,
                    QuarantineRecord.status,
                    QuarantineRecord.file,
                    QuarantineRecord.number,
                ).where(QuarantineRecord.sha256.in_(some), *where)
            )
            for rid, sha, status, file, number in found:
                if status == "open":
                    at.setdefault((sha, file, number), rid)
        return at

    @staticmethod
    def _open_sha(s: Session, ids: set[int]) -> dict[int, str]:
        """The sha256 of each of these records that is open, by key."""
        out: dict[int, str] = {}
        for some in _slices(sorted(ids)):
            found = s.execute(
                select(QuarantineRecord.id, QuarantineRecord.sha256, QuarantineRecord.status).where(
                    QuarantineRecord.id.in_(some)
                )
            )
            out.update((rid, sha) for rid, sha, status in found if status == "open")
        return out

    def resolve(self, load_id: str, ids: Sequence[int], keys: Sequence[tuple[str, str]]) -> int:
        """Mark records resolved: by exported id, or by the (type, id) now accepted."""
        if not ids and not keys:
            return 0
        by_type: dict[str, list[str]] = {}
        for rtype, rid in keys:
            by_type.setdefault(rtype, []).append(rid)
        values = _resolution(load_id)
        with self.control.session() as s:
            done = _resolve_where(s, values, QuarantineRecord.id.in_(list(ids))) if ids else 0
            for rtype, rids in by_type.items():
                for some_rids in _slices(rids):
                    done += _resolve_where(
                        s,
                        values,
                        QuarantineRecord.resource_type == rtype,
                        QuarantineRecord.resource_id.in_(some_rids),
                    )
        return done

    def resolve_files(self, load_id: str, files: Sequence[str]) -> int:
        """Mark resolved the open records of these files, read to the end by this load,
        that it did not find again at their place.

        Such a record is no longer in the file as it now reads: repaired in place (a line
        that was not JSON has no type and id to be found by once accepted), deleted, moved
        to another line (where it is a record of its own), or a file-level problem (an
        unreadable file, a truncated gzip) that is gone. Every record this load refused
        has it as ``last_load_id``, so the rest are those.
        """
        values = _resolution(load_id)
        with self.control.session() as s:
            return sum(
                _resolve_where(
                    s,
                    values,
                    QuarantineRecord.file.in_(some),
                    QuarantineRecord.last_load_id != load_id,
                )
                for some in _slices([stored_file(f) for f in files])
            )

    def open_keys(self) -> set[tuple[str, str]]:
        """(type, id) of open records, to notice when a repaired one is accepted."""
        with self.control.session() as s:
            rows = s.execute(
                select(QuarantineRecord.resource_type, QuarantineRecord.resource_id).where(
                    QuarantineRecord.status == "open",
                    QuarantineRecord.resource_id.is_not(None),
                )
            ).all()
        return {(r[0], r[1]) for r in rows if r[0] and r[1]}

    def records(
        self,
        *,
        status: str | None = "open",
        load_id: str | None = None,
        reason_code: str | None = None,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        """Quarantined records, newest last, without their originals."""
        with self.control.session() as s:
            query = select(QuarantineRecord).order_by(QuarantineRecord.id).limit(limit)
            if status:
                query = query.where(QuarantineRecord.status == status)
            if load_id:  # refused by it first, or found again by it (its last load)
                query = query.where(
                    or_(
                        QuarantineRecord.load_id == load_id,
                        QuarantineRecord.last_load_id == load_id,
                    )
                )
            if reason_code:
                query = query.where(QuarantineRecord.reason_code == reason_code)
            return [_summary(r) for r in s.scalars(query)]

    def counts(self, load_id: str | None = None) -> dict[str, int]:
        """Open records per first reason code."""
        with self.control.session() as s:
            query = select(QuarantineRecord.reason_code, func.count()).group_by(
                QuarantineRecord.reason_code
            )
            query = query.where(QuarantineRecord.status == "open")
            if load_id:
                query = query.where(QuarantineRecord.last_load_id == load_id)
            return {code: int(n) for code, n in s.execute(query).all()}

    def show(self, record_id: int) -> dict[str, Any]:
        with self.control.session() as s:
            row = s.get(QuarantineRecord, record_id)
            if row is None:
                raise NotFound(f"no quarantine record {record_id}")
            doc = _summary(row)
            doc["reasons"] = orjson.loads(row.reasons)
            doc["sha256"] = row.sha256
            doc["size"] = row.size
            doc["original_stored"] = "file" if row.original_path else "database"
            return doc

    def export(self, out: Path, record_ids: Sequence[int] | None = None) -> list[Path]:
        """Write originals of open records (or those given), each as :func:`export_name`,
        readable by their owner only (they are patient-level data).

        A file already there that differs from its original (a repair under way) is never
        replaced: nothing is written and :class:`Conflict` names the files.
        """
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create {out}: {exc.strerror}") from None
        with self.control.session() as s:
            query = select(QuarantineRecord).order_by(QuarantineRecord.id)
            if record_ids:
                query = query.where(QuarantineRecord.id.in_(list(record_ids)))
            else:
                query = query.where(QuarantineRecord.status == "open")
            rows = list(s.scalars(query))
        if record_ids and len(rows) < len(set(record_ids)):
            raise NotFound("some of the quarantine records asked for do not exist")
        planned = [(out / export_name(row), row) for row in rows]
        edited = [t.name for t, row in planned if t.exists() and not holds_original(t, row)]
        if edited:
            raise Conflict(
                f"{len(edited)} file(s) in {out} differ from the originals, repairs perhaps "
                f"({', '.join(edited[:5])}{', ...' if len(edited) > 5 else ''}): load, move "
                "or delete them first, or export to another folder",
                files=edited,
            )
        for target, row in planned:
            if row.original_path and not one_lined(target, row):
                private_copy(Path(row.original_path), target)  # however large, not read whole
            else:
                private_write(target, export_bytes(target, row))
        return [target for target, _ in planned]


def stored_file(name: str) -> str:
    """A record's file as the quarantine keeps it (its last 2,000 characters)."""
    return name[-2000:]


def _summary(row: QuarantineRecord) -> dict[str, Any]:
    return {
        "id": row.id,
        "load_id": row.load_id,
        "file": row.file,
        "number": row.number,
        "resource_type": row.resource_type,
        # a source may use an NHS number as a resource id: never show one
        "resource_id": redact(row.resource_id) if row.resource_id else None,
        "reason": row.reason_code,
        "status": row.status,
        "created_at": row.created_at.isoformat(),
    }
