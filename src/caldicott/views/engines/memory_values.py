"""The values of the memory engine: items, and how they compare, equal and are equivalent."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from caldicott.views.fhirpath.types import in_utc, temporal_kind

Collection = list[Any]
#: FHIRPath's whitespace (its grammar's WS: tab, carriage return, line feed) as spaces.
# how ~ reads a string (every engine alike): tab, carriage return and line feed as
# spaces, and case ignored character by character. Capital I with a dot is i (Python's
# lower() makes it two characters, DuckDB's one) and final sigma is sigma (Python and
# Spark lower a word's last capital sigma to it, DuckDB does not).
FOLD_BEFORE, FOLD_AFTER = ("\t\r\n\u0130", "   i"), ("\u03c2", "\u03c3")
_BEFORE, _AFTER = str.maketrans(*FOLD_BEFORE), str.maketrans(*FOLD_AFTER)


def folded(text: str) -> str:
    """The string as ``~`` compares it."""
    return text.translate(_BEFORE).lower().translate(_AFTER)


@dataclass(frozen=True)
class Typed:
    """A value reached through a choice element, carrying the FHIR type its key named."""

    value: Any
    type: str


def unwrap(item: Any) -> Any:
    return item.value if isinstance(item, Typed) else item


def number(value: Any) -> Decimal | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    return None


def compare_items(a: Any, b: Any) -> int | None:
    a, b = unwrap(a), unwrap(b)
    na, nb = number(a), number(b)
    if na is not None and nb is not None:
        return (na > nb) - (na < nb)
    if isinstance(a, str) and isinstance(b, str):
        ka, kb = temporal_kind(a), temporal_kind(b)
        if ka and kb and (ka == "time") == (kb == "time"):
            if ka != "time":
                a, b = in_utc(a), in_utc(b)
            return compare_temporal(a, b, SECONDS_END[ka == "time"])
        return (a > b) - (a < b)
    if isinstance(a, bool) and isinstance(b, bool):
        return (a > b) - (a < b)
    if isinstance(a, dict) and isinstance(b, dict):
        return 0 if a == b else 1
    return None


#: Where the seconds end in a dateTime (``YYYY-MM-DDThh:mm:ss``) and in a time.
SECONDS_END = {False: 19, True: 8}


def _precision(text: str) -> int:
    """The length of a date, dateTime or time without its zone."""
    return len(re.sub(r"(Z|[+-]\d{2}:\d{2})\Z", "", text))


def compare_temporal(a: str, b: str, seconds: int) -> int | None:
    """Two dates, dateTimes or times compared precision by precision (FHIRPath N1 §6.1.1).

    The first precision at which they differ decides; where one has a precision the other
    lacks and they agree up to it, they cannot be compared (None). Seconds and their
    fraction are one precision, compared as a number. The caller moves dateTimes with a
    zone to UTC first (``in_utc``), so values of one precision compare as text.
    """
    pa, pb = _precision(a), _precision(b)
    if pa == pb:
        return (a > b) - (a < b)
    n = min(pa, pb)
    if n >= seconds:  # both have seconds: 10:00:00 = 10:00:00.000
        x, y = a[:seconds], b[:seconds]
        if x != y:
            return (x > y) - (x < y)
        fx, fy = Decimal("0" + a[seconds:pa]), Decimal("0" + b[seconds:pb])
        return (fx > fy) - (fx < fy)
    x, y = a[:n], b[:n]
    return (x > y) - (x < y) if x != y else None


def equal(left: Collection, right: Collection) -> Collection:
    if not left or not right:
        return []
    if len(left) != len(right):
        return [False]
    for a, b in zip(left, right, strict=True):
        cmp = compare_items(a, b)
        if cmp is None:
            if type(unwrap(a)) is not type(unwrap(b)):
                return [False]
            return []
        if cmp != 0:
            return [False]
    return [True]


def equivalent(left: Collection, right: Collection) -> bool:
    """FHIRPath's ``~`` (N1 §6.1.3): as many items on each side, and each item, of
    either, with as many equivalents on one side as on the other (in any order, as the
    SQL engines count them); two empty collections are equivalent."""
    if len(left) != len(right):
        return False

    def count(items: Collection, x: Any) -> int:
        return sum(1 for other in items if _equivalent_items(x, other))

    return all(count(left, x) == count(right, x) for x in (*left, *right))


def _equivalent_items(a: Any, b: Any) -> bool:
    """Strings ignoring case, tab, carriage return and line feed as spaces; numbers at the
    fewer decimal places of the two; dates and times equal at one precision (none at
    two); objects element by element; values of different kinds never."""
    x, y = unwrap(a), unwrap(b)
    if isinstance(x, bool) or isinstance(y, bool):
        return x is y
    nx, ny = number(x), number(y)
    if nx is not None and ny is not None:
        places = min(_places(nx), _places(ny))
        step = Decimal(1).scaleb(-places)
        with localcontext() as exact:  # digits enough for any number a resource holds
            exact.prec = 2000
            return all_same(Decimal(n).quantize(step, ROUND_HALF_UP) for n in (nx, ny))
    if isinstance(x, str) and isinstance(y, str):
        kx, ky = temporal_kind(x), temporal_kind(y)
        if kx and ky and (kx == "time") == (ky == "time"):
            if kx != "time":
                x, y = in_utc(x), in_utc(y)
            return compare_temporal(x, y, SECONDS_END[kx == "time"]) == 0
        return folded(x) == folded(y)
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(equivalent(_as_items(x[k]), _as_items(y[k])) for k in x)
    return False


def all_same(values: Iterable[Any]) -> bool:
    return len(set(values)) == 1


def _places(number: Decimal | int) -> int:
    exponent = number.as_tuple().exponent if isinstance(number, Decimal) else 0
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _as_items(value: Any) -> Collection:
    return value if isinstance(value, list) else [value]
