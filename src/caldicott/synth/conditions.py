"""Long-term conditions: who has which, and since when.

Each condition has an age profile (relative prevalence in five age bands), relative risks
by sex, broad ethnic group and deprivation, and a published overall prevalence it is
calibrated to (QOF 2022-23 registers, or cancer survivor counts; see
docs/synthetic-data.md). ``p = scale * band_weight * rr_sex * rr_ethnicity * rr_deprivation``
where the relative risks are normalised to average 1 over England's population, so the
overall prevalence matches the target while the gradients follow the published direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from caldicott.synth import figures as fig
from caldicott.synth.dates import YEAR
from caldicott.synth.demographics import _NATIONAL_IMD, People
from caldicott.synth.streams import S, uniform

I64 = npt.NDArray[Any]
B = npt.NDArray[Any]
BAND_EDGES = (18.0, 40.0, 60.0, 80.0)  # bands: 0-17, 18-39, 40-59, 60-79, 80+


@dataclass(frozen=True)
class ConditionSpec:
    key: str
    snomed: str
    display: str
    target: float  # prevalence among the denominator population
    min_age: float  # denominator age and the youngest age of onset
    weights: tuple[float, float, float, float, float]  # relative prevalence by age band
    rr_male: float = 1.0
    rr_group: tuple[float, ...] = (1, 1, 1, 1, 1, 1)  # white, mixed, south_asian, black, ...
    rr_deprivation: float = 1.0  # per quintile step towards the most deprived
    sex: str | None = None  # "female" or "male" for sex-specific conditions
    history_only: bool = False  # onset before the baseline date only
    denominator_age: float = 0.0  # the register's denominator: patients this old or older
    source: str = ""


CONDITIONS: tuple[ConditionSpec, ...] = (
    ConditionSpec(
        "hypertension",
        "38341003",
        "Hypertensive disorder, systemic arterial",
        0.144,
        0.0,
        (0, 2.5, 15, 40, 58),
        1.1,
        (1, 1.1, 1.05, 1.3, 0.9, 1),
        1.04,
        source="QOF 2022-23 hypertension register, 14.4% of all ages",
    ),
    ConditionSpec(
        "type2_diabetes",
        "44054006",
        "Type 2 diabetes mellitus",
        0.070,
        17.0,
        (0, 1.2, 7, 16, 18),
        1.3,
        (1, 1.3, 2.5, 2.0, 1.2, 1.5),
        1.12,
        denominator_age=17.0,
        source="QOF 2022-23 diabetes register 7.5% of 17+, ~93% type 2",
    ),
    ConditionSpec(
        "asthma",
        "195967001",
        "Asthma",
        0.065,
        6.0,
        (5, 7, 7, 7, 6),
        0.8,
        (1, 1.1, 0.9, 0.8, 0.6, 0.9),
        1.05,
        denominator_age=6.0,
        source="QOF 2022-23 asthma register, 6.5% of 6+",
    ),
    ConditionSpec(
        "copd",
        "13645005",
        "Chronic obstructive lung disease",
        0.019,
        35.0,
        (0, 0.1, 1.5, 5, 7),
        1.1,
        (1, 0.6, 0.5, 0.5, 0.5, 0.5),
        1.3,
        source="QOF 2022-23 COPD register, 1.9% of all ages",
    ),
    ConditionSpec(
        "ckd",
        "709044004",
        "Chronic kidney disease",
        0.041,
        18.0,
        (0, 0.3, 1.5, 8, 25),
        0.8,
        (1, 1.1, 1.3, 1.3, 1, 1),
        1.08,
        denominator_age=18.0,
        source="QOF 2022-23 CKD (stages 3-5) register, 4.1% of 18+",
    ),
    ConditionSpec(
        "atrial_fibrillation",
        "49436004",
        "Atrial fibrillation",
        0.021,
        30.0,
        (0, 0.1, 0.8, 5, 13),
        1.4,
        (1, 0.6, 0.6, 0.6, 0.6, 0.6),
        1.0,
        source="QOF 2022-23 AF register, 2.1% of all ages",
    ),
    ConditionSpec(
        "depression",
        "35489007",
        "Depressive disorder",
        0.132,
        18.0,
        (0, 14, 16, 14, 12),
        0.55,
        (1, 0.9, 0.7, 0.6, 0.5, 0.7),
        1.12,
        denominator_age=18.0,
        source="QOF 2022-23 depression register, 13.2% of 18+",
    ),
    ConditionSpec(
        "heart_failure",
        "84114007",
        "Heart failure",
        0.011,
        40.0,
        (0, 0.05, 0.4, 2.5, 8),
        1.4,
        (1, 1, 1, 1, 1, 1),
        1.12,
        history_only=True,
        source="QOF 2022-23 heart failure register, 1.1%",
    ),
    ConditionSpec(
        "stroke",
        "230690007",
        "Cerebrovascular accident",
        0.019,
        30.0,
        (0, 0.2, 1.0, 4.5, 10),
        1.1,
        (1, 1, 1.2, 1.3, 1, 1),
        1.10,
        history_only=True,
        source="QOF 2022-23 stroke and TIA register, 1.9%",
    ),
    ConditionSpec(
        "breast_cancer",
        "254837009",
        "Malignant neoplasm of breast",
        0.017,
        25.0,
        (0, 0.2, 2, 4.5, 5),
        1.0,
        (1, 0.8, 0.8, 0.8, 0.8, 0.8),
        0.97,
        sex="female",
        source="Macmillan/CRUK: ~1.7% of women living after",
    ),
    ConditionSpec(
        "prostate_cancer",
        "399068003",
        "Malignant tumor of prostate",
        0.014,
        45.0,
        (0, 0, 0.3, 4, 8),
        1.0,
        (1, 1.3, 0.7, 2.0, 0.5, 0.8),
        0.95,
        sex="male",
        source="Macmillan/CRUK: ~1.4% of men living after",
    ),
    ConditionSpec(
        "colorectal_cancer",
        "363406005",
        "Malignant tumor of colon",
        0.0045,
        30.0,
        (0, 0.02, 0.3, 1.2, 2),
        1.2,
        (1, 0.8, 0.7, 0.8, 0.8, 0.8),
        1.02,
        source="Macmillan/CRUK: ~0.45% of all ages living after",
    ),
    ConditionSpec(
        "lung_cancer",
        "93880001",
        "Primary malignant neoplasm of lung",
        0.001,
        35.0,
        (0, 0.01, 0.05, 0.3, 0.4),
        1.1,
        (1, 0.7, 0.5, 0.6, 0.7, 0.7),
        1.3,
        source="Macmillan/CRUK: ~0.1% of all ages living after",
    ),
)
INDEX = {c.key: i for i, c in enumerate(CONDITIONS)}


def band_of(age: npt.NDArray[Any]) -> I64:
    return np.searchsorted(np.asarray(BAND_EDGES), age, side="right").astype(np.int64)


def _age_density() -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    ages = np.arange(0.05, 100.0, 0.1)
    band5 = np.minimum((ages // 5).astype(np.int64), len(fig.AGE_BANDS) - 1)
    width = np.where(band5 == len(fig.AGE_BANDS) - 1, 10.0, 5.0)
    density = np.asarray(fig.AGE_BAND_THOUSANDS, dtype=np.float64)[band5] / width
    return ages, density / density.sum()


def _group_of_code() -> I64:
    return np.array([fig.GROUPS.index(g) for g in fig.ETHNIC_GROUP], dtype=np.int64)


GROUP_OF_CODE = _group_of_code()


@lru_cache(maxsize=1)
def calibration() -> tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any]]:
    """Per condition: scale, normalised ethnic-group RRs and normalised deprivation RRs."""
    ages, density = _age_density()
    bands = band_of(ages)
    code_share = np.asarray(fig.ETHNIC_PERCENT) / sum(fig.ETHNIC_PERCENT)
    group_share = np.bincount(GROUP_OF_CODE, weights=code_share, minlength=len(fig.GROUPS))
    quint_share = np.asarray(_NATIONAL_IMD)
    scales, groups, deps = [], [], []
    for c in CONDITIONS:
        rr_g = np.asarray(c.rr_group, dtype=np.float64)
        rr_g = rr_g / (rr_g @ group_share)
        rr_d = c.rr_deprivation ** (3.0 - np.arange(1, 6))
        rr_d = rr_d / (rr_d @ quint_share)
        w = np.asarray(c.weights, dtype=np.float64)[bands] * (ages >= c.min_age)
        denominator = ages >= c.denominator_age
        expected = (density * w).sum() / (density * denominator).sum()
        scales.append(c.target / expected)
        groups.append(rr_g)
        deps.append(rr_d)
    return np.asarray(scales), np.asarray(groups), np.asarray(deps)


@dataclass
class Conditions:
    has: B  # (patients, conditions)
    onset: I64  # day of onset, -1 when absent

    def active_by(self, key: str, day: I64) -> B:
        j = INDEX[key]
        return self.has[:, j] & (self.onset[:, j] <= day)


def sex_multiplier(c: ConditionSpec, female: B) -> npt.NDArray[Any]:
    if c.sex == "female":
        return np.where(female, 1.0, 0.0)
    if c.sex == "male":
        return np.where(female, 0.0, 1.0)
    return np.where(female, 2.0 / (1.0 + c.rr_male), 2.0 * c.rr_male / (1.0 + c.rr_male))


def make_conditions(seed: int, people: People, end: int) -> Conditions:
    """Draw each patient's conditions and onset days (never before the minimum age,
    never after death or the end of the window)."""
    scales, rr_groups, rr_deps = calibration()
    last = people.last_day(end)
    age_end = people.age_at(last)
    bands = band_of(age_end)
    group = GROUP_OF_CODE[people.ethnic]
    n, k = people.size, len(CONDITIONS)
    has = np.zeros((n, k), dtype=np.bool_)
    onset = np.full((n, k), -1, dtype=np.int64)
    for j, c in enumerate(CONDITIONS):
        p = (
            scales[j]
            * np.asarray(c.weights)[bands]
            * sex_multiplier(c, people.female)
            * rr_groups[j][group]
            * rr_deps[j][people.quintile - 1]
        )
        earliest = people.birth + np.ceil(c.min_age * YEAR).astype(np.int64)
        latest = np.minimum(people.baseline, last) if c.history_only else last
        p = np.where(latest > earliest, np.minimum(p, 0.95), 0.0)
        hit = uniform(seed, S.CONDITION, people.index, j) < p
        span = np.maximum(latest - earliest, 1)
        day = earliest + np.floor(uniform(seed, S.ONSET, people.index, j) * span).astype(np.int64)
        has[:, j] = hit
        onset[:, j] = np.where(hit, day, -1)
    return Conditions(has=has, onset=onset)
