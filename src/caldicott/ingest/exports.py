"""The files of refused records: originals kept on disk, and the exports a custodian
repairs (named so that loading one reads it back as the one record it was).

Both hold patient-level data, so they are written readable by their owner only.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from caldicott.ingest.bundles import is_bulk_manifest
from caldicott.ingest.parse import parse_record
from caldicott.ingest.sources import MAX_BUNDLE_BYTES, file_kind
from caldicott.ingest.tables import QuarantineRecord
from caldicott.store.own import PRIVATE, replacing

EXPORT_NAME = re.compile(r"q(\d+)\.(?:nd)?json")


def exported_bytes(target: Path, original: bytes) -> bytes:
    """A ``.json`` export verbatim (its sha256 again); an ``.ndjson`` one its one line."""
    return original if target.suffix == ".json" else one_line(original) + b"\n"


def holds_original(target: Path, row: QuarantineRecord) -> bool:
    """Whether an export file already there is what exporting the record writes."""
    if row.original_path and not one_lined(target, row):
        return target.stat().st_size == row.size and file_sha256(target) == row.sha256
    return target.read_bytes() == export_bytes(target, row)


def one_lined(target: Path, row: QuarantineRecord) -> bool:
    """Whether the export is the original put on one line: an ``.ndjson`` export of a
    record from a ``.json`` file (a Bundle entry that is a Bundle), whose line breaks would
    split it. Other originals are exported as they are."""
    return target.suffix == ".ndjson" and file_kind(Path(row.file)) == "json"


def export_bytes(target: Path, row: QuarantineRecord) -> bytes:
    """What exporting the record to ``target`` writes (the original read from its file if
    it is kept in one)."""
    if row.original_path:
        return exported_bytes(target, Path(row.original_path).read_bytes())
    return exported_bytes(target, row.original or b"")


def private_write(target: Path, data: bytes) -> None:
    """Write ``target`` whole or not at all, readable by its owner only."""
    with replacing(target, PRIVATE) as fh:
        fh.write(data)


def private_copy(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` whole or not at all, readable by its owner only."""
    with source.open("rb") as src, replacing(target, PRIVATE) as fh:
        shutil.copyfileobj(src, fh)


def kept_whole(target: Path, size: int) -> bool:
    """Whether an original already stored at ``target`` is there whole (its size), made
    its owner's only if an earlier version left it readable by others."""
    try:
        found = target.stat()
    except FileNotFoundError:
        return False
    if found.st_size != size:
        return False
    if found.st_mode & 0o777 != PRIVATE:
        target.chmod(PRIVATE)
    return True


def export_name(row: QuarantineRecord) -> str:
    """``q<id>.json`` for an original read from a .json file, else ``q<id>.ndjson``.

    Either way, loading the file reads the original back as the one record it was. An
    original from a .json file (a single resource, pretty-printed perhaps; a Bundle entry;
    a file refused whole: malformed, an invalid or oversized Bundle) may span lines, and
    a .json file holds it verbatim as one record. A line of an NDJSON file is the single
    line of an NDJSON file. So is a Bundle entry that is itself a Bundle, which a .json
    file would read as a Bundle of entries: written on one line (:func:`one_line`).
    """
    if file_kind(Path(row.file)) != "json":
        return f"q{row.id}.ndjson"
    if row.original_path is None:
        data = row.original or b""
    elif row.size > MAX_BUNDLE_BYTES:
        return f"q{row.id}.json"  # an oversized .json file, refused whole until repaired
    else:
        data = Path(row.original_path).read_bytes()
    return f"q{row.id}.json" if _read_whole(data, row.reason_code) else f"q{row.id}.ndjson"


def one_line(data: bytes) -> bytes:
    """The bytes with each line break made a space: the same JSON on one NDJSON line.

    JSON allows line breaks only between tokens, where a space means the same. Only a
    Bundle's entry is written so, and an entry is only read apart from its Bundle when the
    Bundle is well formed: none of its strings holds a raw line break.
    """
    if b"\n" not in data and b"\r" not in data:
        return data
    return data.replace(b"\r\n", b" ").replace(b"\n", b" ").replace(b"\r", b" ")


def _read_whole(data: bytes, reason_code: str) -> bool:
    """Whether a .json file of these bytes gives back the record refused for this reason.

    As :func:`~caldicott.ingest.bundles.read_json` reads: a Bulk Data manifest is skipped,
    a Bundle is unpacked or refused whole (``invalid-bundle``), anything else is one record.
    """
    if not data.strip():
        return False  # no record at all (an unreadable file's, which has no bytes)
    obj, _ = parse_record(data, limit=MAX_BUNDLE_BYTES)
    if obj is None:
        return True  # refused whole, as it was
    if is_bulk_manifest(obj):
        return False  # a .json file of it would be skipped as a Bulk Data manifest
    if obj.get("resourceType") == "Bundle":
        return reason_code == "invalid-bundle"  # the file's Bundle, not an entry's
    return True


def exported_id(path: str) -> int | None:
    """The quarantine record id of a file written by :meth:`Quarantine.export`."""
    match = EXPORT_NAME.fullmatch(Path(path).name)
    return int(match.group(1)) if match else None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
