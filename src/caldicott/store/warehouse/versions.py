"""The order of a resource's versions: which of two is newer (the warehouse keeps it current)."""

from __future__ import annotations

import re
from datetime import date

#: A FHIR instant: seconds, any number of fractional digits, Z or an offset.
INSTANT = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"(?:Z|([+-])([0-9]{2}):([0-9]{2}))"
)


def _instant(text: str | None) -> tuple[int, str] | None:
    """A lastUpdated as a UTC instant, exactly: whole seconds and the fraction's digits
    (trailing zeros dropped, so that they compare as text); None if it is not one."""
    m = INSTANT.fullmatch(text) if text else None
    if m is None:
        return None
    year, month, day, hour, minute, second, fraction, sign, off_h, off_m = m.groups()
    try:
        days = date(int(year), int(month), int(day)).toordinal()
    except ValueError:
        return None
    seconds = ((days * 24 + int(hour)) * 60 + int(minute)) * 60 + int(second)
    if sign is not None:
        offset = (int(off_h) * 60 + int(off_m)) * 60
        seconds += -offset if sign == "+" else offset
    return seconds, (fraction or "").rstrip("0")


def _number(version_id: str | None) -> tuple[int, str]:
    """A numeric versionId as (digits, digits) so that it compares as a number (of any
    length); anything else is below every number."""
    if version_id and version_id.isascii() and version_id.isdigit():
        digits = version_id.lstrip("0")
        return len(digits), digits
    return -1, ""


def compare_versions(a_v: str | None, a_u: str | None, b_v: str | None, b_u: str | None) -> int:
    """The order of two versions (versionId, lastUpdated): -1, 0 (alike) or 1.

    A numeric versionId first (one without counts lowest), then lastUpdated as a UTC
    instant (one that is missing or not an instant counts lowest), then versionId as
    text. Versions alike in all three are ordered by content (the caller's part), so the
    order is total: the same versions give the same current one in any order of arrival.
    versionId comes first because an order in which lastUpdated came first would not be
    transitive once some versions lack it: v1 at 10:00 > v5 at 09:00, v5 > v3 with none,
    v3 > v1. With a server's versions (versionId rising with lastUpdated, or opaque
    versionIds) the two agree. Cheapest part first: most versions differ in versionId.
    """
    na, nb = _number(a_v), _number(b_v)
    if na != nb:
        return 1 if na > nb else -1
    if a_u != b_u:
        ia, ib = _instant(a_u), _instant(b_u)
        if ia != ib:
            return -1 if ib is not None and (ia is None or ia < ib) else 1
    va, vb = a_v or "", b_v or ""
    return 0 if va == vb else 1 if va > vb else -1
