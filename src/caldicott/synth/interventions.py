"""Procedures, immunisations and allergies, tied to conditions, age and the calendar."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from caldicott.fhir.codes import SNOMED
from caldicott.synth.conditions import INDEX, Conditions
from caldicott.synth.dates import EPOCH, YEAR, day_number, iso, iso_time
from caldicott.synth.demographics import People, resource_ids
from caldicott.synth.encounters import EncounterTable
from caldicott.synth.outcome import Outcome
from caldicott.synth.streams import S, uniform

I64 = npt.NDArray[Any]
Record = dict[str, object]

PROCEDURES = (  # SNOMED CT procedure, display
    ("29303009", "Electrocardiographic procedure"),
    ("127783003", "Spirometry"),
    ("73761001", "Colonoscopy"),
    ("415070008", "Percutaneous coronary intervention"),
    ("52734007", "Total replacement of hip"),
    ("80146002", "Appendectomy"),
)
ECG, SPIROMETRY, COLONOSCOPY, PCI, HIP, APPENDIX = range(6)
VACCINES = (  # SNOMED CT vaccine products
    ("836377006", "Vaccine product containing Influenza virus antigen"),
    ("836398006", "Vaccine product containing Streptococcus pneumoniae antigen"),
    ("1119349007", "Vaccine product containing only SARS-CoV-2 mRNA"),
)
FLU, PNEUMO, COVID = range(3)
ALLERGIES = (  # SNOMED CT finding, display, category, prevalence
    ("91936005", "Allergy to penicillin", "medication", 0.06),
    ("91935009", "Allergy to peanut", "food", 0.01),
    ("300916003", "Latex allergy", "environment", 0.005),
    ("418689008", "Allergy to grass pollen", "environment", 0.02),
    ("232347008", "Dander (animal) allergy", "environment", 0.01),
)


def _codeable(system: str, code: str, display: str) -> dict[str, object]:
    return {"coding": [{"system": system, "code": code, "display": display}]}


def make_procedures(
    seed: int, people: People, cond: Conditions, outcome: Outcome, end: int
) -> tuple[I64, I64, I64]:
    """Procedures as (patient position, day, procedure index), sorted by position and day."""
    last = people.last_day(end)
    pos_l: list[I64] = []
    day_l: list[I64] = []
    code_l: list[I64] = []

    def add(mask: npt.NDArray[Any], day: I64, code: int) -> None:
        p = np.nonzero(mask)[0].astype(np.int64)
        pos_l.append(p)
        day_l.append(np.asarray(day)[p])
        code_l.append(np.full(p.size, code, dtype=np.int64))

    for key, code in (
        ("atrial_fibrillation", ECG),
        ("copd", SPIROMETRY),
        ("colorectal_cancer", COLONOSCOPY),
    ):
        j = INDEX[key]
        add(cond.has[:, j] & (cond.onset[:, j] > people.baseline), cond.onset[:, j], code)
    u_pci = uniform(seed, S.PROCEDURE, people.index, PCI)
    add(outcome.event & (outcome.event_kind == 0) & (u_pci < 0.6), outcome.event_day, PCI)
    years = np.maximum(last - people.baseline, 0) / YEAR
    age = people.age_at(people.baseline)
    span = np.maximum(last - people.baseline, 1)
    for code, lo, hi, rate in ((HIP, 60.0, 120.0, 0.004), (APPENDIX, 5.0, 40.0, 0.001)):
        u = uniform(seed, S.PROCEDURE, people.index, code)
        when = (
            people.baseline
            + 1
            + np.floor(uniform(seed, S.PROCEDURE_DAY, people.index, code) * span).astype(np.int64)
        )
        add(
            (age >= lo) & (age < hi) & (u < rate * years) & (last > people.baseline),
            np.minimum(when, last),
            code,
        )
    all_pos, all_day = np.concatenate(pos_l), np.concatenate(day_l)
    all_code = np.concatenate(code_l)
    order = np.lexsort((all_code, all_day, all_pos))
    return all_pos[order], all_day[order], all_code[order]


def procedure_records(
    seed: int,
    people: People,
    enc: EncounterTable,
    procs: tuple[I64, I64, I64],
    patient_ref: list[str],
) -> list[Record]:
    from caldicott.synth.encounters import PROCEDURE

    pos, _day, code = procs
    rows = enc.row_of(PROCEDURE, pos, np.arange(pos.size, dtype=np.int64))
    ids = resource_ids(
        seed, S.RECORD_ID + 1, people.index[pos], rows - np.searchsorted(enc.pos, pos)
    )
    codes = [_codeable(SNOMED, c, d) for c, d in PROCEDURES]
    starts = iso_time(enc.day[rows], enc.minute[rows])
    return [
        {
            "resourceType": "Procedure",
            "id": i,
            "status": "completed",
            "code": codes[c],
            "subject": {"reference": patient_ref[p]},
            "encounter": {"reference": f"Encounter/{enc.ids[r]}"},
            "performedDateTime": s,
        }
        for i, p, c, r, s in zip(
            ids, pos.tolist(), code.tolist(), rows.tolist(), starts, strict=True
        )
    ]


def immunisation_records(
    seed: int, people: People, cond: Conditions, start: int, end: int, patient_ref: list[str]
) -> list[Record]:
    last = people.last_day(end)
    first_year, last_year = (EPOCH + timedelta(days=start)).year, (EPOCH + timedelta(days=end)).year
    at_risk = cond.has[
        :, [INDEX[k] for k in ("asthma", "copd", "type2_diabetes", "ckd", "heart_failure")]
    ].any(axis=1)
    pos_l, day_l, vac_l = [], [], []
    for year in range(first_year, last_year + 1):
        oct1 = day_number(date(year, 10, 1))
        day = oct1 + np.floor(uniform(seed, S.IMMUNISATION_DAY, people.index, year) * 61)
        day = day.astype(np.int64)
        age = people.age_at(day)
        eligible = (age >= 65) | (at_risk & (age >= 0.5)) | ((age >= 2) & (age < 11))
        take = uniform(seed, S.IMMUNISATION, people.index, year) < np.where(age >= 65, 0.78, 0.5)
        ok = eligible & take & (day > people.baseline) & (day <= last)
        p = np.nonzero(ok)[0]
        pos_l.append(p)
        day_l.append(day[p])
        vac_l.append(np.full(p.size, FLU))
    turns65 = people.birth + int(65 * YEAR)
    pn = (
        (turns65 > people.baseline)
        & (turns65 <= last)
        & (uniform(seed, S.IMMUNISATION, people.index, 1) < 0.7)
    )
    p = np.nonzero(pn)[0]
    pos_l.append(p)
    day_l.append(turns65[p] + 14)
    vac_l.append(np.full(p.size, PNEUMO))
    covid_day = day_number(date(2021, 3, 1)) + np.floor(
        uniform(seed, S.IMMUNISATION_DAY, people.index, 1) * 120
    ).astype(np.int64)
    cv = (
        (covid_day > people.baseline)
        & (covid_day <= last)
        & (people.age_at(covid_day) >= 18)
        & (uniform(seed, S.IMMUNISATION, people.index, 2) < 0.85)
    )
    p = np.nonzero(cv)[0]
    pos_l.append(p)
    day_l.append(covid_day[p])
    vac_l.append(np.full(p.size, COVID))
    pos = np.concatenate(pos_l).astype(np.int64)
    day = np.minimum(np.concatenate(day_l).astype(np.int64), last[pos])
    vac = np.concatenate(vac_l).astype(np.int64)
    order = np.lexsort((vac, day, pos))
    pos, day, vac = pos[order], day[order], vac[order]
    ids = resource_ids(seed, S.RECORD_ID + 2, people.index[pos], day * 4 + vac)
    codes = [_codeable(SNOMED, c, d) for c, d in VACCINES]
    return [
        {
            "resourceType": "Immunization",
            "id": i,
            "status": "completed",
            "vaccineCode": codes[v],
            "patient": {"reference": patient_ref[p]},
            "occurrenceDateTime": d,
            "primarySource": True,
        }
        for i, p, v, d in zip(ids, pos.tolist(), vac.tolist(), iso(day), strict=True)
    ]


def allergy_records(seed: int, people: People, end: int, patient_ref: list[str]) -> list[Record]:
    last = people.last_day(end)
    pos_l, code_l, day_l = [], [], []
    for k, (_c, _d, _cat, prevalence) in enumerate(ALLERGIES):
        hit = uniform(seed, S.ALLERGY, people.index, k) < prevalence
        span = np.maximum(last - people.birth, 1)
        day = people.birth + np.floor(uniform(seed, S.ALLERGY_DAY, people.index, k) * span)
        p = np.nonzero(hit)[0]
        pos_l.append(p)
        code_l.append(np.full(p.size, k))
        day_l.append(np.minimum(day[p].astype(np.int64), last[p]))
    pos = np.concatenate(pos_l).astype(np.int64)
    code = np.concatenate(code_l).astype(np.int64)
    day = np.concatenate(day_l).astype(np.int64)
    order = np.lexsort((code, pos))
    pos, code, day = pos[order], code[order], day[order]
    ids = resource_ids(seed, S.RECORD_ID + 3, people.index[pos], code)
    clinical = _codeable(
        "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active"
    )
    verified = _codeable(
        "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
        "confirmed",
        "Confirmed",
    )
    codes = [_codeable(SNOMED, c, d) for c, d, _, _ in ALLERGIES]
    return [
        {
            "resourceType": "AllergyIntolerance",
            "id": i,
            "clinicalStatus": clinical,
            "verificationStatus": verified,
            "type": "allergy",
            "category": [ALLERGIES[c][2]],
            "criticality": "high" if c == 1 else "low",
            "code": codes[c],
            "patient": {"reference": patient_ref[p]},
            "recordedDate": d,
        }
        for i, p, c, d in zip(ids, pos.tolist(), code.tolist(), iso(day), strict=True)
    ]
