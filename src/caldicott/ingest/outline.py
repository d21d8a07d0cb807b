"""Where a Bundle's entries and their resources lie in its text, without building it whole.

:func:`outline` reads the top level of a JSON object and, under ``entry``, each entry's
keys, noting the span of every entry and of its ``resource``. Values are skipped by the
standard library's C decoder one at a time, so memory holds the text and one entry at
once, never the whole Bundle as Python objects (which took ~25 times the file's size).
The spans let an entry's record be its resource's own bytes, as written (``1.10`` stays
``1.10``), and let a problem inside one entry (a repeated key, ``NaN``, a bad byte) refuse
that entry alone: such problems are left to each record's own parse.

The text is decoded with ``surrogateescape``, so each span encodes back to exactly the
bytes it came from, invalid UTF-8 included.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")
#: Strict (no control characters in strings); NaN is let through to the record's parse.
_DECODER = json.JSONDecoder()
_scanstring: Any = json.decoder.scanstring  # type: ignore[attr-defined]


class Malformed(Exception):
    """The text is not a JSON object whose entries can be told apart."""


@dataclass(slots=True)
class Entry:
    """One element of ``entry``: its span, and its resource's if it has one."""

    start: int
    end: int
    resource: tuple[int, int] | None = None
    #: the resource is a JSON object (and not some other value)
    is_object: bool = False
    full_url: str | None = None
    rtype: str | None = None
    rid: str | None = None
    #: ``search.mode`` of a searchset's entry: match, include or outcome
    search_mode: str | None = None
    #: why the element is not an entry, if it is not: "not-object" or "duplicate-key"
    problem: str | None = None


@dataclass(slots=True)
class Outline:
    """The top level of a JSON object: its keys, a few values, and the entries."""

    keys: set[str] = field(default_factory=set)
    resource_type: Any = None
    bundle_type: Any = None
    #: None: no ``entry`` key; otherwise the entries (``entry`` must be an array)
    entries: list[Entry] | None = None
    entry_is_array: bool = True
    duplicate_key: bool = False


def outline(text: str) -> Outline:
    """The outline of a JSON object's text; :class:`Malformed` if it is not well formed.

    Reading stops early, with ``resource_type`` set, once the object is seen not to be a
    Bundle: its parts are then of no interest here.
    """
    out = Outline()
    try:
        at = _expect(text, _skip(text, 0), "{")
        if text.startswith("}", at):
            at += 1
        else:
            while True:
                key, at = _key(text, at)
                if key in out.keys:
                    out.duplicate_key = True
                out.keys.add(key)
                if key == "entry":
                    at = _entries(text, at, out)
                else:
                    value, at = _DECODER.raw_decode(text, at)
                    if key == "resourceType":
                        out.resource_type = value
                        if value != "Bundle":
                            return out
                    elif key == "type":
                        out.bundle_type = value
                at = _skip(text, at)
                if text.startswith("}", at):
                    at += 1
                    break
                at = _skip(text, _expect(text, at, ","))
        if _skip(text, at) != len(text):
            raise Malformed("text after the end of the object")
    except (ValueError, RecursionError, IndexError) as exc:
        raise Malformed(type(exc).__name__) from None
    return out


def _skip(text: str, at: int) -> int:
    match = _WS.match(text, at)
    return at if match is None else match.end()


def _expect(text: str, at: int, char: str) -> int:
    if not text.startswith(char, at):
        raise Malformed(f"expected {char!r}")
    return at + 1


def _key(text: str, at: int) -> tuple[str, int]:
    """A key and its colon, from ``at`` (whitespace before it allowed); where its value starts."""
    at = _expect(text, _skip(text, at), '"')
    key, at = _scanstring(text, at)
    return key, _skip(text, _expect(text, _skip(text, at), ":"))


def _entries(text: str, at: int, out: Outline) -> int:
    if not text.startswith("[", at):
        out.entry_is_array = False
        _value, end = _DECODER.raw_decode(text, at)
        return int(end)
    entries: list[Entry] = []
    at = _skip(text, at + 1)
    if text.startswith("]", at):
        out.entries = entries
        return at + 1
    while True:
        entries.append(_entry(text, at))
        at = _skip(text, entries[-1].end)
        if text.startswith("]", at):
            out.entries = entries
            return at + 1
        at = _skip(text, _expect(text, at, ","))


def _entry(text: str, at: int) -> Entry:
    if not text.startswith("{", at):
        _value, end = _DECODER.raw_decode(text, at)
        return Entry(at, end, problem="not-object")
    entry = Entry(at, at)
    seen: set[str] = set()
    at = _skip(text, at + 1)
    if text.startswith("}", at):
        entry.end = at + 1
        return entry
    while True:
        key, at = _key(text, at)
        if key in seen:
            entry.problem = "duplicate-key"
        seen.add(key)
        value, end = _DECODER.raw_decode(text, at)
        if key == "resource":
            entry.resource = (at, end)
            entry.is_object = type(value) is dict
            if entry.is_object:
                rtype, rid = value.get("resourceType"), value.get("id")
                entry.rtype = rtype if type(rtype) is str else None
                entry.rid = rid if type(rid) is str else None
        elif key == "fullUrl" and type(value) is str:
            entry.full_url = value
        elif key == "search" and type(value) is dict and type(value.get("mode")) is str:
            entry.search_mode = value["mode"]
        at = _skip(text, end)
        if text.startswith("}", at):
            entry.end = at + 1
            return entry
        at = _skip(text, _expect(text, at, ","))
