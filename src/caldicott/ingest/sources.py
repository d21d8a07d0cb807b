"""Walk files and folders and yield raw records with their file and line or entry number.

- ``.ndjson`` and ``.ndjson.gz``: one record per non-blank line, numbered by physical line
  (1-based). Read in chunks, so memory stays bounded; a line longer than
  :data:`~caldicott.ingest.parse.MAX_RECORD_BYTES` is streamed to a spill file and yielded
  as one ``line-too-long`` record. gzip is decompressed with zlib directly so that a
  truncated file yields every complete line and then one ``truncated-gzip`` record.
- ``.json``: a Bundle (collection, transaction, batch, searchset), each entry a record
  numbered by entry (1-based); or a single resource, record 1. Bundles are parsed whole
  and limited to :data:`MAX_BUNDLE_BYTES`; use NDJSON for larger exports.
- Anything else is skipped and reported, as are hidden files. A path that does not exist
  refuses the load; a file reached twice is read once.
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

from caldicott.errors import NotFound
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


@dataclass(slots=True)
class Block:
    """Records of one file handed out together: the unit of work of a worker process.

    Either ``data``, whole NDJSON lines joined by newlines whose first is line ``first``
    (a line's number is ``first`` plus its index), or ``records``, one record each with
    its number in ``numbers`` (a Bundle's entries). A record is a non-blank line without
    its trailing CR (:meth:`lines`, :meth:`record`). The worker that examines a block
    places each record in :meth:`buffer` by offsets, and the loader takes the records'
    bytes from there.
    """

    file: str
    first: int
    data: bytes
    records: list[bytes] | None = None
    numbers: list[int] | None = None

    @property
    def size(self) -> int:
        return len(self.data) if self.records is None else sum(map(len, self.records))

    def lines(self) -> list[bytes]:
        """Every line (blank ones included: indices are stable), as the worker saw them."""
        return self.records if self.records is not None else self.data.split(b"\n")

    def buffer(self) -> bytes:
        """The lines joined by newlines: the bytes the worker's offsets point into."""
        return b"\n".join(self.records) if self.records is not None else self.data

    def number(self, index: int) -> int:
        return self.numbers[index] if self.numbers is not None else self.first + index

    @staticmethod
    def record(line: bytes) -> bytes:
        """A line's record: the line without a trailing CR."""
        return line[:-1] if line[-1:] == b"\r" else line

    def entries(self) -> Iterator[tuple[int, bytes]]:
        """(index, line) for each non-blank line: each is one record."""
        for index, line in enumerate(self.lines()):
            # isspace() stops at the first other byte; strip() would copy the line
            if line and not line.isspace():
                yield index, line

    def raw_records(self) -> Iterator[RawRecord]:
        for index, line in self.entries():
            yield RawRecord(self.file, self.number(index), self.record(line))


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

    Files are named by their absolute path (the path given, from the current folder:
    links and ``..`` kept, as the system follows them), so the same file named by a
    relative path from its folder and by its absolute path is one file to the quarantine
    and the quality report. A path that does not exist refuses the whole load before
    anything is read (a typing slip must not look like a load that succeeded). A file
    reached twice (given twice, or
    given and inside a folder given) is read once. Files under any ``exclude`` folder (the
    data folder's own stores) are never read, and are reported as skipped, even if a
    folder given contains them (a file named on its own is read, as is a folder given
    that is itself inside one: ``exports/`` after ``caldicott quarantine export``); so are
    links in a folder that lead nowhere.
    """
    roots = list(paths)
    absent = [str(root) for root in roots if not root.exists()]
    if absent:
        raise NotFound(f"no such file or folder: {', '.join(absent)}", paths=absent)
    found: list[tuple[Path, str]] = []
    skipped: list[FileReport] = []
    seen: set[Path] = set()
    own = [e.resolve() for e in exclude]
    for root in (r.absolute() for r in roots):  # as named, from the current folder
        named = root.resolve()
        beneath = [o for o in own if not named.is_relative_to(o)]  # stores under the root
        for path in _candidates(root, skipped):
            real = path.resolve()
            if real in seen:
                continue
            seen.add(real)
            if path != root and any(real.is_relative_to(o) for o in beneath):
                skipped.append(
                    FileReport(str(path), "other", "skipped", "caldicott's own store; not input")
                )
                continue
            kind = file_kind(path)
            if root != path and any(part.startswith(".") for part in path.relative_to(root).parts):
                kind = None
            if kind is None:
                skipped.append(FileReport(str(path), "other", "skipped", "not a FHIR file type"))
            else:
                found.append((path, kind))
    found.sort(key=lambda item: read_order(item[0]))
    return found, skipped


def _candidates(root: Path, skipped: list[FileReport]) -> Iterator[Path]:
    """The files under ``root`` (or ``root`` itself), sorted; broken links are reported."""
    if not root.is_dir():
        if root.is_file():
            yield root
        else:  # a FIFO, a device, a socket: reading one could wait for ever
            skipped.append(FileReport(str(root), "other", "skipped", "not a regular file"))
        return
    for p in sorted(root.rglob("*")):
        if p.is_file():
            yield p
        elif p.is_symlink() and not p.exists():
            skipped.append(FileReport(str(p), "other", "skipped", "a link that leads nowhere"))
        elif not p.is_dir():
            skipped.append(FileReport(str(p), "other", "skipped", "not a regular file"))


def _lost_after(lines: int) -> str:
    return f"the records after line {lines} are lost" if lines else "no record could be read"


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
    for item in read_blocks(path, kind, spill_dir):
        if isinstance(item, Block):
            yield from item.raw_records()
        else:
            yield item


def read_blocks(path: Path, kind: str, spill_dir: Path) -> Iterator[Block | RawRecord]:
    """An NDJSON (optionally gzip) file as blocks of whole lines, in order.

    Each :class:`Block` holds about :data:`CHUNK` bytes of complete lines and the number
    of its first line; blocks of blank lines only are not yielded. Between them come the
    records refused as read (a spilled oversized line, a truncated gzip's tail) as
    :class:`RawRecord` with a problem, where they occur in the file.
    """
    name = str(path)
    line_no = 0  # lines before the next block
    pending = b""
    spill: _Spill | None = None
    at_start = True
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
                if at_start and chunk:
                    at_start = False
                    if chunk.startswith(b"\xef\xbb\xbf"):
                        chunk = chunk[3:]
                cut = chunk.rfind(b"\n")
                if cut < 0:
                    pending += chunk
                else:
                    # one copy: the line begun in the last chunk and this chunk's lines
                    lines = b"".join((pending, memoryview(chunk)[:cut]))
                    pending = chunk[cut + 1 :]
                    if lines and not lines.isspace():  # stops at the first other byte
                        yield Block(name, line_no + 1, lines)
                    line_no += lines.count(b"\n") + 1
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
                reason("truncated-gzip", f"{exc}; {_lost_after(line_no - 1)}"),
            )
            return
    if spill is not None:
        line_no += 1
        yield spill.finish(name, line_no)
    elif pending.strip():
        yield Block(name, line_no + 1, pending)


def blocks_of(records: Iterable[RawRecord]) -> Iterator[Block | RawRecord]:
    """Records (a Bundle's entries, say) grouped into blocks of one file, in order.

    A record refused as read passes through on its own, between the blocks.
    """
    group: list[RawRecord] = []
    size = 0

    def block() -> Block:
        return Block(group[0].file, 0, b"", [r.data for r in group], [r.number for r in group])

    for raw in records:
        if group and (raw.problem is not None or raw.file != group[0].file or size >= CHUNK):
            yield block()
            group, size = [], 0
        if raw.problem is not None:
            yield raw
            continue
        group.append(raw)
        size += len(raw.data)
    if group:
        yield block()


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
