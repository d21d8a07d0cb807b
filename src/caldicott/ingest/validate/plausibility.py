"""Plausibility: findings that do not refuse a record but that a custodian should see.

Birth after death, a birth date in the future, events dated before the patient's birth
(checked by the loader, which knows the patients) and observations of common LOINC codes
outside physiological ranges. All are warnings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from caldicott.ingest.reasons import Reason, reason

#: LOINC code -> (UCUM unit, lowest, highest) a living person can show.
RANGES: dict[str, tuple[str, float, float]] = {
    "8867-4": ("/min", 20, 300),  # heart rate
    "9279-1": ("/min", 2, 80),  # respiratory rate
    "8310-5": ("Cel", 25, 45),  # body temperature
    "8480-6": ("mm[Hg]", 40, 300),  # systolic blood pressure
    "8462-4": ("mm[Hg]", 20, 200),  # diastolic blood pressure
    "29463-7": ("kg", 0.2, 500),  # body weight
    "8302-2": ("cm", 20, 280),  # body height
    "39156-5": ("kg/m2", 8, 150),  # body mass index
    "59408-5": ("%", 40, 100),  # oxygen saturation (pulse oximetry)
    "2708-6": ("%", 40, 100),  # oxygen saturation (arterial)
    "4548-4": ("%", 2, 25),  # HbA1c (percent)
    "59261-8": ("mmol/mol", 10, 250),  # HbA1c (IFCC)
    "2339-0": ("mg/dL", 10, 2000),  # glucose
    "15074-8": ("mmol/L", 0.5, 120),  # glucose (molar)
    "2093-3": ("mg/dL", 30, 1500),  # total cholesterol
    "2160-0": ("mg/dL", 0.05, 30),  # creatinine
}

#: Where each type keeps the date of the event it records.
EVENT_DATES: dict[str, tuple[str, ...]] = {
    "Observation": ("effectiveDateTime", "effectivePeriod.start", "effectiveInstant", "issued"),
    "Condition": ("onsetDateTime", "onsetPeriod.start", "recordedDate"),
    "Encounter": ("period.start",),
    "Procedure": ("performedDateTime", "performedPeriod.start"),
    "Immunization": ("occurrenceDateTime",),
    "MedicationRequest": ("authoredOn",),
    "MedicationStatement": ("effectiveDateTime", "effectivePeriod.start", "dateAsserted"),
    "AllergyIntolerance": ("onsetDateTime", "recordedDate"),
    "DocumentReference": ("date",),
}
SUBJECT_ELEMENTS = ("subject", "patient")


#: EVENT_DATES with each path split once: (first element, the elements below it).
_EVENT_PATHS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    rtype: tuple((p.split(".")[0], tuple(p.split(".")[1:])) for p in paths)
    for rtype, paths in EVENT_DATES.items()
}


def _get(res: dict[str, Any], first: str, rest: tuple[str, ...]) -> Any:
    node: Any = res.get(first)
    for part in rest:
        if type(node) is not dict:
            return None
        node = node.get(part)
    return node


def event_date(res: dict[str, Any]) -> str | None:
    """The date (YYYY-MM-DD or shorter) of the event a resource records, if any."""
    rtype = res.get("resourceType")
    paths = _EVENT_PATHS.get(rtype) if type(rtype) is str else None
    if paths is None:
        return None
    for first, rest in paths:
        value = _get(res, first, rest)
        if type(value) is str:
            return value[:10]
    return None


def patient_id(res: dict[str, Any]) -> str | None:
    """The id of the patient a resource is about, when it refers to one as Patient/id."""
    for key in SUBJECT_ELEMENTS:
        node = res.get(key)
        ref = node.get("reference") if type(node) is dict else None
        if type(ref) is str and ref.startswith("Patient/"):
            return ref[len("Patient/") :].split("/", 1)[0]
    return None


def before(a: str, b: str) -> bool:
    """a is strictly earlier than b, comparing only the precision both give."""
    n = min(len(a), len(b))
    return a[:n] < b[:n]


def plausibility(res: dict[str, Any]) -> list[Reason]:
    """Warnings about one resource on its own (cross-record checks are in the loader)."""
    rtype = res.get("resourceType")
    found: list[Reason] = []
    if rtype == "Patient":
        birth = res.get("birthDate")
        death = res.get("deceasedDateTime")
        if type(birth) is str:
            today = datetime.now(UTC).date().isoformat()
            if before(today, birth):
                found.append(
                    reason("implausible-date", "birth date is in the future", "Patient.birthDate")
                )
            if type(death) is str and before(death[:10], birth):
                found.append(
                    reason("implausible-date", "death is before birth", "Patient.deceasedDateTime")
                )
    elif rtype == "Observation":
        found.extend(_ranges(res))
    return found


def _ranges(res: dict[str, Any]) -> list[Reason]:
    """The value, and each component's value, checked against its LOINC code's range
    (blood pressure keeps its systolic and diastolic values in components)."""
    found = _out_of_range(res, "Observation")
    components = res.get("component")
    if type(components) is list:
        for i, component in enumerate(components):
            if type(component) is dict:
                found.extend(_out_of_range(component, f"Observation.component[{i}]"))
    return found


def _out_of_range(node: dict[str, Any], path: str) -> list[Reason]:
    value = node.get("valueQuantity")
    code = node.get("code")
    if type(value) is not dict or type(code) is not dict:
        return []
    number, unit = value.get("value"), value.get("code")
    if not isinstance(number, (int, float)) or isinstance(number, bool):
        return []
    codings = code.get("coding")
    for coding in codings if type(codings) is list else ():
        if type(coding) is dict and coding.get("system") == "http://loinc.org":
            loinc = coding.get("code")
            expected = RANGES.get(loinc) if type(loinc) is str else None
            if expected and unit == expected[0] and not expected[1] <= number <= expected[2]:
                return [
                    reason(
                        "implausible-value",
                        "value outside the physiological range for its LOINC code",
                        f"{path}.valueQuantity.value",
                    )
                ]
    return []
