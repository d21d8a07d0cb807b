"""NHS numbers: ten digits whose last is a Modulus 11 check digit over the first nine.

The check digit is ``11 - (sum of digit * weight) mod 11`` with weights 10 down to 2; a
result of 11 becomes 0, and a result of 10 means no number is issued with those nine digits.
:func:`is_valid_nhs_number` allows spaces (the 3-3-4 display form, as typed into forms and
opt-out files); :func:`nhs_number_problem` is the strict check for FHIR identifiers, where
UK Core asks for the bare ten ASCII digits, and says why a value fails without repeating it.
The range 999 000 0000 to 999 999 9999 is reserved for testing and never issued to a person.
"""

from __future__ import annotations

import re

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
TEST_RANGE = (9_990_000_000, 9_999_999_999)
_NINE = re.compile(r"[0-9]{9}")
_TEN = re.compile(r"[0-9]{10}")


def nhs_number_check_digit(nine_digits: str) -> int | None:
    """The check digit for nine digits, or None if no valid NHS number starts with them."""
    if not isinstance(nine_digits, str) or not _NINE.fullmatch(nine_digits):
        return None
    total = sum(int(d) * w for d, w in zip(nine_digits, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(value: str) -> bool:
    """True for ten digits (spaces allowed as 3-3-4) whose check digit is right."""
    if not isinstance(value, str):
        return False
    digits = value.replace(" ", "")
    if not _TEN.fullmatch(digits):
        return False
    return nhs_number_check_digit(digits[:9]) == int(digits[9])


def in_test_range(value: str) -> bool:
    """True if the number lies in the range reserved for testing (999 000 0000 upwards)."""
    digits = value.replace(" ", "")
    return bool(_TEN.fullmatch(digits)) and TEST_RANGE[0] <= int(digits) <= TEST_RANGE[1]


def nhs_number_problem(value: str) -> str | None:
    """Strictly: why ``value`` is not ten ASCII digits with a correct check digit, or None."""
    if not isinstance(value, str):
        return "is not a string"
    if len(value) != 10:
        if value.replace(" ", "").replace("-", "").isdecimal():
            return "contains spaces or separators; store the ten digits only"
        return "must be exactly ten digits"
    if not _TEN.fullmatch(value):
        if value.isdecimal():
            return "contains non-ASCII digits"
        return "must be exactly ten ASCII digits"
    if nhs_number_check_digit(value[:9]) != int(value[9]):
        return "fails the Modulus 11 check digit"
    return None
