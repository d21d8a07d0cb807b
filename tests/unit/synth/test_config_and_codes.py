"""Argument validation, and the shared code-system and NHS number checks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from caldicott.errors import InvalidArgument
from caldicott.fhir.codes import (
    code_problem,
    code_valid,
    loinc_check_digit,
    loinc_valid,
    snomed_valid,
    verhoeff_check_digit,
    verhoeff_valid,
)
from caldicott.fhir.nhs_number import in_test_range, is_valid_nhs_number, nhs_number_check_digit
from caldicott.synth import SynthConfig, deprivation_quintile
from caldicott.synth.conditions import CONDITIONS
from caldicott.synth.encounters import KINDS as ENCOUNTER_KINDS
from caldicott.synth.interventions import ALLERGIES, PROCEDURES, VACCINES
from caldicott.synth.medications import DRUGS
from caldicott.synth.nhs_numbers import assign_nhs_numbers, valid_stems
from caldicott.synth.observations import DIASTOLIC, KINDS, SYSTOLIC
from caldicott.synth.outcome import EVENTS


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"patients": -1}, "--patients"),
        ({"patients": 10**7}, "--patients"),
        ({"seed": -5}, "--seed"),
        ({"invalid_rate": 1.0}, "--invalid-rate"),
        ({"invalid_rate": -0.1}, "--invalid-rate"),
        ({"start": date(2020, 1, 1), "end": date(2019, 1, 1)}, "--end-date"),
        ({"start": date(2020, 1, 1), "end": date(2020, 6, 1)}, "--end-date"),
        ({"start": date(1800, 1, 1)}, "--start-date"),
        ({"chunk_size": 0}, "--chunk-size"),
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs: dict[str, object], names: str) -> None:
    args: dict[str, object] = {"patients": 10, "seed": 1, "out": Path("x"), **kwargs}
    with pytest.raises(InvalidArgument, match=names):
        SynthConfig(**args)  # type: ignore[arg-type]


def test_verhoeff_and_loinc_checks() -> None:
    assert verhoeff_valid("38341003") and not verhoeff_valid("38341004")
    assert verhoeff_valid("2363") and snomed_valid("38341003") and not snomed_valid("2363")
    assert verhoeff_check_digit("3834100") == 3
    assert not verhoeff_valid("12a45") and not verhoeff_valid("")
    assert loinc_valid("8480-6") and not loinc_valid("8480-5") and not loinc_valid("8480")
    assert loinc_check_digit("4548") == 4
    assert code_valid("http://snomed.info/sct", "44054006") is True
    assert code_valid("https://dmd.nhs.uk", "39113611000001102") is True
    assert code_valid("http://example.org", "x") is None
    assert code_problem("http://loinc.org", "8480-5") is not None


def test_every_code_the_generator_writes_checks() -> None:
    sct = [c.snomed for c in CONDITIONS] + [c for c, _ in EVENTS]
    sct += [c for c, *_ in PROCEDURES + VACCINES + ALLERGIES] + [k[2] for k in ENCOUNTER_KINDS]
    sct += [c for c, *_ in DRUGS]
    assert all(snomed_valid(c) for c in sct), [c for c in sct if not snomed_valid(c)]
    loinc = [k[0] for k in KINDS] + [SYSTOLIC[0], DIASTOLIC[0], "59284-0", "11506-3", "18842-5"]
    assert all(loinc_valid(c) for c in loinc)


def test_nhs_number_rules() -> None:
    assert is_valid_nhs_number("9434765919") and is_valid_nhs_number("943 476 5919")
    assert not is_valid_nhs_number("9434765918") and not is_valid_nhs_number("94347659")
    assert nhs_number_check_digit("943476591") == 9
    # A stem whose check digit would be 10 has no valid number.
    stem = next(
        s for s in range(999_000_000, 999_000_100) if nhs_number_check_digit(str(s)) is None
    )
    assert not any(is_valid_nhs_number(f"{stem}{d}") for d in range(10))
    assert in_test_range("9990000018") and not in_test_range("9434765919")


def test_nhs_numbers_are_a_permutation_of_the_valid_test_range() -> None:
    n = 50_000
    numbers = assign_nhs_numbers(7, np.arange(n))
    assert len(set(numbers)) == n
    assert all(in_test_range(x) and is_valid_nhs_number(x) for x in numbers[:2000])
    assert valid_stems().size > 900_000


def test_deprivation_quintile_is_deterministic_and_validates() -> None:
    assert deprivation_quintile("LS6 2AB") == deprivation_quintile("ls62ab")
    assert deprivation_quintile("EC1A 1BB") in range(1, 6)  # area outside the model
    values = {deprivation_quintile(f"BN{d} {s}AA") for d in range(1, 40) for s in range(10)}
    assert values == {1, 2, 3, 4, 5}
    with pytest.raises(InvalidArgument):
        deprivation_quintile("not a postcode")
