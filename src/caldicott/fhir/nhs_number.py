"""NHS numbers: ten digits whose last is a Modulus 11 check digit over the first nine.

The check digit is ``11 - (sum of digit * weight) mod 11`` with weights 10 down to 2; a
result of 11 becomes 0, and a result of 10 means no number is issued with those nine digits.
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
