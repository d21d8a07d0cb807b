"""Patient and Condition resources (UK Core identifiers and ethnic category)."""

from __future__ import annotations

import numpy as np

from caldicott.fhir.codes import SNOMED
from caldicott.fhir.nhs_number import NHS_NUMBER_SYSTEM
from caldicott.synth import figures as fig
from caldicott.synth.conditions import CONDITIONS, Conditions
from caldicott.synth.dates import iso
from caldicott.synth.demographics import AREA_TOWN, People, resource_ids
from caldicott.synth.encounters import DIAGNOSIS, EncounterTable
from caldicott.synth.streams import S

Record = dict[str, object]
ETHNIC_EXTENSION = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"
ETHNIC_SYSTEM = "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
PATIENT_PROFILE = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"


def given_name(people: People, i: int) -> str:
    names = fig.GIVEN_FEMALE if people.female[i] else fig.GIVEN_MALE
    return names[int(people.given[i])]


def patient_records(people: People, end: int) -> list[Record]:
    ethnic = [
        [
            {
                "url": ETHNIC_EXTENSION,
                "valueCodeableConcept": {
                    "coding": [{"system": ETHNIC_SYSTEM, "code": c, "display": d}]
                },
            }
        ]
        for c, d in zip(fig.ETHNIC_CODES, fig.ETHNIC_DISPLAY, strict=True)
    ]
    births = iso(people.birth)
    deaths = iso(np.maximum(people.death, 0))
    postcodes = people.postcodes()
    out: list[Record] = []
    meta = {"profile": [PATIENT_PROFILE]}
    for i in range(people.size):
        female = bool(people.female[i])
        rec: Record = {
            "resourceType": "Patient",
            "id": people.ids[i],
            "meta": meta,
            "extension": ethnic[int(people.ethnic[i])],
            "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": people.nhs[i]}],
            "name": [
                {
                    "use": "official",
                    "family": fig.FAMILY[int(people.family[i])],
                    "given": [given_name(people, i)],
                    "prefix": ["Ms" if female else "Mr"],
                }
            ],
            "telecom": [
                {
                    "system": "phone",
                    "value": f"{fig.MOBILE_PREFIX}{int(people.phone[i]):03d}",
                    "use": "mobile",
                }
            ],
            "gender": "female" if female else "male",
            "birthDate": births[i],
            "address": [
                {
                    "use": "home",
                    "line": [f"{int(people.house[i])} {fig.STREETS[int(people.street[i])]}"],
                    "city": AREA_TOWN[int(people.area[i])],
                    "postalCode": postcodes[i],
                    "country": "GB",
                }
            ],
            "generalPractitioner": [
                {
                    "type": "Organization",
                    "identifier": {"system": ODS_SYSTEM, "value": people.practice[i]},
                }
            ],
        }
        if people.death[i] >= 0:
            rec["deceasedDateTime"] = deaths[i]
        out.append(rec)
    return out


_CLINICAL = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}
    ]
}
_VERIFIED = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "code": "confirmed",
        }
    ]
}
_CATEGORY = [
    {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                "code": "problem-list-item",
            }
        ]
    }
]


def condition_records(
    seed: int,
    people: People,
    cond: Conditions,
    enc: EncounterTable,
    patient_ref: list[str],
    events: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> list[Record]:
    """One Condition per (patient, condition), plus one per cardiovascular event.

    ``events`` are (patient position, day, code index into outcome.EVENTS) triples.
    """
    from caldicott.synth.encounters import EVENT
    from caldicott.synth.outcome import EVENTS

    pos, j = np.nonzero(cond.has)
    pos, j = pos.astype(np.int64), j.astype(np.int64)
    onset = cond.onset[pos, j]
    in_window = onset > people.baseline[pos]
    e_pos, e_day, e_kind = events
    all_pos = np.concatenate([pos, e_pos]).astype(np.int64)
    all_code = np.concatenate([j, len(CONDITIONS) + e_kind]).astype(np.int64)
    all_day = np.concatenate([onset, e_day]).astype(np.int64)
    order = np.lexsort((all_code, all_day, all_pos))
    all_pos, all_code, all_day = all_pos[order], all_code[order], all_day[order]
    enc_row = np.full(all_pos.size, -1, dtype=np.int64)
    diag = np.concatenate([in_window, np.zeros(e_pos.size, dtype=np.bool_)])[order]
    event = all_code >= len(CONDITIONS)
    if diag.any():
        enc_row[diag] = enc.row_of(DIAGNOSIS, all_pos[diag], all_code[diag])
    if event.any():
        enc_row[event] = enc.row_of(EVENT, all_pos[event])
    codes = [
        {"coding": [{"system": SNOMED, "code": c.snomed, "display": c.display}]} for c in CONDITIONS
    ]
    codes += [{"coding": [{"system": SNOMED, "code": c, "display": d}]} for c, d in EVENTS]
    ids = resource_ids(seed, S.RECORD_ID + 6, people.index[all_pos], all_code)
    days = iso(all_day)
    out: list[Record] = []
    for i, p, c, d, r in zip(
        ids, all_pos.tolist(), all_code.tolist(), days, enc_row.tolist(), strict=True
    ):
        rec: Record = {
            "resourceType": "Condition",
            "id": i,
            "clinicalStatus": _CLINICAL,
            "verificationStatus": _VERIFIED,
            "category": _CATEGORY,
            "code": codes[c],
            "subject": {"reference": patient_ref[p]},
        }
        if r >= 0:
            rec["encounter"] = {"reference": f"Encounter/{enc.ids[r]}"}
        rec["onsetDateTime"] = d
        rec["recordedDate"] = d
        out.append(rec)
    return out
