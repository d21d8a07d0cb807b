from tests.consent_support import nhs_numbers

from caldicott.fhir.nhs_number import is_valid_nhs_number, nhs_number_check_digit


def test_known_valid_and_invalid_numbers() -> None:
    assert is_valid_nhs_number("9434765919")
    assert is_valid_nhs_number("943 476 5919")
    assert not is_valid_nhs_number("9434765918")  # wrong check digit
    assert not is_valid_nhs_number("943476591")  # nine digits
    assert not is_valid_nhs_number("94347659190")
    assert not is_valid_nhs_number("94347659a9")
    assert not is_valid_nhs_number("")
    assert not is_valid_nhs_number("９４３４７６５９１９")  # full-width digits


def test_a_remainder_of_ten_has_no_check_digit() -> None:
    nines = [f"{n:09d}" for n in range(1000)]
    assert any(nhs_number_check_digit(n) is None for n in nines)


def test_generated_test_range_numbers_are_valid() -> None:
    assert all(is_valid_nhs_number(n) for n in nhs_numbers(50))
