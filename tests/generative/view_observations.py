"""Generated Observation resources and the paths views over them use: choice values of
several types (Quantity, string, boolean, CodeableConcept), coded elements, components
(blood pressure), effective[x] as a dateTime or a Period, and subjects that refer to
patients of the population or to none of them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from tests.generative.view_values import DATETIMES, DECIMALS, WORDS, Pools, optional

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"
CODES = st.sampled_from(
    [(LOINC, SYSTOLIC), (LOINC, DIASTOLIC), (LOINC, "29463-7"), (SNOMED, "271649006")]
)


def _decimal(text: str) -> Decimal | int:
    return Decimal(text) if "." in text or "E" in text.upper() else int(text)


@st.composite
def codings(draw: st.DrawFn) -> dict[str, Any]:
    system, code = draw(CODES)
    out: dict[str, Any] = {"system": system, "code": code}
    if draw(st.booleans()):
        out["display"] = draw(WORDS)
    return out


@st.composite
def concepts(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    found = draw(st.lists(codings(), max_size=2))
    if found:
        out["coding"] = found
    if draw(st.booleans()) or not found:
        out["text"] = draw(WORDS)
    return out


@st.composite
def quantities(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {"value": _decimal(draw(DECIMALS))}
    if draw(st.booleans()):
        out |= {"unit": "mm[Hg]", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}
    return out


@st.composite
def values(draw: st.DrawFn) -> dict[str, Any]:
    """A value[x] under its JSON key, or none."""
    kind = draw(st.sampled_from(["none", "Quantity", "Quantity", "string", "boolean", "concept"]))
    if kind == "Quantity":
        return {"valueQuantity": draw(quantities())}
    if kind == "string":
        return {"valueString": draw(WORDS)}
    if kind == "boolean":
        return {"valueBoolean": draw(st.booleans())}
    if kind == "concept":
        return {"valueCodeableConcept": draw(concepts())}
    return {}


@st.composite
def observations(draw: st.DrawFn, index: int, patients: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"o{index}",
        "status": draw(st.sampled_from(["final", "amended", "preliminary"])),
        "code": draw(concepts()),
    }
    # a patient of the population, or one that is not there
    out["subject"] = {"reference": f"Patient/p{draw(st.integers(0, patients))}"}
    if draw(st.booleans()):
        out["category"] = [{"coding": [{"system": CATEGORY, "code": "vital-signs"}]}]
    effective = draw(st.sampled_from(["none", "dateTime", "Period"]))
    if effective == "dateTime":
        out["effectiveDateTime"] = draw(st.sampled_from(DATETIMES))
    elif effective == "Period":
        period = {"start": draw(st.sampled_from(DATETIMES))}
        if (end := draw(optional(st.sampled_from(DATETIMES)))) is not None:
            period["end"] = end
        out["effectivePeriod"] = period
    out |= draw(values())
    parts = [
        {"code": {"coding": [draw(codings())]}, **draw(values())}
        for _ in range(draw(st.integers(0, 2)))
    ]
    if parts:
        out["component"] = parts
    return out


OBSERVATION_COLUMNS = [
    ("id", "id"),
    ("status", "code"),
    ("code.text", "string"),
    ("code.coding.first().code", "code"),
    (f"code.coding.where(system = '{LOINC}').code.first()", "code"),
    (f"code.coding.exists(system = '{SNOMED}')", "boolean"),
    ("subject.getReferenceKey(Patient)", "string"),
    ("subject.getReferenceKey()", "string"),
    ("subject.reference", "string"),
    ("value.ofType(Quantity).value", "decimal"),
    ("value.ofType(Quantity).unit", "string"),
    ("value.ofType(Quantity).value > 1", "boolean"),
    ("value.ofType(Quantity).value.lowBoundary()", "decimal"),
    ("value.ofType(string)", "string"),
    ("value.ofType(boolean)", "boolean"),
    ("value.ofType(CodeableConcept).coding.first().code", "code"),
    ("value.ofType(CodeableConcept).text", "string"),
    ("value.exists()", "boolean"),
    ("effective.ofType(dateTime)", "dateTime"),
    ("effective.ofType(Period).start", "dateTime"),
    ("effective.ofType(Period).end.exists()", "boolean"),
    ("effective.ofType(dateTime) > @2020-05-31T23:00:00Z", "boolean"),
    ("effective.ofType(Period).start < @2020-06", "boolean"),
    ("component.count()", "integer"),
    (
        f"component.where(code.coding.code = '{SYSTOLIC}').value.ofType(Quantity).value.first()",
        "decimal",
    ),
    ("category.coding.code.first()", "code"),
    ("getResourceKey()", "string"),
    ("%rowIndex", "integer"),
    ("%kdecimal", "decimal"),
    ("value.ofType(Quantity).value >= %kdecimal", "boolean"),
    ("value is Quantity", "boolean"),
    ("value is CodeableConcept", "boolean"),
    ("(value as Quantity).unit", "string"),
    ("(effective as Period).start", "dateTime"),
    ("effective is dateTime", "boolean"),
    (f"'{SYSTOLIC}' in component.code.coding.code", "boolean"),
    ("(category.coding.code | code.coding.code).count()", "integer"),
]
COMPONENT_COLUMNS = [
    ("code.coding.first().code", "code"),
    ("value.ofType(Quantity).value", "decimal"),
    ("value.ofType(Quantity).unit", "string"),
    ("value.ofType(string)", "string"),
    ("value.ofType(Quantity).value * 2", "decimal"),
    ("value is Quantity", "boolean"),
    ("%rowIndex", "integer"),
]
CODING_COLUMNS = [
    ("system", "uri"),
    ("code", "code"),
    ("display", "string"),
    (f"system = '{LOINC}'", "boolean"),
    ("%rowIndex", "integer"),
]
OBSERVATION = Pools(
    resource="Observation",
    columns=OBSERVATION_COLUMNS,
    iterations=[
        ("component", COMPONENT_COLUMNS),
        (f"component.where(code.coding.code = '{DIASTOLIC}')", COMPONENT_COLUMNS),
        ("code.coding", CODING_COLUMNS),
        ("value.ofType(CodeableConcept).coding", CODING_COLUMNS),
    ],
    nested=[("component", COMPONENT_COLUMNS, "code.coding", CODING_COLUMNS)],
    repeats=[(["component"], COMPONENT_COLUMNS)],
    collections=[
        ("code.coding.code", "code"),
        ("component.value.ofType(Quantity).value", "decimal"),
        ("category.coding.code", "code"),
    ],
    wheres=[
        "status = 'final'",
        "value.ofType(Quantity).value > 1",
        f"code.coding.exists(system = '{LOINC}')",
        "effective.ofType(dateTime) < @2020-06",
        "subject.getReferenceKey(Patient) = 'p0'",
    ],
)
