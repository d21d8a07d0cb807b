"""Patients' choices: National Data Opt-outs, Type 1 opt-outs and explicit consents.

National Data Opt-out: about 5.4% overall (NHS England's monthly publication has been
between 5% and 6% since 2022), higher in middle age and in the south and south west,
lower among children, young adults and in the north east. The age and region gradients are
indicative (see docs/synthetic-data.md); the overall rate is calibrated. Type 1 opt-outs
(objections registered at the GP practice) are about 2.6% overall and far more common
among people who also hold a National Data Opt-out.

Explicit choices are FHIR R4 Consent resources with purposes from the purpose vocabulary
(``caldicott/consent/purposes.yaml``), in the CodeSystem
``https://caldicott.dev/fhir/CodeSystem/purpose``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from caldicott.consent.purposes import vocabulary
from caldicott.fhir.codes import LOINC
from caldicott.synth import figures as fig
from caldicott.synth.conditions import _age_density
from caldicott.synth.dates import iso
from caldicott.synth.demographics import People, resource_ids
from caldicott.synth.streams import S, uniform

B = npt.NDArray[Any]
Record = dict[str, object]
PURPOSE_SYSTEM = "https://caldicott.dev/fhir/CodeSystem/purpose"
NDOO_OVERALL = 0.054
NDOO_AGE_EDGES = (18, 30, 40, 50, 60, 70, 80)
NDOO_AGE_RELATIVE = (3.0, 3.5, 5.0, 6.0, 6.8, 7.0, 6.0, 4.5)  # percent before calibration
NDOO_REGION_RELATIVE = (0.75, 0.85, 0.9, 1.0, 0.9, 1.05, 0.95, 1.15, 1.25)
TYPE1_GIVEN_NDOO = 0.30
TYPE1_OTHERWISE = 0.012
#: Explicit choices: (purpose code, permit or deny, scope code, share of adults).
EXPLICIT = (
    ("research", "permit", "research", 0.020),
    ("research", "deny", "patient-privacy", 0.005),
    ("risk-stratification", "deny", "patient-privacy", 0.010),
    ("commercial-product-development", "deny", "patient-privacy", 0.015),
    ("local-planning", "permit", "patient-privacy", 0.005),
)
CONSENT_AGE = 16.0


@lru_cache(maxsize=1)
def _ndoo_scale() -> float:
    ages, density = _age_density()
    band = np.searchsorted(np.asarray(NDOO_AGE_EDGES), ages, side="right")
    age_mean = (density * np.asarray(NDOO_AGE_RELATIVE)[band]).sum() / 100.0
    region_share = np.asarray(fig.REGION_PERCENT) / sum(fig.REGION_PERCENT)
    region_mean = float(region_share @ np.asarray(NDOO_REGION_RELATIVE))
    return float(NDOO_OVERALL / (age_mean * region_mean))


def ndoo_probability(age: npt.NDArray[Any], region: npt.NDArray[Any]) -> npt.NDArray[Any]:
    band = np.searchsorted(np.asarray(NDOO_AGE_EDGES), age, side="right")
    p = np.asarray(NDOO_AGE_RELATIVE)[band] / 100.0 * np.asarray(NDOO_REGION_RELATIVE)[region]
    return np.asarray(np.minimum(p * _ndoo_scale(), 0.5), dtype=np.float64)


@dataclass
class OptOuts:
    national: B
    type1: B


def make_opt_outs(seed: int, people: People, end: int) -> OptOuts:
    age = people.age_at(people.last_day(end))
    national = uniform(seed, S.OPT_OUT, people.index) < ndoo_probability(age, people.region)
    p1 = np.where(national, TYPE1_GIVEN_NDOO, TYPE1_OTHERWISE)
    return OptOuts(national, uniform(seed, S.TYPE1, people.index) < p1)


def consent_records(seed: int, people: People, end: int, patient_ref: list[str]) -> list[Record]:
    vocab = vocabulary()
    last = people.last_day(end)
    span = np.maximum(last - people.baseline, 1)
    pos_l, k_l, day_l = [], [], []
    research_permit = np.zeros(people.size, dtype=np.bool_)
    for k, (code, kind, _scope, share) in enumerate(EXPLICIT):
        vocab.get(code)  # an unknown purpose is a bug: fail loudly
        day = people.baseline + 1 + np.floor(uniform(seed, S.CONSENT_DAY, people.index, k) * span)
        day = np.minimum(day.astype(np.int64), last)
        hit = (
            (uniform(seed, S.CONSENT, people.index, k) < share)
            & (people.age_at(day) >= CONSENT_AGE)
            & (last > people.baseline)
        )
        if code == "research" and kind == "permit":
            research_permit = hit
        elif code == "research":
            hit &= ~research_permit
        p = np.nonzero(hit)[0]
        pos_l.append(p)
        k_l.append(np.full(p.size, k))
        day_l.append(day[p])
    pos = np.concatenate(pos_l).astype(np.int64)
    ks = np.concatenate(k_l).astype(np.int64)
    days = np.concatenate(day_l).astype(np.int64)
    order = np.lexsort((ks, days, pos))
    pos, ks, days = pos[order], ks[order], days[order]
    ids = resource_ids(seed, S.RECORD_ID + 8, people.index[pos], ks)
    category = [{"coding": [{"system": LOINC, "code": "59284-0", "display": "Consent Document"}]}]
    out: list[Record] = []
    for i, p, k, d in zip(ids, pos.tolist(), ks.tolist(), iso(days), strict=True):
        code, kind, scope, _ = EXPLICIT[k]
        out.append(
            {
                "resourceType": "Consent",
                "id": i,
                "status": "active",
                "scope": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                            "code": scope,
                        }
                    ]
                },
                "category": category,
                "patient": {"reference": patient_ref[p]},
                "dateTime": d,
                "policyRule": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                            "code": "OPTIN" if kind == "permit" else "OPTOUT",
                        }
                    ]
                },
                "provision": {
                    "type": kind,
                    "period": {"start": d},
                    "purpose": [
                        {
                            "system": PURPOSE_SYSTEM,
                            "code": code,
                            "display": vocab.get(code).title,
                        }
                    ],
                },
            }
        )
    return out
