"""The cardiovascular outcome and its ground truth: a documented Cox-style risk function.

For patients aged 25 to 84 at baseline with no stroke or heart failure before it, the
hazard of a first cardiovascular event (myocardial infarction or stroke) is constant in
time and proportional to ``exp(lp)``, where ``lp`` is the linear predictor below. The risk
of an event within ``t`` years is ``1 - S10 ** (exp(lp) * t / 10)``: ``S10`` is the
10-year event-free probability of the reference patient (``lp = 0``). The event is drawn
from exactly that distribution, so ``risk`` is the true probability of ``event``; a death
drawn before the event is moved to after it, so deaths never censor the ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from caldicott.synth.conditions import GROUP_OF_CODE, Conditions
from caldicott.synth.dates import YEAR
from caldicott.synth.demographics import People
from caldicott.synth.figures import GROUPS
from caldicott.synth.measures import CURRENT, Measures
from caldicott.synth.streams import S, uniform

F64 = npt.NDArray[Any]
I64 = npt.NDArray[Any]
B = npt.NDArray[Any]

#: Coefficients of the linear predictor (log hazard ratios) and the baseline survival.
COEFFICIENTS: dict[str, float] = {
    "age_per_decade_from_50": 0.70,
    "male": 0.40,
    "sbp_per_20_mmhg_from_130": 0.35,
    "chol_ratio_per_unit_from_4": 0.15,
    "current_smoker": 0.55,
    "type2_diabetes": 0.65,
    "south_asian": 0.30,
    "black": -0.20,
    "chinese": -0.30,
    "mixed": 0.05,
    "other": 0.10,
    "deprivation_per_quintile_from_3": 0.08,  # times (3 - quintile): 1 is most deprived
}
BASELINE_SURVIVAL_10Y = 0.96
ELIGIBLE_AGES = (25.0, 85.0)
EVENTS = (("22298006", "Myocardial infarction"), ("230690007", "Cerebrovascular accident"))
P_MI = 0.6


def linear_predictor(
    age: F64,
    male: B,
    sbp: F64,
    chol_ratio: F64,
    smoker: B,
    diabetes: B,
    group: I64,
    quintile: I64,
) -> F64:
    """The documented linear predictor (see COEFFICIENTS); all arguments are arrays."""
    c = COEFFICIENTS
    lp = (
        c["age_per_decade_from_50"] * (age - 50.0) / 10.0
        + c["male"] * male
        + c["sbp_per_20_mmhg_from_130"] * (sbp - 130.0) / 20.0
        + c["chol_ratio_per_unit_from_4"] * (chol_ratio - 4.0)
        + c["current_smoker"] * smoker
        + c["type2_diabetes"] * diabetes
        + c["deprivation_per_quintile_from_3"] * (3.0 - quintile)
    )
    for name in ("south_asian", "black", "chinese", "mixed", "other"):
        lp = lp + c[name] * (group == GROUPS.index(name))
    return np.asarray(lp, dtype=np.float64)


def risk(lp: F64, years: F64) -> F64:
    """Probability of an event within ``years`` for linear predictor ``lp``."""
    return 1.0 - np.power(BASELINE_SURVIVAL_10Y, np.exp(lp) * years / 10.0)


@dataclass
class Outcome:
    eligible: B
    lp: F64
    horizon: F64  # years from baseline to the end of the window
    risk: F64
    event: B
    event_day: I64  # -1 without an event
    event_kind: I64  # index into EVENTS


def make_outcome(seed: int, people: People, cond: Conditions, m: Measures, end: int) -> Outcome:
    """Draw events and make deaths consistent with them (mutates ``people.death``)."""
    prior = cond.active_by("stroke", people.baseline) | cond.active_by(
        "heart_failure", people.baseline
    )
    eligible = (m.age >= ELIGIBLE_AGES[0]) & (m.age < ELIGIBLE_AGES[1]) & ~prior
    lp = linear_predictor(
        m.age,
        ~people.female,
        m.sbp,
        m.chol_ratio,
        m.smoking == CURRENT,
        m.diabetes,
        GROUP_OF_CODE[people.ethnic],
        people.quintile,
    )
    horizon = (end - people.baseline) / YEAR
    r = np.where(eligible, risk(lp, horizon), 0.0)
    # Inverse transform: T = -10 * ln(U) / (exp(lp) * -ln S10) years.
    u = uniform(seed, S.OUTCOME, people.index)
    rate = np.exp(lp) * -np.log(BASELINE_SURVIVAL_10Y) / 10.0
    t_years = -np.log1p(-u) / rate
    event = eligible & (t_years <= horizon)
    event_day = np.where(
        event, people.baseline + np.maximum(np.floor(t_years * YEAR), 1).astype(np.int64), -1
    )
    event_day = np.where(event, np.minimum(event_day, end), -1)
    kind = (uniform(seed, S.OUTCOME_KIND, people.index) >= P_MI).astype(np.int64)
    died_first = event & (people.death >= 0) & (people.death <= event_day)
    if died_first.any():
        span = np.maximum(end - event_day, 0)
        later = event_day + np.floor(uniform(seed, S.OUTCOME_DEATH, people.index) * (span + 1))
        people.death = np.where(died_first, later.astype(np.int64), people.death)
    return Outcome(eligible, lp, horizon, r, event, event_day, kind)
