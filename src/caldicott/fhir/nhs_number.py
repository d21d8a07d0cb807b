"""The NHS number: ten ASCII digits whose last is a Modulus 11 check digit.

Values with spaces, hyphens or non-ASCII digits are not valid NHS numbers as stored in a
FHIR identifier (UK Core asks for the bare ten digits); callers that want to say *why* a
value is refused use :func:`nhs_number_problem`.
"""

from __future__ import annotations

WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_ASCII_DIGITS = frozenset("0123456789")


def check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit for nine ASCII digits, or None when none exists (10)."""
    total = sum(int(d) * w for d, w in zip(first_nine, WEIGHTS, strict=True))
    digit = 11 - total % 11
    if digit == 11:
        return 0
    if digit == 10:
        return None
    return digit


def nhs_number_problem(value: str) -> str | None:
    """Why ``value`` is not a valid NHS number (never echoing it), or None if it is."""
    if not isinstance(value, str):
        return "is not a string"
    if len(value) != 10:
        if value.replace(" ", "").replace("-", "").isdecimal():
            return "contains spaces or separators; store the ten digits only"
        return "must be exactly ten digits"
    if not set(value) <= _ASCII_DIGITS:
        if value.isdecimal():
            return "contains non-ASCII digits"
        return "must be exactly ten ASCII digits"
    expected = check_digit(value[:9])
    if expected is None or expected != int(value[9]):
        return "fails the Modulus 11 check digit"
    return None


def is_valid_nhs_number(value: str) -> bool:
    """True for ten ASCII digits with a correct Modulus 11 check digit."""
    return nhs_number_problem(value) is None
