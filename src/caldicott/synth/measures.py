"""Risk factors at the baseline date: blood pressure, BMI, smoking, lipids, HbA1c, eGFR.

Values are tied to conditions (hypertension raises blood pressure, diabetes HbA1c and BMI,
chronic kidney disease lowers eGFR below 60) and to age, sex, ethnicity and deprivation,
with noise; they are clipped to plausible ranges. Measured for adults (18 or over at
baseline). The outcome model uses these same values, so they are its ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from caldicott.synth.conditions import GROUP_OF_CODE, Conditions
from caldicott.synth.demographics import People
from caldicott.synth.figures import GROUPS
from caldicott.synth.streams import S, normal, uniform

F64 = npt.NDArray[Any]
I64 = npt.NDArray[Any]
B = npt.NDArray[Any]

SMOKING = (  # SNOMED CT finding codes, in the order of Measures.smoking's values
    ("266919005", "Never smoked tobacco"),
    ("8517006", "Ex-smoker"),
    ("77176002", "Smoker"),
)
NEVER, EX, CURRENT = 0, 1, 2


@dataclass
class Measures:
    adult: B
    age: F64  # at baseline, years
    sbp: F64
    dbp: F64
    bmi: F64
    smoking: I64
    total_chol: F64
    hdl: F64
    hba1c: F64  # mmol/mol (IFCC)
    egfr: F64
    diabetes: B  # type 2 diabetes diagnosed on or before baseline
    hypertension: B  # hypertension at any time (raised pressure precedes diagnosis)
    ckd: B

    @property
    def chol_ratio(self) -> F64:
        return np.round(self.total_chol / self.hdl, 1)


def _noise(seed: int, index: I64, k: int) -> F64:
    return normal(seed, S.OBS_NOISE, index, k)


def make_measures(seed: int, people: People, cond: Conditions) -> Measures:
    idx = people.index
    age = people.age_at(people.baseline)
    adult = age >= 18.0
    male = (~people.female).astype(np.float64)
    group = GROUP_OF_CODE[people.ethnic]
    black = (group == GROUPS.index("black")).astype(np.float64)
    east_south_asian = np.isin(group, [GROUPS.index("south_asian"), GROUPS.index("chinese")])
    deprived = 3.0 - people.quintile  # +2 most deprived ... -2 least deprived
    htn = cond.has[:, 0]
    t2d = cond.active_by("type2_diabetes", people.baseline)
    ckd = cond.active_by("ckd", people.baseline)
    copd = cond.has[:, 3]

    older = np.maximum(age - 30.0, 0.0)
    sbp = 112 + 0.45 * older + 4 * male + 12 * htn + 3 * t2d + 3 * black + 11 * _noise(seed, idx, 0)
    sbp = np.round(np.clip(sbp, 85, 220))
    dbp = np.round(np.clip(0.4 * sbp + 25 + 6 * _noise(seed, idx, 1), 45, sbp - 20))
    bmi = 26.5 + 2.5 * t2d + 1.2 * htn + 0.35 * deprived - 0.8 * east_south_asian
    bmi = np.round(np.clip(bmi + 4.2 * _noise(seed, idx, 2), 15, 55), 1)

    age_factor = np.where(age < 25, 1.0, np.where(age < 60, 1.1, 0.7))
    p_current = 0.12 * 1.25**deprived * age_factor * np.where(people.female, 0.85, 1.0)
    p_current = np.minimum(np.where(copd, 0.45, p_current), 0.9)
    p_ex = np.where(copd, 0.5, np.where(age >= 50, 0.33, 0.15))
    u = uniform(seed, S.SMOKING, idx)
    smoking = np.where(u < p_current, CURRENT, np.where(u < p_current + p_ex, EX, NEVER))

    total = np.round(np.clip(5.0 + 0.01 * (age - 45) + 0.9 * _noise(seed, idx, 3), 2.5, 10), 1)
    hdl_mean = 1.55 - 0.3 * male - 0.15 * t2d + 0.05 * (people.quintile - 3.0)
    hdl = np.round(np.clip(hdl_mean + 0.3 * _noise(seed, idx, 4), 0.6, 3.0), 1)
    hba1c = np.where(
        t2d,
        np.clip(58 + 12 * _noise(seed, idx, 5), 42, 130),
        np.clip(36 + 0.05 * (age - 40) + 3.5 * _noise(seed, idx, 5), 25, 47),
    )
    egfr = np.where(
        ckd,
        np.clip(44 + 9 * _noise(seed, idx, 6), 15, 59),
        np.clip(110 - 0.8 * np.maximum(age - 20, 0) + 12 * _noise(seed, idx, 6), 60, 140),
    )
    return Measures(
        adult=adult,
        age=age,
        sbp=sbp,
        dbp=dbp,
        bmi=bmi,
        smoking=smoking.astype(np.int64),
        total_chol=total,
        hdl=hdl,
        hba1c=np.round(hba1c),
        egfr=np.round(egfr),
        diabetes=t2d,
        hypertension=htn,
        ckd=ckd,
    )
