"""Helpers for the consent tests: valid NHS numbers in the reserved test range."""

from __future__ import annotations

from caldicott.fhir.nhs_number import nhs_number_check_digit


def nhs_numbers(count: int, start: int = 0) -> list[str]:
    """``count`` valid NHS numbers from 999 000 0000 upwards (never real numbers)."""
    out: list[str] = []
    n = start
    while len(out) < count:
        nine = f"999{n:06d}"
        digit = nhs_number_check_digit(nine)
        if digit is not None:
            out.append(f"{nine}{digit}")
        n += 1
    return out
