"""An independent checker for the export, used to verify the defects ledger one for one.

It finds, for any NDJSON line, which of the defect kinds it shows; a clean line shows none.
It is written from the FHIR R4 rules, not from the generator's code.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson

from caldicott.fhir.codes import DMD, LOINC, SNOMED, loinc_valid, verhoeff_valid
from caldicott.fhir.nhs_number import NHS_NUMBER_SYSTEM, is_valid_nhs_number

TYPES = (
    "Patient", "Encounter", "Condition", "Observation", "MedicationRequest", "Immunization",
    "Procedure", "AllergyIntolerance", "DocumentReference", "Consent",
)  # fmt: skip
ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
REQUIRED = {
    "Patient": (),
    "Encounter": ("status", "class"),
    "Condition": ("subject",),
    "Observation": ("status", "code"),
    "MedicationRequest": ("status", "intent", "subject"),
    "Immunization": ("status", "vaccineCode", "patient"),
    "Procedure": ("status", "subject"),
    "AllergyIntolerance": ("patient",),
    "DocumentReference": ("status", "content"),
    "Consent": ("status", "scope", "category"),
}
STRINGS = ("status", "intent", "gender", "birthDate", "recordedDate", "onsetDateTime",
           "effectiveDateTime", "authoredOn", "occurrenceDateTime", "performedDateTime",
           "date", "dateTime", "deceasedDateTime")  # fmt: skip
DATES = STRINGS[3:]


def read_lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


def _valid_date(text: str) -> bool:
    try:
        date.fromisoformat(text[:10])
        if len(text) > 10:
            datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def problems(file_type: str, line: bytes, known: set[str]) -> set[str]:
    """Defect kinds shown by one line; ``known`` holds the resolvable 'Type/id' strings."""
    try:
        rec = orjson.loads(line)
    except orjson.JSONDecodeError:
        return {"malformed-json"}
    found: set[str] = set()
    if rec.get("resourceType") != file_type:
        found.add("unknown-resource-type")
    if not isinstance(rec.get("id"), str) or not ID.fullmatch(rec["id"]):
        found.add("invalid-id")
    for name in STRINGS:
        if name in rec and not isinstance(rec[name], str):
            found.add("wrong-type")
    if any(name not in rec for name in REQUIRED[file_type]):
        found.add("missing-required")
    if file_type == "MedicationRequest" and "medicationCodeableConcept" not in rec:
        found.add("missing-required")
    for ident in rec.get("identifier", []):
        if ident.get("system") == NHS_NUMBER_SYSTEM and not is_valid_nhs_number(ident["value"]):
            found.add("bad-nhs-number")
    dates = [rec[n] for n in DATES if isinstance(rec.get(n), str)]
    for node in _walk(rec):
        if isinstance(node.get("reference"), str) and node["reference"] not in known:
            found.add("dangling-reference")
        for key in ("start", "end"):
            if isinstance(node.get(key), str):
                dates.append(node[key])
        system, code = node.get("system"), node.get("code")
        if isinstance(code, str) and system in (SNOMED, DMD) and not verhoeff_valid(code):
            found.add("invalid-code")
        if isinstance(code, str) and system == LOINC and not loinc_valid(code):
            found.add("invalid-code")
    if any(not _valid_date(d) for d in dates):
        found.add("impossible-date")
    return found


def known_references(folder: Path) -> set[str]:
    """'Patient/id' and 'Encounter/id' for every well-formed Patient and Encounter line."""
    known: set[str] = set()
    for t in ("Patient", "Encounter"):
        for line in read_lines(folder / f"{t}.ndjson"):
            try:
                rec = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if rec.get("resourceType") == t and isinstance(rec.get("id"), str):
                known.add(f"{t}/{rec['id']}")
    return known
