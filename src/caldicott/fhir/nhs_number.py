"""NHS numbers: ten digits whose last is a Modulus 11 check digit.

The check: multiply the first nine digits by 10, 9, ..., 2, sum, take the remainder
modulo 11 and subtract it from 11. A result of 11 means a check digit of 0; a result of
10 means the number is invalid. :func:`is_valid_nhs_number` allows spaces (the 3-3-4
display form, as typed into forms and opt-out files); :func:`nhs_number_problem` is the
strict check for FHIR identifiers, where UK Core asks for the bare ten ASCII digits, and
says why a value fails without repeating it.
"""

from __future__ import annotations

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_ASCII_DIGITS = frozenset("0123456789")


def normalise_nhs_number(text: str) -> str:
    """The number without spaces (it may still be invalid: check it)."""
    return text.replace(" ", "").strip()


def check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no digit makes them valid."""
    total = sum(int(d) * w for d, w in zip(first_nine, _WEIGHTS, strict=True))
    result = 11 - total % 11
    if result == 11:
        return 0
    if result == 10:
        return None
    return result


def is_valid_nhs_number(text: str) -> bool:
    """Whether ``text`` (spaces allowed) is ten ASCII digits with a correct check digit."""
    digits = normalise_nhs_number(text)
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    return check_digit(digits[:9]) == int(digits[9])


def nhs_number_problem(value: str) -> str | None:
    """Strictly: why ``value`` is not ten ASCII digits with a correct check digit, or None."""
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
