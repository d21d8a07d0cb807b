"""The population matches its documented targets, within statistical tolerance."""

from __future__ import annotations

import csv
import math
from collections import Counter
from datetime import date

import numpy as np
from tests.unit.synth.conftest import POPULATION, Export

from caldicott.fhir.nhs_number import NHS_NUMBER_SYSTEM, in_test_range, is_valid_nhs_number
from caldicott.synth import deprivation_quintile
from caldicott.synth import figures as fig
from caldicott.synth.conditions import CONDITIONS
from caldicott.synth.config import DEFAULT_END
from caldicott.synth.outcome import EVENTS

ETHNIC_URL = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"


def _within(observed: float, expected: float, n: int, sigmas: float = 4.0) -> bool:
    """Binomial tolerance: |observed - expected| within ``sigmas`` standard errors."""
    se = math.sqrt(max(expected * (1 - expected), 1e-9) / n)
    return abs(observed - expected) <= sigmas * se + 1e-9


def _age(birth: str, on: date = DEFAULT_END) -> float:
    return (on - date.fromisoformat(birth)).days / 365.25


def test_nhs_numbers_valid_unique_and_in_the_test_range(export: Export) -> None:
    numbers = [
        i["value"]
        for p in export.records("Patient")
        for i in p["identifier"]
        if i["system"] == NHS_NUMBER_SYSTEM
    ]
    assert len(numbers) == POPULATION == len(set(numbers))
    assert all(is_valid_nhs_number(n) and in_test_range(n) for n in numbers)


def test_age_and_sex_follow_the_census(export: Export) -> None:
    patients = export.records("Patient")
    # Ages are drawn for the whole list as at the end date (documented): those who died in
    # the window would have had these ages, so the pyramid is compared over everyone.
    ages = np.array([_age(p["birthDate"]) for p in patients])
    bands = np.minimum((ages // 5).astype(int), len(fig.AGE_BANDS) - 1)
    expected = np.asarray(fig.AGE_BAND_THOUSANDS) / sum(fig.AGE_BAND_THOUSANDS)
    observed = np.bincount(bands, minlength=len(expected)) / POPULATION
    for b in range(len(expected)):
        assert _within(observed[b], expected[b], POPULATION), (b, observed[b], expected[b])
    female = np.mean([p["gender"] == "female" for p in patients])
    assert _within(female, 0.51, POPULATION)


def test_ethnicity_follows_the_2021_census(export: Export) -> None:
    codes = Counter(
        e["valueCodeableConcept"]["coding"][0]["code"]
        for p in export.records("Patient")
        for e in p["extension"]
        if e["url"] == ETHNIC_URL
    )
    total = sum(fig.ETHNIC_PERCENT)
    for code, pct in zip(fig.ETHNIC_CODES, fig.ETHNIC_PERCENT, strict=True):
        assert _within(codes[code] / POPULATION, pct / total, POPULATION), code


def test_deprivation_comes_from_the_postcode_and_is_near_fifths(export: Export) -> None:
    postcodes = [p["address"][0]["postalCode"] for p in export.records("Patient")]
    quintiles = [deprivation_quintile(pc) for pc in postcodes]
    shares = np.bincount(quintiles, minlength=6)[1:] / POPULATION
    assert all(0.15 < s < 0.25 for s in shares), shares
    with (export.folder / "outcomes.csv").open() as f:
        rows = list(csv.DictReader(f))
    by_id = {p["id"]: p["address"][0]["postalCode"] for p in export.records("Patient")}
    for row in rows[:500]:
        assert int(row["deprivation_quintile"]) == deprivation_quintile(by_id[row["patient_id"]])


def test_prevalence_matches_the_registers(export: Export) -> None:
    patients = {p["id"]: p for p in export.records("Patient")}
    coded: dict[str, set[str]] = {c.snomed: set() for c in CONDITIONS}
    event_ids = {c for c, _ in EVENTS}
    for c in export.records("Condition"):
        code = c["code"]["coding"][0]["code"]
        pid = c["subject"]["reference"].split("/")[1]
        if code in event_ids and "encounter" in c:  # a new event, not history
            continue
        coded.setdefault(code, set()).add(pid)
    for spec in CONDITIONS:
        if spec.target < 0.01:
            continue
        denominator = [
            pid
            for pid, p in patients.items()
            if _age(p["birthDate"]) >= spec.denominator_age
            and (spec.sex is None or p["gender"] == spec.sex)
        ]
        have = len(coded[spec.snomed] & set(denominator)) / len(denominator)
        # Calibrated to the register figure; onset and death rules shave a little off.
        assert spec.target * 0.75 <= have <= spec.target * 1.2, (spec.key, have, spec.target)


def test_gradients_follow_published_direction(export: Export) -> None:
    patients = {p["id"]: p for p in export.records("Patient")}
    diabetic = {
        c["subject"]["reference"].split("/")[1]
        for c in export.records("Condition")
        if c["code"]["coding"][0]["code"] == "44054006"
    }

    def rate(select: object) -> float:
        ids = [pid for pid, p in patients.items() if select(p)]  # type: ignore[operator]
        return len(diabetic & set(ids)) / max(len(ids), 1)

    south_asian = {"H", "J", "K", "L"}

    def eth(p: dict) -> str:  # type: ignore[type-arg]
        return p["extension"][0]["valueCodeableConcept"]["coding"][0]["code"]

    adult = lambda p: _age(p["birthDate"]) >= 40  # noqa: E731
    assert rate(lambda p: adult(p) and eth(p) in south_asian) > 1.5 * rate(
        lambda p: adult(p) and eth(p) == "A"
    )
    q = lambda p: deprivation_quintile(p["address"][0]["postalCode"])  # noqa: E731
    assert rate(lambda p: adult(p) and q(p) == 1) > rate(lambda p: adult(p) and q(p) == 5)


def test_national_opt_outs_about_five_percent(export: Export) -> None:
    lines = (export.folder / "national-opt-outs.csv").read_text().splitlines()
    assert lines[0] == "nhs_number"
    numbers = lines[1:]
    assert _within(len(numbers) / POPULATION, 0.054, POPULATION)
    assert all(is_valid_nhs_number(n) for n in numbers)
    type1 = (export.folder / "type1-opt-outs.csv").read_text().splitlines()
    assert type1[0] == "nhs_number" and 0.015 < (len(type1) - 1) / POPULATION < 0.04


def test_some_deaths_in_the_window(export: Export) -> None:
    deaths = sum("deceasedDateTime" in p for p in export.records("Patient"))
    assert 0.05 < deaths / POPULATION < 0.12


def test_outcome_ground_truth_is_calibrated(export: Export) -> None:
    with (export.folder / "outcomes.csv").open() as f:
        rows = list(csv.DictReader(f))
    risk = np.array([float(r["risk"]) for r in rows])
    event = np.array([int(r["event"]) for r in rows])
    assert len(rows) > POPULATION * 0.4
    assert abs(event.mean() - risk.mean()) < 4 * math.sqrt(risk.mean() / len(rows))
    high, low = risk > np.quantile(risk, 0.8), risk < np.quantile(risk, 0.2)
    assert event[high].mean() > 4 * event[low].mean()
    assert all(r["event_date"] for r in rows if r["event"] == "1")
