"""A small UK-shaped population in the warehouse layout, for library and CLI tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from caldicott.store.warehouse import DuckDBWarehouse

NHS = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
ETHNIC = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"


def patient(pid: str, nhs: str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [{"system": NHS, "value": nhs}, {"system": "urn:local", "value": "L1"}],
        "gender": "female",
        "birthDate": "1980-04-02",
        "address": [{"use": "home", "postalCode": "LS1 4AP"}],
        "generalPractitioner": [{"identifier": {"system": ODS, "value": "B86001"}}],
        "extension": [
            {
                "url": ETHNIC,
                "valueCodeableConcept": {
                    "coding": [{"system": "https://fhir.hl7.org.uk/CodeSystem/x", "code": "A"}]
                },
            }
        ],
    }
    base.update(extra)
    return base


RESOURCES: list[dict[str, Any]] = [
    patient("p1", "9434765919"),
    patient("p2", "9434765870", gender="male", deceasedDateTime="2020-01-01", address=[]),
    {
        "resourceType": "Condition",
        "id": "c1",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]},
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "onsetDateTime": "2019-05-01",
    },
    {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "subject": {"reference": "Patient/p2"},
        "code": {
            "coding": [
                {"system": "http://loinc.org", "code": "8480-6"},
                {"system": "http://snomed.info/sct", "code": "271649006"},
            ]
        },
        "effectiveDateTime": "2021-02-03T10:00:00Z",
        "valueQuantity": {"value": 132.5, "unit": "mmHg"},
    },
]


def make_warehouse(path: Path, resources: list[dict[str, Any]] | None = None) -> Path:
    with DuckDBWarehouse(path) as store:
        for res in resources if resources is not None else RESOURCES:
            table = store.ensure_table(res["resourceType"])
            store.conn.execute(
                f'INSERT INTO "{table}" (id, resource) VALUES (?, ?)',
                [res["id"], orjson.dumps(res).decode()],
            )
    return path
