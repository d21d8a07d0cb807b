"""Walk files and folders and yield raw records with their file and line or entry number.

- ``.ndjson`` and ``.ndjson.gz``: one record per non-blank line, numbered by physical line
  (1-based). Read in chunks, so memory stays bounded; a line longer than
  :data:`~caldicott.ingest.parse.MAX_RECORD_BYTES` is streamed to a spill file and yielded
  as one ``line-too-long`` record. gzip is decompressed with zlib directly so that a
  truncated file yields every complete line and then one ``truncated-gzip`` record.
- ``.json``: a Bundle (collection, transaction, batch, searchset), each entry a record
  numbered by entry (1-based); or a single resource, record 1. Bundles are parsed whole
  and limited to :data:`MAX_BUNDLE_BYTES`; use NDJSON for larger exports.
- Anything else is skipped and reported, as are hidden files.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from caldicott.ingest.parse import MAX_RECORD_BYTES
from caldicott.ingest.reasons import Reason, reason

CHUNK = 4 * 1024 * 1024
MAX_BUNDLE_BYTES = 256 * 1024 * 1024
SUFFIXES = (".ndjson", ".ndjson.gz", ".json")
#: Files named for these types are read first (Bulk Data names files by type), so that
#: most references resolve on first sight; any order still works (see references.py).
FIRST = ("patient", "organization", "practitioner", "location", "encounter")


def read_order(path: Path) -> tuple[int, str]:
    """Sort key: files of referenced types first, then the rest by path."""
    name = path.name.lower()
    for rank, prefix in enumerate(FIRST):
        if name.startswith(prefix) and not name.startswith(prefix + "role"):
            return (rank, str(path))
    return (len(FIRST), str(path))


@dataclass(slots=True)
class RawRecord:
    """One record as read: its bytes (or a spill file for oversized ones) and its place."""

    file: str
    number: int
    data: bytes
    problem: Reason | None = None
    spill: Path | None = None
    size: int = 0
    sha256: str = ""


@dataclass
class FileReport:
    """What happened to one path: loaded, skipped (and why) or empty."""

    path: str
    kind: str
    status: str = "read"
    note: str = ""
    bytes: int = 0
    counts: dict[str, int] = field(default_factory=dict)


#: Folders of the data folder that hold caldicott's own files (quarantined originals,
#: keys, reports, exports): never read as input, even when a folder given contains them.
OWN_STORES = ("quarantine", "keys", "reports", "exports")


def own_stores(home: Path) -> list[Path]:
    return [home / name for name in OWN_STORES]


def discover(
    paths: Iterable[Path], exclude: Iterable[Path] = ()
) -> tuple[list[tuple[Path, str]], list[FileReport]]:
    """Expand folders; return (file, kind) to read in a stable order and skipped files.

    Files under any ``exclude`` folder (the data folder's own stores) are never read, and
    are reported as skipped, even if a folder given contains them.
    """
    found: list[tuple[Path, str]] = []
    skipped: list[FileReport] = []
    own = [e.resolve() for e in exclude]
    for root in paths:
        if root.is_dir():
            candidates = []
            for p in sorted(root.rglob("*")):
                if not p.is_file():
                    continue
                if any(p.resolve().is_relative_to(o) for o in own):
                    skipped.append(
                        FileReport(str(p), "other", "skipped", "caldicott's own store; not input")
                    )
                    continue
                candidates.append(p)
        elif root.exists():
            candidates = [root]
        else:
            skipped.append(FileReport(str(root), "missing", "skipped", "no such file or folder"))
            continue
        for path in candidates:
            kind = file_kind(path)
            if any(part.startswith(".") for part in path.relative_to(root).parts if part):
                kind = None
            if kind is None:
                skipped.append(FileReport(str(path), "other", "skipped", "not a FHIR file type"))
            else:
                found.append((path, kind))
    found.sort(key=lambda item: read_order(item[0]))
    return found, skipped


def file_kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(".ndjson.gz"):
        return "ndjson.gz"
    if name.endswith(".ndjson"):
        return "ndjson"
    if name.endswith(".json"):
        return "json"
    return None


def _plain_chunks(fh: BinaryIO) -> Iterator[bytes]:
    while chunk := fh.read(CHUNK):
        yield chunk


class _Truncated(Exception):
    pass


def _gzip_chunks(fh: BinaryIO) -> Iterator[bytes]:
    """Decompress every member; raise _Truncated (after yielding all data) if cut short."""
    d = zlib.decompressobj(wbits=31)
    started = False
    while True:
        raw = fh.read(CHUNK)
        if not raw:
            break
        started = True
        while raw:
            try:
                out = d.decompress(raw)
            except zlib.error:
                raise _Truncated("corrupt gzip data") from None
            if out:
                yield out
            if d.eof:
                raw = d.unused_data
                d = zlib.decompressobj(wbits=31)
                if not raw:
                    started = False
            else:
                raw = b""
    tail = d.flush()
    if tail:
        yield tail
    if started and not d.eof:
        raise _Truncated("gzip stream ends early")


def read_ndjson(path: Path, kind: str, spill_dir: Path) -> Iterator[RawRecord]:
    """Yield each non-blank line of an NDJSON (optionally gzip) file as a record."""
    name = str(path)
    line_no = 0
    pending = b""
    spill: _Spill | None = None
    with path.open("rb") as fh:
        chunks = _gzip_chunks(fh) if kind == "ndjson.gz" else _plain_chunks(fh)
        try:
            for chunk in chunks:
                if spill is not None:
                    nl = chunk.find(b"\n")
                    if nl < 0:
                        spill.write(chunk)
                        continue
                    spill.write(chunk[:nl])
                    line_no += 1
                    yield spill.finish(name, line_no)
                    spill = None
                    chunk = chunk[nl + 1 :]
                data = pending + chunk if pending else chunk
                lines = data.split(b"\n")
                pending = lines.pop()
                if line_no == 0 and lines and lines[0].startswith(b"\xef\xbb\xbf"):
                    lines[0] = lines[0][3:]
                for line in lines:
                    line_no += 1
                    # isspace() stops at the first other byte; strip() would copy the line
                    if line and not line.isspace():
                        yield RawRecord(name, line_no, line[:-1] if line[-1] == 13 else line)
                if len(pending) > MAX_RECORD_BYTES:
                    spill = _Spill(spill_dir)
                    spill.write(pending)
                    pending = b""
        except _Truncated as exc:
            if spill is not None:
                line_no += 1
                yield spill.finish(name, line_no, truncated=True)
                spill = None
                pending = b""
            line_no += 1
            yield RawRecord(
                name,
                line_no,
                pending,
                reason("truncated-gzip", f"{exc}; the records after line {line_no - 1} are lost"),
            )
            return
    if spill is not None:
        line_no += 1
        yield spill.finish(name, line_no)
    elif pending.strip():
        line_no += 1
        yield RawRecord(name, line_no, pending.rstrip(b"\r"))


class _Spill:
    """An oversized line streamed to disk with its hash, never held whole in memory."""

    def __init__(self, spill_dir: Path) -> None:
        spill_dir.mkdir(parents=True, exist_ok=True)
        fd, path = tempfile.mkstemp(prefix="line-", suffix=".bin", dir=spill_dir)
        self.fh = os.fdopen(fd, "wb")
        self.path = Path(path)
        self.hash = hashlib.sha256()
        self.size = 0
        self.head = b""

    def write(self, data: bytes) -> None:
        if len(self.head) < 1024:
            self.head += data[: 1024 - len(self.head)]
        self.fh.write(data)
        self.hash.update(data)
        self.size += len(data)

    def finish(self, name: str, number: int, truncated: bool = False) -> RawRecord:
        self.fh.close()
        note = f"line of {self.size} bytes exceeds the {MAX_RECORD_BYTES}-byte limit"
        problem = reason("truncated-gzip" if truncated else "line-too-long", note)
        return RawRecord(name, number, b"", problem, self.path, self.size, self.hash.hexdigest())
