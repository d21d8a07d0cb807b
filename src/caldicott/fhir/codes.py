"""Code systems and their check digits: SNOMED CT and dm+d (Verhoeff), LOINC (mod 10).

A SNOMED CT identifier (and so a dm+d code, which is an SCTID) ends in a Verhoeff check
digit; a LOINC code is ``NNNNN-C`` where ``C`` is a modulus 10 check digit over the digits
before the hyphen. These checks catch transcription errors; they do not prove a concept
exists in a release.
"""

from __future__ import annotations

import re

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
DMD = "https://dmd.nhs.uk"

# Verhoeff's dihedral group D5 multiplication table and permutation table.
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
_P1 = (1, 5, 7, 6, 2, 8, 3, 0, 9, 4)


def _permutations() -> tuple[tuple[int, ...], ...]:
    rows: list[tuple[int, ...]] = [tuple(range(10)), _P1]
    for _ in range(6):
        rows.append(tuple(_P1[d] for d in rows[-1]))
    return tuple(rows)


_P = _permutations()
_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)
_SCTID = re.compile(r"[1-9][0-9]{5,17}")
_LOINC = re.compile(r"([0-9]{1,7})-([0-9])")


def verhoeff_check_digit(digits: str) -> int:
    """The Verhoeff digit to append to ``digits`` (a string of decimal digits)."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[(i + 1) % 8][int(ch)]]
    return _INV[c]


def verhoeff_valid(code: str) -> bool:
    """True if ``code`` is an SCTID-shaped string (6-18 digits) whose Verhoeff digit checks."""
    if not isinstance(code, str) or not _SCTID.fullmatch(code):
        return False
    c = 0
    for i, ch in enumerate(reversed(code)):
        c = _D[c][_P[i % 8][int(ch)]]
    return c == 0


def loinc_check_digit(body: str) -> int:
    """The LOINC mod 10 check digit for the digits before the hyphen."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d // 10 + d % 10
        total += d
    return (10 - total % 10) % 10


def loinc_valid(code: str) -> bool:
    """True if ``code`` is shaped ``NNNNN-C`` and its check digit is right."""
    if not isinstance(code, str):
        return False
    m = _LOINC.fullmatch(code)
    return m is not None and loinc_check_digit(m.group(1)) == int(m.group(2))


def code_valid(system: str, code: str) -> bool | None:
    """Check a code by its system: None when the system has no check digit to test."""
    if system in (SNOMED, DMD):
        return verhoeff_valid(code)
    if system == LOINC:
        return loinc_valid(code)
    return None
