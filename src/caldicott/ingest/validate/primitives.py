"""FHIR R4 primitive types: the JSON type each must have and the regex it must match.

Each checker takes a JSON value and returns None when it is valid, or the reason code
(``wrong-type``, ``invalid-value``, ``impossible-date``, ``invalid-id``, ``invalid-code``)
and a short message that never repeats the value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

Problem = tuple[str, str] | None
Checker = Callable[[Any], Problem]

_YEAR = r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
_TZ = r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?"
DATE = re.compile(_YEAR + r"(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?")
DATETIME = re.compile(
    _YEAR + r"(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T" + _TIME + _TZ + r")?)?)?"
)
INSTANT = re.compile(_YEAR + r"-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T" + _TIME + _TZ)
TIME = re.compile(_TIME)
ID = re.compile(r"[A-Za-z0-9\-\.]{1,64}")
CODE = re.compile(r"[^\s]+( [^\s]+)*")
URI = re.compile(r"\S*")
OID = re.compile(r"urn:oid:[0-2](\.(0|[1-9][0-9]*))+")
UUID = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
INT32 = (-(2**31), 2**31 - 1)


def is_id(v: str) -> bool:
    """``v`` is a FHIR id, as :data:`ID` says: 1 to 64 of A-Z, a-z, 0-9, ``-`` and ``.``.

    Decided by string methods rather than the pattern, which stepped through its class a
    character at a time: every record's id is checked, and most ids are 36 characters.
    """
    if not 0 < len(v) <= 64 or not v.isascii():
        return False
    if v.isalnum():  # an ASCII str's isalnum is [A-Za-z0-9]
        return True
    # each replace makes a string: only for a character that is there (a search is cheap)
    rest = v.replace("-", "") if "-" in v else v
    if "." in rest:
        rest = rest.replace(".", "")
    return not rest or rest.isalnum()


def _real_day(text: str) -> bool:
    """A full date part names a real day (no 30 February).

    Only called on text the date pattern matched: month 01-12 and day 01-31, so a day up
    to 28 exists in every month and only the last days need the calendar.
    """
    if len(text) < 10 or text[8:10] <= "28":
        return True
    try:
        date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        return False
    return True


#: Full dates (YYYY-MM-DD) each date checker keeps as found valid; cleared when full.
KNOWN_DAYS = 16384


def remember(known: set[str], value: str, limit: int) -> None:
    """Add a value found valid to a checker's memory, emptied first once it holds ``limit``."""
    if len(known) >= limit:
        known.clear()
    known.add(value)


def _dated(pattern: re.Pattern[str], what: str) -> Checker:
    """A checker of a date-like type whose recent valid values make later ones cheap.

    A longer value is a full date followed by a time and zone (``T10:22:00Z``) in every
    pattern here, each part valid on its own; a value whose date and rest have each been
    part of a valid value is valid without the pattern. Dates repeat (a day's records),
    and so do times (to the minute), so most values skip the pattern and the calendar.
    """
    whole: set[str] = set()  # valid values of exactly a full date
    days: set[str] = set()  # the full dates of valid longer values
    rests: set[str] = set()  # what followed them

    def check(v: Any) -> Problem:
        if type(v) is not str:
            return ("wrong-type", f"{what} must be a JSON string")
        n = len(v)
        if n == 10:
            if v in whole:
                return None
        elif n > 10 and v[:10] in days and v[10:] in rests:
            return None
        if pattern.fullmatch(v) is None or not _real_day(v):
            return ("impossible-date", f"not a valid FHIR {what}")
        if n == 10:
            remember(whole, v, KNOWN_DAYS)
        elif n > 10:
            remember(days, v[:10], KNOWN_DAYS)
            remember(rests, v[10:], KNOWN_VALID)
        return None

    return check


#: Values of a repeating kind (codes, system URIs) each checker has found valid, so that
#: a value seen before is not matched again; cleared when it reaches this size.
KNOWN_VALID = 4096


def _string_like(
    pattern: re.Pattern[str] | None, what: str, code: str = "invalid-value"
) -> Checker:
    known: set[str] = set()

    def check(v: Any) -> Problem:
        if type(v) is not str:
            return ("wrong-type", f"{what} must be a JSON string")
        if v in known:
            return None
        if not v:
            return ("invalid-value", f"{what} must not be empty")
        if pattern is not None and pattern.fullmatch(v) is None:
            return (code, f"not a valid FHIR {what}")
        remember(known, v, KNOWN_VALID)
        return None

    return check


def _id(v: Any) -> Problem:
    if type(v) is not str:
        return ("wrong-type", "id must be a JSON string")
    if not v:
        return ("invalid-value", "id must not be empty")
    if not is_id(v):
        return ("invalid-id", "not a valid FHIR id")
    return None


def _string(v: Any) -> Problem:
    if type(v) is not str:
        return ("wrong-type", "string must be a JSON string")
    if not v or v.isspace():
        return ("invalid-value", "string must not be empty or only whitespace")
    return None


def _boolean(v: Any) -> Problem:
    return None if type(v) is bool else ("wrong-type", "boolean must be JSON true or false")


def _integer(lo: int) -> Checker:
    def check(v: Any) -> Problem:
        if type(v) is not int:
            return ("wrong-type", "integer must be a JSON number without a fraction")
        if v < lo or v > INT32[1]:
            return ("invalid-value", "integer out of range")
        return None

    return check


def _decimal(v: Any) -> Problem:
    if type(v) is int or type(v) is float:
        return None
    return ("wrong-type", "decimal must be a JSON number")


PRIMITIVES: dict[str, Checker] = {
    "boolean": _boolean,
    "integer": _integer(INT32[0]),
    "unsignedInt": _integer(0),
    "positiveInt": _integer(1),
    "decimal": _decimal,
    "string": _string,
    "markdown": _string,
    "code": _string_like(CODE, "code", "invalid-code"),
    "id": _id,
    "uri": _string_like(URI, "uri"),
    "url": _string_like(URI, "url"),
    "canonical": _string_like(URI, "canonical"),
    "oid": _string_like(OID, "oid"),
    "uuid": _string_like(UUID, "uuid"),
    "base64Binary": _string_like(BASE64, "base64Binary"),
    "date": _dated(DATE, "date"),
    "dateTime": _dated(DATETIME, "dateTime"),
    "instant": _dated(INSTANT, "instant"),
    "time": _string_like(TIME, "time"),
}
