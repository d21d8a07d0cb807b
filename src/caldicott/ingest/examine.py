"""One record examined on its own: parsed, validated and checked for plausibility.

:func:`examine` needs no store and no settings, and its result is a plain tuple of
strings, lists and :class:`~caldicott.ingest.reasons.Reason`s, so it runs unchanged in
worker processes (:mod:`.workers`). What needs more than the record (references, the
patient's birth date, the warehouse) is left to the loader.
"""

from __future__ import annotations

import gc
from itertools import repeat
from typing import Any, NamedTuple

from caldicott.applog import get_logger
from caldicott.ingest.parse import parse_record, too_deep, too_deep_reason
from caldicott.ingest.reasons import CODES, ERROR, WARNING, Reason, reason
from caldicott.ingest.sources import Block
from caldicott.ingest.validate import event_date, plausibility, validate
from caldicott.ingest.validate.engine import Ref as PlacedRef
from caldicott.ingest.validate.engine import render
from caldicott.ingest.validate.plausibility import SUBJECT_ELEMENTS
from caldicott.ingest.validate.primitives import is_id
from caldicott.ingest.validate.resources import RESOURCE_TYPES

log = get_logger(__name__)

#: A reference a record makes: (target type, target id). Where in the record it sits is
#: found again (:func:`reference_paths`) only for a reference that never resolves.
Ref = tuple[str, str]


class Examined(NamedTuple):
    """What one record's examination found.

    ``ok`` False means the record is refused for ``reasons``; True means it may be loaded
    once its ``refs`` resolve, and ``reasons`` are its warnings.
    """

    ok: bool
    rtype: str | None
    rid: str | None
    reasons: list[Reason]
    version_id: str | None = None
    last_updated: str | None = None
    refs: list[Ref] = []  # noqa: RUF012 - never mutated; NamedTuple defaults are shared
    event: str | None = None
    patient: str | None = None
    birth: str | None = None


def _text(value: Any) -> str | None:
    return value if type(value) is str else None


#: :class:`Examined` as a plain tuple: what the block loop takes (a NamedTuple is built
#: through Python, a tuple in C).
_Found = tuple[
    bool,
    str | None,
    str | None,
    list[Reason],
    str | None,
    str | None,
    list[Ref],
    str | None,
    str | None,
    str | None,
]


def examine(data: bytes) -> Examined:
    """Examine one record's bytes; a failure of the checks themselves refuses only it."""
    return Examined(*_examined(data))


def _examined(data: bytes) -> _Found:
    try:
        return _examine(data)
    except Exception as exc:  # a validator bug must cost one record, never the load
        log.warning("the validator failed on a record", extra={"error": type(exc).__name__})
        return _refused(None, None, [reason("validator-failed", type(exc).__name__)])


def _refused(rtype: str | None, rid: str | None, reasons: list[Reason]) -> _Found:
    return (False, rtype, rid, reasons, None, None, [], None, None, None)


def _examine(data: bytes) -> _Found:
    # the depth is bounded by validate()'s walk, which visits every container of a record
    # it finds no error in; a refused record is measured below, so that one nested too
    # deep is refused for that alone, as parse_record would refuse it
    obj, problem = parse_record(data, nesting=False)
    if obj is None:
        return _refused(None, None, [problem or reason("malformed-json", "unreadable record")])
    found, paths = validate(obj)
    rtype = obj.get("resourceType")
    rid = obj.get("id")
    rtype = rtype if type(rtype) is str and rtype in RESOURCE_TYPES else None
    # validate() checked the id already unless it found something: not checked twice
    rid = rid if type(rid) is str and (not found or is_id(rid)) else None
    if found:
        errors = [r for r in found if CODES[r.code][0] == ERROR]
        if errors or rtype is None or rid is None:
            if too_deep(data, obj):
                return _refused(None, None, [too_deep_reason()])
            warnings = [r for r in found if CODES[r.code][0] == WARNING]
            return _refused(rtype, rid, errors + warnings)
    elif rtype is None or rid is None:  # pragma: no cover - validate reports both
        return _refused(rtype, rid, [reason("missing-required", "no type or id")])
    warnings = found + plausibility(obj)
    meta = obj.get("meta")
    if type(meta) is dict:
        version, updated = _text(meta.get("versionId")), _text(meta.get("lastUpdated"))
    else:
        version = updated = None
    birth = _text(obj.get("birthDate")) if rtype == "Patient" else None
    return (
        True,
        rtype,
        rid,
        warnings,
        version,
        updated,
        [(t, i) for _, t, i in paths],
        event_date(obj),
        _patient(rtype, paths),
        birth,
    )


def _patient(rtype: str, paths: list[PlacedRef]) -> str | None:
    """:func:`~caldicott.ingest.validate.patient_id` of an accepted record, from the
    references its walk found rather than by splitting the reference again: the first of
    the subject elements (a top-level ``Rtype.subject.reference``, say) that names a
    Patient. Only accepted records are asked, whose references all parsed."""
    for key in SUBJECT_ELEMENTS:
        for where, target, rid in paths:
            at = where[0]  # the element holding the reference: (rtype, key) at the top
            if target == "Patient" and len(at) == 2 and at[1] == key and at[0] == rtype:
                return rid
    return None


def reference_paths(text: bytes) -> list[tuple[str, str, str]]:
    """Each reference of an accepted record's text as (path, type, id), in the order of
    :attr:`Examined.refs`: examining the same bytes again finds the same references."""
    obj, _problem = parse_record(text, nesting=False)
    if obj is None:  # pragma: no cover - only accepted records are asked about
        return []
    return [(render(where), t, i) for where, t, i in validate(obj)[1]]


class Findings(NamedTuple):
    """What examining a :class:`~caldicott.ingest.sources.Block` found, as columns.

    The records that may be loaded are listed by their index among the block's lines
    (``accepted``), with one entry per record in each column after it; ``starts`` and
    ``ends`` place the text to store (without surrounding whitespace) in
    :meth:`Block.buffer <caldicott.ingest.sources.Block.buffer>`. Their references are
    flat, each with its record's position in ``accepted`` (``ref_owner``, which never
    decreases); ``warnings`` are by position too, and sparse. Refused records are (line
    index, start, end, reasons, type, id), start and end placing the record's bytes as
    read. Plain lists and strings: they cross the process boundary as one pickle, a few
    microseconds a record cheaper than a tuple per record.
    """

    records: int
    accepted: list[int]
    rtypes: list[str]
    rids: list[str]
    versions: list[str | None]
    updated: list[str | None]
    events: list[str | None]
    patients: list[str | None]
    births: list[str | None]
    ref_owner: list[int]
    ref_type: list[str]
    ref_id: list[str]
    warnings: dict[int, list[Reason]]
    starts: list[int]
    ends: list[int]
    refused: list[tuple[int, int, int, list[Reason], str | None, str | None]]


def split_lines(data: bytes) -> list[bytes]:
    """``data.split(b"\\n")``, each newline found by ``find`` (memchr, many bytes a step)
    rather than by split's loop over every byte: a twentieth of examining a block."""
    out: list[bytes] = []
    add = out.append
    at = 0
    while True:
        end = data.find(b"\n", at)
        if end < 0:
            add(data[at:])
            return out
        add(data[at:end])
        at = end + 1


def examine_block(block: Block) -> Findings:
    """Examine every record of a block, in order: the unit of work of a worker process.

    Garbage is not collected during a block: the findings kept until it ends made each
    collection walk them (~3 µs a record, measured), and examining makes no reference
    cycles; collection resumes after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _examine_block(block)
    finally:
        if enabled:
            gc.enable()


def _examine_block(block: Block) -> Findings:
    refused: list[tuple[int, int, int, list[Reason], str | None, str | None]] = []
    starts: list[int] = []
    ends: list[int] = []
    warnings: dict[int, list[Reason]] = {}
    rows: list[tuple[int, str, str, str | None, str | None, str | None, str | None]] = []
    births: list[str | None] = []
    owner: list[int] = []
    refs_of_all: list[Ref] = []
    add, add_birth, add_refs = rows.append, births.append, refs_of_all.extend
    count = 0
    at = 0  # where the line starts in the block's buffer
    lines = block.records if block.records is not None else split_lines(block.data)
    for index, line in enumerate(lines):
        start = at
        at += len(line) + 1
        if not line or line.isspace():  # the rule of Block.entries, inline: it is hot
            continue
        count += 1
        data = line[:-1] if line[-1:] == b"\r" else line  # Block.record, inline
        ok, rtype, rid, reasons, version, stamp, refs, event, patient, birth = _examined(data)
        if not ok or rtype is None or rid is None:
            refused.append((index, start, start + len(data), reasons, rtype, rid))
            continue
        pos = len(rows)
        add((index, rtype, rid, version, stamp, event, patient))
        add_birth(birth)
        if refs:
            owner.extend(repeat(pos, len(refs)))
            add_refs(refs)
        if reasons:
            warnings[pos] = reasons
        if line[:1].isspace() or line[-1:].isspace():  # a CR too: stored stripped
            start += len(line) - len(line.lstrip())
            starts.append(start)
            ends.append(start + len(line.strip()))
        else:
            starts.append(start)
            ends.append(at - 1)
    # columns by transposing (in C), each value repeated within the block (types,
    # patients, dates, reference targets) made one object: the pickle refers back to
    # it, half the bytes and a third of the loader's unpickling
    texts: dict[str, str] = {}
    values: dict[str | None, str | None] = {}
    one, same = texts.setdefault, values.setdefault
    accepted, rtypes, rids, versions, updated, events, patients = (
        map(list, zip(*rows, strict=True)) if rows else [[] for _ in range(7)]
    )
    ref_type, ref_id = map(list, zip(*refs_of_all, strict=True)) if refs_of_all else ([], [])
    return Findings(
        count,
        accepted,
        list(map(one, rtypes, rtypes)),
        rids,
        list(map(same, versions, versions)),
        list(map(same, updated, updated)),
        list(map(same, events, events)),
        list(map(same, patients, patients)),
        births,
        owner,
        list(map(one, ref_type, ref_type)),
        list(map(one, ref_id, ref_id)),
        warnings,
        starts,
        ends,
        refused,
    )
