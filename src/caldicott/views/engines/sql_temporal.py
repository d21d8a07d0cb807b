"""Dates, dateTimes and times in SQL: moved to UTC and compared precision by precision,
as the memory engine does (``memory_values``), through a :class:`Dialect`."""

from __future__ import annotations

from caldicott.views.engines.sql_dialect import Dialect
from caldicott.views.fhirpath.types import ZONED

# Patterns end with \z, not $: in Java (Spark) $ also matches before a final line break,
# and a value or reference with one must not read as a date or a key on one engine only.
WITHOUT_ZONE = r"^(.*?)(Z|[+-]\d{2}:\d{2})?\z"
DATE_BODY = r"\d{4}(-\d{2}(-\d{2})?)?"
DATETIME_BODY = (
    r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?T?(?:(\d{2})(?::(\d{2})(?::(\d{2})"
    r"(?:\.(\d+))?)?)?)?(Z|[+-]\d{2}:\d{2})?"
)
DATETIME_PARTS = rf"^{DATETIME_BODY}\z"
TIME_BODY = r"(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?"
TIME_PARTS = rf"^{TIME_BODY}\z"


def in_utc(d: Dialect, text: str) -> str:
    """A dateTime with a zone moved to UTC and written with Z, as
    :func:`~caldicott.views.fhirpath.types.in_utc` does; any other value as it is."""
    size = d.str_len(text)
    sign, hours, minutes = (
        f"substr({text}, {size} - {k}, {n})" for k, n in ((5, 1), (4, 2), (1, 2))
    )
    offset = (
        f"((CAST({hours} AS INT) * 60 + CAST({minutes} AS INT)) "
        f"* (CASE WHEN {sign} = '+' THEN -1 ELSE 1 END))"
    )
    shifted = d.minute_shifted(f"substr({text}, 1, 16)", offset)
    # past year 9999 (or before 0001) Python's datetime, and so the memory engine, leaves
    # the value as it is: so here, where the engine would write a year of five digits
    moved = (
        f"(CASE WHEN {d.str_len(shifted)} = 16 AND substr({shifted}, 1, 4) "
        f"BETWEEN '0001' AND '9999' THEN {shifted} END)"
    )
    rest = f"substr({text}, 17, {size} - 22)"  # the seconds and fraction, if any
    return (
        f"(CASE WHEN {d.regex_match(text, ZONED.pattern)} "
        f"THEN coalesce({moved} || {rest} || 'Z', {text}) ELSE {text} END)"
    )


def dateish(d: Dialect, text: str) -> str:
    """Whether a string reads as a date or a dateTime (a dateTime has its T), as the
    memory engine's ``temporal_kind`` tells them; otherwise strings compare as text."""
    date_time = f"({d.regex_match(text, DATETIME_BODY)} AND {d.instr(text, 'T')} > 0)"
    return f"({d.regex_match(text, DATE_BODY)} OR {date_time})"


def temporal_compare(d: Dialect, sql_op: str, sx: str, sy: str) -> str:
    """Two dates, dateTimes or times compared precision by precision, as the memory
    engine's ``compare_temporal`` does (FHIRPath N1 §6.1.1): the first precision
    at which they differ decides, a precision only one has leaves them incomparable
    (NULL), and seconds with their fraction are one precision."""
    px = d.str_len(d.regex_group(sx, WITHOUT_ZONE, 1))
    py = d.str_len(d.regex_group(sy, WITHOUT_ZONE, 1))
    both_dates = f"{dateish(d, sx)} AND {dateish(d, sy)}"
    both_times = f"{d.regex_match(sx, TIME_BODY)} AND {d.regex_match(sy, TIME_BODY)}"
    n = f"least({px}, {py})"
    cx, cy = f"substr({sx}, 1, {n})", f"substr({sy}, 1, {n})"
    cases = []
    for test, end in ((both_dates, 19), (both_times, 8)):
        wx, wy = f"substr({sx}, 1, {end})", f"substr({sy}, 1, {end})"
        # the fraction's digits (after the point), padded so that they compare as text
        fx, fy = (
            d.rpad(f"substr({s}, {end + 2}, greatest({p} - {end + 1}, 0))", 32, "0")
            for s, p in ((sx, px), (sy, py))
        )
        cases.append(
            f"WHEN {test} AND {px} <> {py} THEN (CASE "
            f"WHEN {n} >= {end} AND {wx} <> {wy} THEN ({wx} {sql_op} {wy}) "
            f"WHEN {n} >= {end} THEN ({fx} {sql_op} {fy}) "
            f"WHEN {cx} <> {cy} THEN ({cx} {sql_op} {cy}) ELSE NULL END) "
        )
    return f"(CASE {''.join(cases)}ELSE ({sx} {sql_op} {sy}) END)"
