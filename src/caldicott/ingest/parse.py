"""Strict JSON for FHIR records: UTF-8, no duplicate keys, finite numbers, bounded depth.

orjson does the parsing (fast, strict UTF-8, rejects NaN and Infinity). Two things it does
not check are done here cheaply: nesting depth and duplicate keys. Depth is walked only
when the record holds more brackets than the limit (:func:`too_deep`); ingest leaves even
that to the validator's walk, which visits every container of a record it accepts (see
:func:`caldicott.ingest.examine.examine`). For duplicates, the parsed object is
serialised again (orjson, fast): the same bytes as read (compact JSON, as exports are
usually written) prove that no key was dropped; otherwise the colons of the two texts are
counted (see :func:`_may_repeat_a_key`), and only when they differ is the record parsed
again with the standard library to find the repeated key.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from caldicott.ingest.reasons import Reason, reason, shown_key

#: Deepest nesting of objects and arrays accepted (FHIR resources rarely pass 15).
MAX_DEPTH = 64
#: Largest record accepted, in bytes; a longer line is refused with ``line-too-long``.
MAX_RECORD_BYTES = 16 * 1024 * 1024

_NON_FINITE = re.compile(rb"(?<![\w\"])-?(?:NaN|Infinity)(?![\w\"])")


class _TooDeep(Exception):
    pass


def _count_keys(node: Any, depth: int) -> int:
    """Keys in every object below ``node``; raises _TooDeep past MAX_DEPTH."""
    if depth > MAX_DEPTH:
        raise _TooDeep
    n = 0
    if type(node) is dict:
        n = len(node)
        for v in node.values():
            t = type(v)
            if t is dict or t is list:
                n += _count_keys(v, depth + 1)
    else:
        for v in node:
            t = type(v)
            if t is dict or t is list:
                n += _count_keys(v, depth + 1)
    return n


def too_deep(raw: bytes, obj: Any) -> bool:
    """Whether ``obj``, parsed from ``raw``, nests objects and arrays past MAX_DEPTH."""
    if raw.count(b"{") + raw.count(b"[") <= MAX_DEPTH:  # else it cannot be too deep
        return False
    try:
        _count_keys(obj, 1)
    except _TooDeep:
        return True
    return False


#: The message of ``too-deeply-nested``, wherever it is found (here or in the walk).
TOO_DEEP = f"nesting deeper than {MAX_DEPTH}"


def too_deep_reason() -> Reason:
    return reason("too-deeply-nested", TOO_DEEP)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


class _Duplicate(Exception):
    pass


def _classify_failure(raw: bytes, exc: orjson.JSONDecodeError) -> Reason:
    text = str(exc)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as err:  # orjson reports such errors at position 0
        return reason("invalid-utf8", f"bytes are not valid UTF-8 (at byte {err.start})")
    if raw.startswith(b"\xef\xbb\xbf"):
        return reason("malformed-json", "starts with a byte order mark (BOM): save without it")
    if "surrogate" in text:  # an escaped lone surrogate, "\ud800"
        return reason("invalid-utf8", "a \\u escape encodes no character (a lone surrogate)")
    if "infinity" in text.lower() or _NON_FINITE.search(raw):
        return reason("not-a-number", "NaN or Infinity is not a JSON number")
    if "recursion" in text.lower() or "depth" in text.lower():
        return too_deep_reason()
    if not raw.strip():
        return reason("malformed-json", "empty record")
    return reason("malformed-json", f"not well-formed JSON (at byte {exc.pos})")


def _may_repeat_a_key(raw: bytes, again: bytes) -> bool:
    """Whether a key may be repeated: False proves that none is.

    ``again`` is orjson's serialisation of the parsed ``raw``. A JSON text holds a colon
    after every key and otherwise only inside strings. orjson writes every string's
    colons literally, and so does ``raw`` unless it escapes one as ``\\u003a``. A
    repeated key survives parsing once, so its colon (and any in its dropped value) is
    missing from ``again``: without ``\\u`` escapes in ``raw``, equal counts of colons
    mean no key is repeated, whatever the whitespace. (Counting one byte is much faster
    than searching for two-byte patterns in text full of quotes.)
    """
    if raw.count(b":") != again.count(b":"):
        return True
    return b"\\" in raw and b"\\u" in raw  # one byte is found by memchr, two are not


def parse_record(
    raw: bytes, limit: int = MAX_RECORD_BYTES, *, nesting: bool = True
) -> tuple[dict[str, Any] | None, Reason | None]:
    """Parse one record: the JSON object, or None and the reason it is refused.

    With ``nesting`` False, a record nested past MAX_DEPTH (but not past orjson's own
    limit of 254) is returned: the caller bounds the depth itself, as the validator's
    walk does for ingest (counting brackets was 7% of examining a record).
    """
    if len(raw) > limit:
        return None, reason("line-too-long", f"record of {len(raw)} bytes exceeds the limit")
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return None, _classify_failure(raw, exc)
    if type(obj) is not dict:
        return None, reason("malformed-json", "a record must be a JSON object")
    if nesting and too_deep(raw, obj):
        return None, too_deep_reason()
    try:
        again = orjson.dumps(obj)
    except orjson.JSONEncodeError:  # nested 255 deep or more: orjson's own limit
        return None, too_deep_reason()
    # the same bytes again prove it at once: a dropped key would be missing from them
    if again != raw and _may_repeat_a_key(raw, again):
        found = duplicate_key_path(raw)
        if found is not None:  # depth first, as when it is checked before (nesting)
            return None, too_deep_reason() if too_deep(raw, obj) else found
    return obj, None


def duplicate_key_path(raw: bytes) -> Reason | None:
    """The exact (slow) check: a duplicate-key reason, or None if every key is unique."""
    try:
        json.loads(raw, object_pairs_hook=_no_duplicates)
    except _Duplicate as dup:
        key = str(dup.args[0])
        shown = shown_key(key)
        return reason("duplicate-key", f"key {shown} appears twice in one object", shown)
    except (ValueError, RecursionError):
        return None
    return None
