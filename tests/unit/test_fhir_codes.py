"""Check digits: NHS number (Modulus 11), SNOMED CT (Verhoeff), LOINC (mod 10)."""

import pytest

from caldicott.fhir.codes import (
    code_problem,
    loinc_valid,
    snomed_valid,
    verhoeff_check_digit,
    verhoeff_valid,
)
from caldicott.fhir.nhs_number import is_valid_nhs_number, nhs_number_problem


@pytest.mark.parametrize("code", ["22298006", "38341003", "73211009", "195967001"])
def test_real_snomed_ids_are_valid(code: str) -> None:
    assert verhoeff_valid(code)
    assert snomed_valid(code)


def test_verhoeff_detects_every_single_digit_change() -> None:
    code = "38341003"
    for i in range(len(code)):
        for d in "0123456789":
            if d != code[i]:
                assert not verhoeff_valid(code[:i] + d + code[i + 1 :])


def test_verhoeff_known_example_and_rejects() -> None:
    assert verhoeff_check_digit("236") == 3
    assert verhoeff_valid("2363")
    for bad in ("", "12a4", "١٢٣", " 2363"):
        assert not verhoeff_valid(bad)


def test_snomed_format_rules() -> None:
    assert not snomed_valid("012345")  # leading zero
    assert not snomed_valid("12345")  # too short
    assert not snomed_valid("38341004")  # wrong check digit


@pytest.mark.parametrize("code", ["2345-7", "8867-4", "8480-6", "29463-7", "4548-4"])
def test_real_loinc_codes_are_valid(code: str) -> None:
    assert loinc_valid(code)


@pytest.mark.parametrize("code", ["2345-8", "23457", "-7", "2345-", "abc-1", "8867-44"])
def test_bad_loinc_codes(code: str) -> None:
    assert not loinc_valid(code)


def test_nhs_numbers() -> None:
    assert is_valid_nhs_number("9434765919")
    assert not is_valid_nhs_number("9434765918")
    assert (
        nhs_number_problem("943 476 5919")
        == "contains spaces or separators; store the ten digits only"
    )
    assert nhs_number_problem("٩٤٣٤٧٦٥٩١٩") == "contains non-ASCII digits"
    assert not is_valid_nhs_number("123456789")
    assert nhs_number_problem("9434765919") is None


def test_nhs_number_with_no_possible_check_digit() -> None:
    # 111111111: weighted sum 54, 11 - 54 % 11 = 1; find a prefix whose check would be 10
    from caldicott.fhir.nhs_number import nhs_number_check_digit

    prefix = next(
        f"{n:09d}"
        for n in range(100_000_000, 100_100_000)
        if nhs_number_check_digit(f"{n:09d}") is None
    )
    assert all(not is_valid_nhs_number(prefix + d) for d in "0123456789")


def test_code_problem_by_system() -> None:
    assert code_problem("http://snomed.info/sct", "38341003") is None
    assert code_problem("http://snomed.info/sct", "38341004")
    assert code_problem("http://loinc.org", "2345-8")
    assert code_problem("https://dmd.nhs.uk", "39720311000001101") is None
    assert code_problem("https://dmd.nhs.uk", "not-a-code")
    assert code_problem("http://example.org/local", "anything") is None
