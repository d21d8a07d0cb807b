"""``.json`` files: a Bundle whose entries are records, or a single resource.

Bundles of type collection, transaction, batch and searchset are read; other types
(document, message, history, responses) are refused whole with ``invalid-bundle``. An entry
becomes a record numbered by its position (1-based); its bytes are the entry's resource
re-serialised. Within a Bundle, a resource with no id whose fullUrl is ``urn:uuid:X`` is
given the id X, and references to ``urn:uuid:X`` are rewritten to ``Type/X`` so that they
resolve in the warehouse as they did in the Bundle.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from caldicott.ingest.parse import parse_record
from caldicott.ingest.reasons import reason
from caldicott.ingest.sources import MAX_BUNDLE_BYTES, RawRecord

BUNDLE_TYPES = frozenset({"collection", "transaction", "batch", "searchset"})


class NotFhir(Exception):
    """A ``.json`` file that is not FHIR (a Bulk Data manifest): skipped and reported."""


def is_bulk_manifest(obj: dict[str, Any]) -> bool:
    """Whether a .json document is a FHIR Bulk Data export manifest (skipped, not loaded)."""
    return "resourceType" not in obj and {"transactionTime", "output"} <= set(obj)


def read_json(path: Path) -> Iterator[RawRecord]:
    """Yield the entries of a Bundle file, or the file itself as one resource."""
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
    obj, problem = parse_record(raw, limit=MAX_BUNDLE_BYTES)
    if obj is not None and is_bulk_manifest(obj):
        raise NotFhir("a FHIR Bulk Data export manifest")
    if obj is None or obj.get("resourceType") != "Bundle":
        yield RawRecord(name, 1, raw, problem)
        return
    btype = obj.get("type")
    entries = obj.get("entry", [])
    if btype not in BUNDLE_TYPES or not isinstance(entries, list):
        why = (
            "entry must be an array"
            if btype in BUNDLE_TYPES
            else "Bundle.type must be collection, transaction, batch or searchset"
        )
        yield RawRecord(name, 1, raw, reason("invalid-bundle", why, "Bundle.type"))
        return
    urls = _local_urls(entries)
    for i, entry in enumerate(entries, start=1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            yield RawRecord(
                name,
                i,
                orjson.dumps(entry),
                reason("invalid-bundle", "entry has no resource object", f"Bundle.entry[{i - 1}]"),
            )
            continue
        full_url = entry.get("fullUrl")
        if "id" not in resource and isinstance(full_url, str) and full_url in urls:
            resource = {**resource, "id": urls[full_url].split("/", 1)[1]}
        if urls:
            resource = _rewrite(resource, urls)
        yield RawRecord(name, i, orjson.dumps(resource))


def _local_urls(entries: list[Any]) -> dict[str, str]:
    """fullUrl -> Type/id for entries that can be addressed within the Bundle."""
    out: dict[str, str] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        url, res = entry.get("fullUrl"), entry.get("resource")
        if not isinstance(url, str) or not isinstance(res, dict):
            continue
        rtype = res.get("resourceType")
        rid = res.get("id")
        if not isinstance(rid, str) and url.startswith("urn:uuid:"):
            rid = url[len("urn:uuid:") :]
        if isinstance(rtype, str) and isinstance(rid, str):
            out[url] = f"{rtype}/{rid}"
    return out


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
