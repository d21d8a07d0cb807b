"""Small, valid FHIR R4 resources for ingest tests, and helpers to write them to files."""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from caldicott.fhir.nhs_number import nhs_number_check_digit

NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


def nhs_number(seed: int) -> str:
    """A valid NHS number derived from ``seed`` (skipping prefixes with no check digit)."""
    n = seed
    while True:
        first = f"{(943_000_000 + n) % 1_000_000_000:09d}"
        digit = nhs_number_check_digit(first)
        if digit is not None:
            return first + str(digit)
        n += 1


def patient(pid: str, seed: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [{"system": NHS_SYSTEM, "value": nhs_number(seed)}],
        "name": [{"family": "Testperson", "given": ["Alex"]}],
        "gender": "female",
        "birthDate": "1970-05-17",
        **extra,
    }


def observation(oid: str, pid: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": f"Patient/{pid}"},
        "effectiveDateTime": "2020-03-04T10:00:00Z",
        "valueQuantity": {
            "value": 72,
            "unit": "/min",
            "system": "http://unitsofmeasure.org",
            "code": "/min",
        },
        **extra,
    }


def condition(cid: str, pid: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": cid,
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "38341003"}]},
        "subject": {"reference": f"Patient/{pid}"},
        "onsetDateTime": "2015-06-01",
        **extra,
    }


def encounter(eid: str, pid: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "id": eid,
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": {"reference": f"Patient/{pid}"},
        "period": {"start": "2020-03-04T09:00:00Z", "end": "2020-03-04T09:30:00Z"},
        **extra,
    }


def medication_request(mid: str, pid: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": mid,
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {
            "coding": [{"system": "https://dmd.nhs.uk", "code": "39720311000001101"}]
        },
        "subject": {"reference": f"Patient/{pid}"},
        "authoredOn": "2021-01-02",
        **extra,
    }


def line(resource: dict[str, Any]) -> bytes:
    return orjson.dumps(resource)


def write_ndjson(path: Path, records: Iterable[dict[str, Any] | bytes]) -> Path:
    data = b"\n".join(r if isinstance(r, bytes) else line(r) for r in records) + b"\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def bundle(kind: str, resources: list[dict[str, Any]], *, urn: bool = False) -> dict[str, Any]:
    entries = []
    for r in resources:
        entry: dict[str, Any] = {"resource": r}
        if urn:
            entry["fullUrl"] = f"urn:uuid:{r['id']}"
        if kind in ("transaction", "batch"):
            entry["request"] = {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}
        entries.append(entry)
    return {"resourceType": "Bundle", "type": kind, "entry": entries}
