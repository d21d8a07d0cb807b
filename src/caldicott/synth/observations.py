"""Observations: the baseline risk-factor panel and follow-up measurements at reviews.

LOINC codes (each with a valid check digit): blood pressure panel 85354-9 with systolic
8480-6 and diastolic 8462-4 components, BMI 39156-5, tobacco smoking status 72166-2,
total cholesterol 2093-3, HDL cholesterol 2085-9, HbA1c (IFCC, mmol/mol) 59261-8 and eGFR
33914-3. Follow-up values drift from the baseline and stay tied to the conditions active on
the day: eGFR stays below 60 once chronic kidney disease is diagnosed, HbA1c is raised once
diabetes is, and treated hypertension comes down a little.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import numpy.typing as npt

from caldicott.fhir.codes import LOINC, SNOMED
from caldicott.synth.conditions import Conditions
from caldicott.synth.dates import YEAR, iso_time
from caldicott.synth.demographics import People, resource_ids
from caldicott.synth.encounters import BASELINE, REVIEW, EncounterTable
from caldicott.synth.measures import SMOKING, Measures
from caldicott.synth.streams import S, normal

I64 = npt.NDArray[Any]
F64 = npt.NDArray[Any]
Record = dict[str, object]
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

BP, BMI, SMOKE, CHOL, HDL, HBA1C, EGFR = range(7)
#: Per kind: LOINC code, display, category, unit, UCUM code.
KINDS = (
    ("85354-9", "Blood pressure panel with all children optional", "vital-signs", "", ""),
    ("39156-5", "Body mass index (BMI) [Ratio]", "vital-signs", "kg/m2", "kg/m2"),
    ("72166-2", "Tobacco smoking status", "social-history", "", ""),
    ("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", "laboratory", "mmol/L", "mmol/L"),
    ("2085-9", "HDL Cholesterol", "laboratory", "mmol/L", "mmol/L"),
    (
        "59261-8",
        "Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol",
        "laboratory",
        "mmol/mol",
        "mmol/mol",
    ),
    (
        "33914-3",
        "Glomerular filtration rate/1.73 sq M.predicted",
        "laboratory",
        "mL/min/1.73m2",
        "mL/min/{1.73_m2}",
    ),
)
SYSTOLIC = ("8480-6", "Systolic blood pressure")
DIASTOLIC = ("8462-4", "Diastolic blood pressure")


def _coding(code: str, display: str, system: str = LOINC) -> dict[str, object]:
    return {"coding": [{"system": system, "code": code, "display": display}]}


_CODES = [_coding(c, d) for c, d, *_ in KINDS]
_CATS = {
    k: [{"coding": [{"system": CATEGORY, "code": k}]}]
    for k in ("vital-signs", "social-history", "laboratory")
}
_SYS, _DIA = _coding(*SYSTOLIC), _coding(*DIASTOLIC)
_SMOKING = [_coding(c, d, SNOMED) for c, d in SMOKING]


def _quantity(value: float, kind: int) -> dict[str, object]:
    return {"value": value, "unit": KINDS[kind][3], "system": UCUM, "code": KINDS[kind][4]}


def observation_rows(
    seed: int, people: People, cond: Conditions, m: Measures, enc: EncounterTable
) -> tuple[I64, I64, F64, F64]:
    """(encounter row, kind, value, second value) for every observation, sorted."""
    rows_l: list[I64] = []
    kind_l: list[I64] = []
    v_l: list[F64] = []
    w_l: list[F64] = []
    base = np.nonzero((enc.kind == BASELINE) & m.adult[enc.pos])[0]
    bp_ = enc.pos[base]
    values = (
        (BP, m.sbp, m.dbp),
        (BMI, m.bmi, None),
        (SMOKE, m.smoking.astype(np.float64), None),
        (CHOL, m.total_chol, None),
        (HDL, m.hdl, None),
        (HBA1C, m.hba1c, None),
        (EGFR, m.egfr, None),
    )
    for kind, v, w in values:
        rows_l.append(base)
        kind_l.append(np.full(base.size, kind))
        v_l.append(v[bp_])
        w_l.append((w if w is not None else np.zeros_like(v))[bp_])

    rev = np.nonzero(enc.kind == REVIEW)[0]
    rp, rday = enc.pos[rev], enc.day[rev]
    key = people.index[rp]
    sub = rev - np.searchsorted(enc.pos, rp)
    z1, z2, z3 = (normal(seed, S.REVIEW_NOISE, key, sub * 4 + k) for k in range(3))
    adult = (rday - people.birth[rp]) / YEAR >= 18
    htn = _active(cond, "hypertension", rp, rday)
    t2d = _active(cond, "type2_diabetes", rp, rday)
    ckd = _active(cond, "ckd", rp, rday)
    sbp = np.round(np.clip(m.sbp[rp] - 4.0 * htn + 8.0 * z1, 85, 220))
    dbp = np.round(np.clip(0.4 * sbp + 25 + 5.0 * z2, 45, sbp - 20))
    hba1c = np.round(
        np.where(t2d, np.clip(55 + 10 * z3, 42, 120), np.clip(m.hba1c[rp] + 2 * z3, 25, 47))
    )
    years = (rday - people.baseline[rp]) / YEAR
    drift = m.egfr[rp] - 0.6 * years + 5.0 * z3
    egfr = np.round(np.where(ckd, np.clip(np.minimum(drift, 52), 15, 59), np.clip(drift, 60, 140)))
    for kind, mask, v, w in (
        (BP, adult, sbp, dbp),
        (HBA1C, t2d, hba1c, None),
        (EGFR, t2d | ckd, egfr, None),
    ):
        sel = np.nonzero(mask)[0]
        rows_l.append(rev[sel])
        kind_l.append(np.full(sel.size, kind))
        v_l.append(v[sel])
        w_l.append((w if w is not None else np.zeros_like(v))[sel])
    rows = np.concatenate(rows_l).astype(np.int64)
    kinds = np.concatenate(kind_l).astype(np.int64)
    order = np.lexsort((kinds, rows))
    return rows[order], kinds[order], np.concatenate(v_l)[order], np.concatenate(w_l)[order]


def _active(cond: Conditions, key: str, pos: I64, day: I64) -> npt.NDArray[Any]:
    from caldicott.synth.conditions import INDEX

    j = INDEX[key]
    return cast(npt.NDArray[Any], cond.has[pos, j] & (cond.onset[pos, j] <= day))


def observation_records(
    seed: int,
    people: People,
    cond: Conditions,
    m: Measures,
    enc: EncounterTable,
    patient_ref: list[str],
) -> list[Record]:
    rows, kinds, v, w = observation_rows(seed, people, cond, m, enc)
    pos = enc.pos[rows]
    ids = resource_ids(
        seed, S.RECORD_ID + 4, people.index[pos], (rows - np.searchsorted(enc.pos, pos)) * 8 + kinds
    )
    when = iso_time(enc.day[rows], enc.minute[rows])
    out: list[Record] = []
    for i, r, p, k, a, b, t in zip(
        ids,
        rows.tolist(),
        pos.tolist(),
        kinds.tolist(),
        v.tolist(),
        w.tolist(),
        when,
        strict=True,
    ):
        rec: Record = {
            "resourceType": "Observation",
            "id": i,
            "status": "final",
            "category": _CATS[KINDS[k][2]],
            "code": _CODES[k],
            "subject": {"reference": patient_ref[p]},
            "encounter": {"reference": f"Encounter/{enc.ids[r]}"},
            "effectiveDateTime": t,
        }
        if k == BP:
            rec["component"] = [
                {
                    "code": _SYS,
                    "valueQuantity": {
                        "value": int(a),
                        "unit": "mmHg",
                        "system": UCUM,
                        "code": "mm[Hg]",
                    },
                },
                {
                    "code": _DIA,
                    "valueQuantity": {
                        "value": int(b),
                        "unit": "mmHg",
                        "system": UCUM,
                        "code": "mm[Hg]",
                    },
                },
            ]
        elif k == SMOKE:
            rec["valueCodeableConcept"] = _SMOKING[int(a)]
        elif k in (HBA1C, EGFR):
            rec["valueQuantity"] = _quantity(int(a), k)
        else:
            rec["valueQuantity"] = _quantity(a, k)
        out.append(rec)
    return out
