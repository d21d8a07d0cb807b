"""NHS numbers: ten digits whose last is a Modulus 11 check digit.

The check: multiply the first nine digits by 10, 9, ..., 2, sum, take the remainder
modulo 11 and subtract it from 11. A result of 11 means a check digit of 0; a result of
10 means the number is invalid. Spaces (the 3-3-4 display form) are allowed on input.
"""

from __future__ import annotations

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


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
