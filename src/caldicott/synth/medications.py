"""Medication requests with dm+d codes, tied to the conditions they treat.

A patient with a condition is put on each of its medicines with the stated probability,
from the day of onset (after a cardiovascular event: a statin and an antiplatelet). The
prescription is issued at every check-up, diagnosis visit, review and emergency attendance
from then on; the last issue is ``active`` (``stopped`` if the patient has died), earlier
ones ``completed``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from caldicott.fhir.codes import DMD, SNOMED
from caldicott.synth.conditions import CONDITIONS, INDEX, Conditions
from caldicott.synth.dates import iso_time
from caldicott.synth.demographics import People, resource_ids
from caldicott.synth.encounters import ACUTE, PROCEDURE, EncounterTable
from caldicott.synth.outcome import Outcome
from caldicott.synth.streams import S, uniform

I64 = npt.NDArray[Any]
Record = dict[str, object]

#: dm+d virtual medicinal products: code, name, dose instruction.
DRUGS = (
    ("319283006", "Amlodipine 5mg tablets", "One tablet once a day"),
    ("319773006", "Ramipril 5mg capsules", "One capsule once a day"),
    ("325278007", "Metformin 500mg tablets", "One tablet twice a day with food"),
    (
        "39113611000001102",
        "Salbutamol 100micrograms/dose inhaler CFC free",
        "Two puffs when required",
    ),
    ("42206511000001102", "Apixaban 5mg tablets", "One tablet twice a day"),
    ("321949006", "Sertraline 50mg tablets", "One tablet once a day"),
    ("318590006", "Bisoprolol 5mg tablets", "One tablet once a day"),
    ("317972000", "Furosemide 40mg tablets", "One tablet each morning"),
    ("319740004", "Clopidogrel 75mg tablets", "One tablet once a day"),
    ("320000009", "Atorvastatin 20mg tablets", "One tablet at night"),
)
(
    AMLODIPINE,
    RAMIPRIL,
    METFORMIN,
    SALBUTAMOL,
    APIXABAN,
    SERTRALINE,
    BISOPROLOL,
    FUROSEMIDE,
    CLOPIDOGREL,
    ATORVASTATIN,
) = range(len(DRUGS))
#: (condition, drug, probability of being prescribed it).
INDICATIONS = (
    ("hypertension", AMLODIPINE, 0.65),
    ("hypertension", RAMIPRIL, 0.45),
    ("type2_diabetes", METFORMIN, 0.9),
    ("type2_diabetes", ATORVASTATIN, 0.5),
    ("asthma", SALBUTAMOL, 0.95),
    ("copd", SALBUTAMOL, 0.9),
    ("atrial_fibrillation", APIXABAN, 0.8),
    ("depression", SERTRALINE, 0.5),
    ("heart_failure", BISOPROLOL, 0.8),
    ("heart_failure", FUROSEMIDE, 0.6),
    ("ckd", RAMIPRIL, 0.5),
    ("stroke", CLOPIDOGREL, 0.8),
    ("stroke", ATORVASTATIN, 0.8),
)
_NONE = np.iinfo(np.int64).max


def drug_starts(seed: int, people: People, cond: Conditions, outcome: Outcome) -> I64:
    """(patients, drugs): the day each drug starts, or a huge number if never."""
    start = np.full((people.size, len(DRUGS)), _NONE, dtype=np.int64)
    for k, (key, drug, p) in enumerate(INDICATIONS):
        j = INDEX[key]
        on = cond.has[:, j] & (uniform(seed, S.CONDITION + 500, people.index, k) < p)
        start[:, drug] = np.where(on, np.minimum(start[:, drug], cond.onset[:, j]), start[:, drug])
    for drug in (ATORVASTATIN, CLOPIDOGREL):
        start[:, drug] = np.where(
            outcome.event, np.minimum(start[:, drug], outcome.event_day), start[:, drug]
        )
    return start


def medication_records(
    seed: int,
    people: People,
    cond: Conditions,
    outcome: Outcome,
    enc: EncounterTable,
    patient_ref: list[str],
    end: int,
) -> list[Record]:
    start = drug_starts(seed, people, cond, outcome)
    issuing = (enc.kind != ACUTE) & (enc.kind != PROCEDURE)
    mask = issuing[:, None] & (start[enc.pos] <= enc.day[:, None])
    rows, drugs = np.nonzero(mask)
    rows, drugs = rows.astype(np.int64), drugs.astype(np.int64)
    pos = enc.pos[rows]
    # The last issue of each (patient, drug) is the current prescription.
    order = np.lexsort((rows, drugs, pos))
    last_flag = np.zeros(rows.size, dtype=np.bool_)
    if rows.size:
        same_next = (pos[order][1:] == pos[order][:-1]) & (drugs[order][1:] == drugs[order][:-1])
        last_flag[order] = np.append(~same_next, True)
    dead = people.death >= 0
    ids = resource_ids(
        seed,
        S.RECORD_ID + 5,
        people.index[pos],
        (rows - np.searchsorted(enc.pos, pos)) * 16 + drugs,
    )
    when = iso_time(enc.day[rows], enc.minute[rows])
    meds = [{"coding": [{"system": DMD, "code": c, "display": d}]} for c, d, _ in DRUGS]
    dosage = [[{"text": t}] for _, _, t in DRUGS]
    reason_of = {drug: key for key, drug, _ in INDICATIONS}
    reasons = [
        [
            {
                "coding": [
                    {
                        "system": SNOMED,
                        "code": CONDITIONS[INDEX[reason_of[d]]].snomed,
                        "display": CONDITIONS[INDEX[reason_of[d]]].display,
                    }
                ]
            }
        ]
        for d in range(len(DRUGS))
    ]
    out: list[Record] = []
    for i, r, p, d, t, last in zip(
        ids, rows.tolist(), pos.tolist(), drugs.tolist(), when, last_flag.tolist(), strict=True
    ):
        status = ("stopped" if dead[p] else "active") if last else "completed"
        out.append(
            {
                "resourceType": "MedicationRequest",
                "id": i,
                "status": status,
                "intent": "order",
                "medicationCodeableConcept": meds[d],
                "subject": {"reference": patient_ref[p]},
                "encounter": {"reference": f"Encounter/{enc.ids[r]}"},
                "authoredOn": t,
                "reasonCode": reasons[d],
                "dosageInstruction": dosage[d],
            }
        )
    return out
