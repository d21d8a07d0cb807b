"""Dates, dateTimes and times compare precision by precision (FHIRPath N1 §6.1.1) on
every engine: the first precision at which two values differ decides, a precision only
one of them has leaves them incomparable (empty), and seconds with their fraction are
one precision."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.views.engine_params import ENGINES

from caldicott.views import parse_view
from caldicott.views.engines import get_engine
from caldicott.views.engines.base import ResourceList

PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "birthDate": "1985-06",
    "deceasedDateTime": "2020-01-01T10:00:00Z",
    "gender": "1985-06-01",  # a code that reads as a date (not FHIR's, but a string)
    "name": [{"family": "2020-01-01T11:00:00+01:00", "given": ["1985-06"]}],
}

#: path -> the value every engine must give (None: empty)
CASES: dict[str, Any] = {
    "birthDate > @1980": True,
    "birthDate < @1980": False,
    "birthDate = @1980": False,
    "birthDate != @1980": True,
    "birthDate = @1985": None,
    "birthDate >= @1985-06-07": None,
    "birthDate < @1985-07-01": True,
    "birthDate = @1985-06": True,
    "deceased.ofType(dateTime) = @2020-01-01T10:00:00.000Z": True,
    "deceased.ofType(dateTime) < @2020-01-01T10:00:00.5Z": True,
    "deceased.ofType(dateTime) > @2019": True,
    "deceased.ofType(dateTime) = @2020-01-01": None,
    "deceased.ofType(dateTime) > @2020-01-01T09:59": True,
    "@T10:00 < @T11": True,
    "@T10:00 = @T10:00:00": None,
    "@T10:00:00 = @T10:00:00.000": True,
    "@T10:00:01 > @T10:00:00.999": True,
    # zones: both values in UTC first (British Summer Time is +01:00)
    "deceased.ofType(dateTime) = @2020-01-01T11:00:00+01:00": True,
    "deceased.ofType(dateTime) = @2020-01-01T10:00:00+00:00": True,
    "deceased.ofType(dateTime) < @2020-01-01T10:30:00+01:00": False,
    "deceased.ofType(dateTime) > @2020-01-01T05:30:00-05:00": False,
    "deceased.ofType(dateTime) = @2020-01-01T05:00:00.000-05:00": True,
    "@2024-06-01T00:30:00+01:00 < @2024-06-01": True,
    "@2024-06-01T00:30+01:00 = @2024-05-31T23:30Z": True,
    "@2024-12-31T23:30:00-01:00 > @2024": True,
    # strings that read as dates compare as dates, whether written as date literals,
    # string literals or found in elements of any type (the memory engine knows no types)
    "birthDate = '1985-06'": True,
    "birthDate = '1985-06-01'": None,
    "birthDate < '1985-07-01'": True,
    "birthDate = gender": None,
    "birthDate = name.given.first()": True,
    "gender > birthDate": None,
    "name.family.first() = '2020-01-01T10:00:00Z'": True,
    "name.family.first() = deceased.ofType(dateTime)": True,
    "gender = '1985-06-01'": True,
    "gender = 'female'": False,  # not a date on one side: text
    "'1985-06' = '1985-06-01'": None,
}


def _row(engine: str) -> dict[str, Any]:
    columns = [{"name": f"c{n}", "path": path} for n, path in enumerate(CASES)]
    view = parse_view(
        {"resourceType": "ViewDefinition", "resource": "Patient", "select": [{"column": columns}]}
    )
    (row,) = get_engine(engine).run(view, ResourceList((PATIENT,))).dicts()
    return dict(row)


@pytest.mark.parametrize("engine", ENGINES)
def test_temporal_comparisons(engine: str) -> None:
    row = _row(engine)
    got = {path: row[f"c{n}"] for n, path in enumerate(CASES)}
    assert got == CASES


#: Strings from the data, which no engine may take for dates unless they are ones.
ODD = {
    "resourceType": "Patient",
    "id": "p2",
    "name": [
        {
            "given": [
                "2020-01-01Tabc",  # a T, but no dateTime
                "2020-01-01T10:00:00z",  # a lower-case z is no zone
                "9999-12-31T23:30-01:00",  # UTC would be in year 10000: left as it is
                "\u0661\u0669\u0668\u0660",  # Arabic-Indic digits are not a year
            ]
        }
    ],
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("name.given[0] = '2020-01-01'", False),
        ("name.given[0] != '2020-01-01'", True),
        ("name.given[1] = '2020-01-01T10:00:00'", False),
        ("name.given[2] > '2020'", True),
        ("name.given[3] = '\u0661\u0669\u0668\u0660-01'", False),
    ],
)
def test_strings_that_are_not_dates_compare_as_text(engine: str, path: str, value: Any) -> None:
    view = parse_view(
        {
            "resourceType": "ViewDefinition",
            "resource": "Patient",
            "select": [{"column": [{"name": "c", "path": path}]}],
        }
    )
    (row,) = get_engine(engine).run(view, ResourceList((ODD,))).dicts()
    assert row["c"] is value
