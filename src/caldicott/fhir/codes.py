"""Check digits and formats of the code systems caldicott reads.

- SNOMED CT identifiers (``http://snomed.info/sct``, and dm+d codes, which are SNOMED CT
  identifiers): 6 to 18 digits, no leading zero, a valid partition identifier and a
  Verhoeff check digit last.
- LOINC codes (``http://loinc.org``): ``NNNNN-C`` where C is the mod-10 (Luhn) check
  digit of the digits before the hyphen.
"""

from __future__ import annotations

import re
from functools import lru_cache

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
DMD = "https://dmd.nhs.uk"

_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)

_SCTID = re.compile(r"[1-9][0-9]{5,17}")
_LOINC = re.compile(r"([0-9]{1,7})-([0-9])")
#: Partition identifiers (the 2nd and 3rd digits from the right) of concepts,
#: descriptions and relationships, short and long (namespaced) formats.
_PARTITIONS = frozenset({"00", "01", "02", "10", "11", "12"})


def verhoeff_check_digit(digits: str) -> int:
    """The Verhoeff check digit to append to a string of ASCII digits."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[(i + 1) % 8][ord(ch) - 48]]
    return _INV[c]


def verhoeff_valid(code: str) -> bool:
    """True when ``code`` is ASCII digits whose last digit is a correct Verhoeff check."""
    if not code or not code.isascii() or not code.isdigit():
        return False
    c = 0
    for i, ch in enumerate(reversed(code)):
        c = _D[c][_P[i % 8][ord(ch) - 48]]
    return c == 0


def snomed_valid(code: str) -> bool:
    """A well-formed SNOMED CT identifier: length, partition and Verhoeff check digit."""
    return (
        _SCTID.fullmatch(code) is not None and code[-3:-1] in _PARTITIONS and verhoeff_valid(code)
    )


def loinc_check_digit(digits: str) -> int:
    """The LOINC mod-10 check digit of the part before the hyphen."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def loinc_valid(code: str) -> bool:
    """True for ``NNNNN-C`` with a correct mod-10 check digit (``2345-7``, ``8867-4``)."""
    match = _LOINC.fullmatch(code) if isinstance(code, str) else None
    if match is None:
        return False
    return loinc_check_digit(match.group(1)) == int(match.group(2))


@lru_cache(maxsize=1 << 16)
def code_problem(system: str, code: str) -> str | None:
    """Why ``code`` is not a well-formed code of ``system`` (None if fine or system unknown)."""
    if system == SNOMED:
        return None if snomed_valid(code) else "is not a valid SNOMED CT identifier"
    if system == LOINC:
        return None if loinc_valid(code) else "is not a valid LOINC code (format or check digit)"
    if system == DMD:
        return None if snomed_valid(code) else "is not a valid dm+d identifier"
    return None


def code_valid(system: str, code: str) -> bool | None:
    """Check a code by its system: None when the system has no check to apply."""
    if system not in (SNOMED, LOINC, DMD):
        return None
    return code_problem(system, code) is None
