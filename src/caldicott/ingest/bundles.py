"""``.json`` files: a Bundle whose entries are records, or a single resource.

Bundles of type collection, transaction, batch and searchset are read; other types
(document, message, history, responses) are refused whole with ``invalid-bundle``. An entry
becomes a record numbered by its position (1-based); its bytes are the entry's resource as
written in the file (:mod:`.outline` finds where), so a problem in one entry refuses that
entry alone and decimals keep their digits. Within a Bundle, a resource with no id whose
fullUrl is ``urn:uuid:X`` is given the id X, and references to ``urn:uuid:X`` are
rewritten to ``Type/X`` so that they resolve in the warehouse as they did in the Bundle.
Those changes are made in the resource's text, so everything else in it (decimals above
all: ``1.10`` is not ``1.1`` in FHIR) keeps the bytes it was written with. A searchset's
OperationOutcome entries of search mode ``outcome`` say how the search went, and are not
records: they are left out and counted, by severity, in a note on the file.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import orjson

from caldicott.ingest.outline import Entry, Malformed, outline
from caldicott.ingest.parse import parse_record
from caldicott.ingest.reasons import reason
from caldicott.ingest.sources import MAX_BUNDLE_BYTES, RawRecord

BUNDLE_TYPES = frozenset({"collection", "transaction", "batch", "searchset"})

# a "reference" key and its string value, as JSON writes them; a match inside a string
# cannot happen (its quotes would be escaped), and every edit is checked by a parse
_REFERENCE = re.compile(rb'"reference"\s*:\s*"((?:[^"\\]|\\.)*)"')


class NotFhir(Exception):
    """A ``.json`` file that is not FHIR (a Bulk Data manifest): skipped and reported."""


def is_bulk_manifest(keys: Collection[str]) -> bool:
    """Whether a .json document with these top-level keys (or this object) is a FHIR Bulk
    Data export manifest (skipped, not loaded)."""
    return "resourceType" not in keys and {"transactionTime", "output"} <= set(keys)


def read_json(path: Path, notes: list[str] | None = None) -> Iterator[RawRecord]:
    """Yield the entries of a Bundle file, or the file itself as one resource; what the
    file's reader should know of entries not yielded is appended to ``notes``."""
    name = str(path)
    size = path.stat().st_size
    if size > MAX_BUNDLE_BYTES:
        yield RawRecord(
            name,
            1,
            b"",
            reason("line-too-long", f"a .json file of {size} bytes exceeds the Bundle limit"),
            spill=path,
            size=size,
        )
        return
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        return
    text = raw.decode("utf-8", "surrogateescape")
    try:
        shape = outline(text)
    except Malformed:
        yield _whole(name, raw)  # its own parse says why
        return
    if shape.duplicate_key or shape.resource_type != "Bundle":
        if is_bulk_manifest(shape.keys):
            raise NotFhir("a FHIR Bulk Data export manifest")
        yield _whole(name, raw)
        return
    if shape.bundle_type not in BUNDLE_TYPES or not shape.entry_is_array:
        why = (
            "entry must be an array"
            if shape.bundle_type in BUNDLE_TYPES
            else "Bundle.type must be collection, transaction, batch or searchset"
        )
        yield RawRecord(name, 1, raw, reason("invalid-bundle", why, "Bundle.type"))
        return
    del raw  # the entries are taken from the text
    entries = shape.entries or []
    urls = _local_urls(entries)
    outcomes: list[str] = []
    for i, entry in enumerate(entries, start=1):
        where = f"Bundle.entry[{i - 1}]"
        if shape.bundle_type == "searchset" and _is_search_outcome(entry):
            outcomes.extend(_severities(_span(text, *entry.resource or (0, 0))))
        elif entry.problem == "duplicate-key":
            data = _span(text, entry.start, entry.end)
            problem = reason("duplicate-key", "the entry has a key twice", where)
            yield RawRecord(name, i, data, problem)
        elif entry.resource is None or not entry.is_object:
            data = _span(text, entry.start, entry.end)
            problem = reason("invalid-bundle", "entry has no resource object", where)
            yield RawRecord(name, i, data, problem)
        else:
            data = _span(text, *entry.resource)
            yield RawRecord(name, i, _localised(data, entry, urls) if urls else data)
    if outcomes and notes is not None:
        notes.append(_outcome_note(outcomes))


def _is_search_outcome(entry: Entry) -> bool:
    return (
        entry.search_mode == "outcome"
        and entry.rtype == "OperationOutcome"
        and entry.problem is None
        and entry.is_object
    )


def _severities(data: bytes) -> list[str]:
    """The severity of each issue of an OperationOutcome ("unknown" where not given)."""
    obj, _problem = parse_record(data)
    issues = obj.get("issue") if obj is not None else None
    if not isinstance(issues, list) or not issues:
        return ["unknown"]
    out = []
    for issue in issues:
        severity = issue.get("severity") if isinstance(issue, dict) else None
        known = severity in ("fatal", "error", "warning", "information")
        out.append(severity if known and isinstance(severity, str) else "unknown")
    return out


def _outcome_note(severities: list[str]) -> str:
    """What a searchset's outcome entries said, in counts (their text is not repeated)."""
    order = ("fatal", "error", "warning", "information", "unknown")
    counts = ", ".join(f"{severities.count(s)} {s}" for s in order if s in severities)
    note = f"search outcome not loaded (OperationOutcome issues: {counts})"
    if "fatal" in severities or "error" in severities:
        note += "; the search that made this Bundle may be incomplete"
    return note


def _whole(name: str, raw: bytes) -> RawRecord:
    """The file as one record, refused if its parse finds a reason."""
    obj, problem = parse_record(raw, limit=MAX_BUNDLE_BYTES)
    if obj is not None and problem is None and obj.get("resourceType") == "Bundle":
        # well formed, yet not outlined: never expected; refused rather than half read
        problem = reason("malformed-json", "the Bundle could not be read entry by entry")
    return RawRecord(name, 1, raw, problem)


def _span(text: str, start: int, end: int) -> bytes:
    """The bytes of the file between two places in its text, exactly as written."""
    return text[start:end].encode("utf-8", "surrogateescape")


def _local_urls(entries: list[Entry]) -> dict[str, str]:
    """fullUrl -> Type/id for entries that can be addressed within the Bundle."""
    out: dict[str, str] = {}
    for entry in entries:
        url, rtype, rid = entry.full_url, entry.rtype, entry.rid
        if url is None or rtype is None:
            continue
        if rid is None and url.startswith("urn:uuid:"):
            rid = url[len("urn:uuid:") :]
        if rid is not None:
            out[url] = f"{rtype}/{rid}"
    return out


def _localised(data: bytes, entry: Entry, urls: dict[str, str]) -> bytes:
    """The resource with its Bundle-local id and references made global; as written if
    nothing changes, or if its own parse refuses it (the worker then says why)."""
    obj, _problem = parse_record(data)
    if obj is None:
        return data
    new = _rewrite(obj, urls)
    if "id" not in new and entry.full_url in urls:
        new["id"] = urls[entry.full_url].split("/", 1)[1]
    if new == obj:
        return data
    edited = _edit(data, urls, new.get("id") if "id" not in obj else None)
    if edited is not None and parse_record(edited)[0] == new:
        return edited
    return orjson.dumps(new)  # never expected: the edits did not give the rewritten resource


def _edit(data: bytes, urls: dict[str, str], new_id: Any) -> bytes | None:
    """The resource's text with its local references replaced and ``new_id`` (if any)
    added as its first key; None where that cannot be done in the text."""

    def replace(match: re.Match[bytes]) -> bytes:
        try:
            value = orjson.loads(b'"' + match.group(1) + b'"')
        except orjson.JSONDecodeError:
            return match.group(0)
        if value not in urls:
            return match.group(0)
        return b'"reference":' + orjson.dumps(urls[value])

    out = _REFERENCE.sub(replace, data)
    if new_id is None:
        return out
    brace = out.find(b"{")
    if brace < 0:
        return None
    rest = out[brace + 1 :]
    comma = b"" if rest.lstrip().startswith(b"}") else b","
    return out[: brace + 1] + b'"id":' + orjson.dumps(new_id) + comma + rest


def _rewrite(node: Any, urls: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "reference" and isinstance(v, str) and v in urls:
                out[k] = urls[v]
            else:
                out[k] = _rewrite(v, urls)
        return out
    if isinstance(node, list):
        return [_rewrite(v, urls) for v in node]
    return node
