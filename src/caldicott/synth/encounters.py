"""Encounters: the contacts every other record hangs on.

Kinds: a baseline check-up for everyone at the start of their record; a diagnosis visit for
each condition that begins inside the window; reviews for people with long-term conditions
(about yearly); other GP visits; a procedure visit per procedure; an emergency attendance
for each cardiovascular event. Every encounter lies between birth and death (or the end).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from caldicott.fhir.codes import SNOMED
from caldicott.synth.conditions import CONDITIONS, Conditions
from caldicott.synth.dates import YEAR, iso_time
from caldicott.synth.demographics import People, resource_ids
from caldicott.synth.outcome import Outcome
from caldicott.synth.streams import S, group_offsets, poisson, uniform

I64 = npt.NDArray[Any]

BASELINE, DIAGNOSIS, REVIEW, ACUTE, PROCEDURE, EVENT = range(6)
#: Per kind: (v3 ActCode class, class display, SNOMED type code, type display, minutes).
KINDS = (
    ("AMB", "ambulatory", "185349003", "Encounter for check up", 20),
    ("AMB", "ambulatory", "185347001", "Encounter for problem", 15),
    ("AMB", "ambulatory", "390906007", "Follow-up encounter", 15),
    ("AMB", "ambulatory", "185347001", "Encounter for problem", 10),
    ("AMB", "ambulatory", "185347001", "Encounter for problem", 90),
    ("EMER", "emergency", "50849002", "Emergency room admission", 300),
)
LONG_TERM = (
    "hypertension",
    "type2_diabetes",
    "asthma",
    "copd",
    "ckd",
    "atrial_fibrillation",
    "heart_failure",
)
REVIEW_RATE = 1.0  # per year with a long-term condition
OTHER_RATE = 0.25  # reviews per year otherwise
ACUTE_RATE = 0.5  # other GP visits per year
_SUB = 1 << 20


@dataclass
class EncounterTable:
    """Encounters of one chunk, sorted by patient then time."""

    pos: I64
    day: I64
    minute: I64
    kind: I64
    ref: I64  # condition index (DIAGNOSIS), procedure row (PROCEDURE), else -1
    ids: list[str]

    @property
    def size(self) -> int:
        return int(self.pos.size)

    def row_of(self, kind: int, pos: I64, ref: I64 | None = None) -> I64:
        """Row of the encounter of ``kind`` for each patient position (and ref)."""
        mask = self.kind == kind
        rows = np.nonzero(mask)[0]
        keys = self.pos[rows] * 4096 + (self.ref[rows] if ref is not None else 0)
        order = np.argsort(keys, kind="stable")
        want = pos * 4096 + (ref if ref is not None else 0)
        at = np.searchsorted(keys[order], want)
        return rows[order[at]]

    def starts(self) -> list[str]:
        return iso_time(self.day, self.minute)


def _counts(seed: int, stream: int, people: People, rate: npt.NDArray[Any], end: int) -> I64:
    years = np.maximum(people.last_day(end) - people.baseline, 0) / YEAR
    return poisson(uniform(seed, stream, people.index), rate * years, cap=40)


def _spread(seed: int, stream: int, people: People, counts: I64, end: int) -> tuple[I64, I64, I64]:
    pos, rank = group_offsets(counts)
    lo = people.baseline[pos] + 1
    span = people.last_day(end)[pos] - people.baseline[pos]
    day = lo + np.floor(uniform(seed, stream, people.index[pos], rank) * span).astype(np.int64)
    return pos, rank, np.minimum(day, people.last_day(end)[pos])


def make_encounters(
    seed: int,
    people: People,
    cond: Conditions,
    outcome: Outcome,
    procedures: tuple[I64, I64],
    end: int,
) -> EncounterTable:
    """Build and sort every encounter; ``procedures`` are (patient position, day) pairs."""
    n = people.size
    last = people.last_day(end)
    parts: list[tuple[I64, I64, int, I64, I64]] = []  # pos, day, kind, ref, sub
    pos = np.arange(n, dtype=np.int64)
    parts.append((pos, people.baseline, BASELINE, np.full(n, -1), np.zeros(n, dtype=np.int64)))

    dpos, dj = np.nonzero(cond.has & (cond.onset > people.baseline[:, None]))
    dday = np.minimum(cond.onset[dpos, dj], last[dpos])
    parts.append((dpos.astype(np.int64), dday, DIAGNOSIS, dj.astype(np.int64), dj.astype(np.int64)))

    idx = [i for i, c in enumerate(CONDITIONS) if c.key in LONG_TERM]
    chronic = cond.has[:, idx].any(axis=1)
    rate = np.where(chronic, REVIEW_RATE, OTHER_RATE)
    rpos, rrank, rday = _spread(
        seed, S.REVIEW_DAY, people, _counts(seed, S.REVIEW_COUNT, people, rate, end), end
    )
    parts.append((rpos, rday, REVIEW, np.full(rpos.size, -1), rrank))

    acute = _counts(seed, S.ACUTE_COUNT, people, np.full(n, ACUTE_RATE), end)
    apos, arank, aday = _spread(seed, S.ACUTE_DAY, people, acute, end)
    parts.append((apos, aday, ACUTE, np.full(apos.size, -1), arank))

    ppos, pday = procedures
    prow = np.arange(ppos.size, dtype=np.int64)
    _, prank = group_offsets(np.bincount(ppos, minlength=n).astype(np.int64))
    parts.append((ppos, pday, PROCEDURE, prow, prank))

    epos = np.nonzero(outcome.event)[0].astype(np.int64)
    parts.append(
        (epos, outcome.event_day[epos], EVENT, np.full(epos.size, -1), np.zeros_like(epos))
    )

    all_pos = np.concatenate([p[0] for p in parts])
    all_day = np.concatenate([p[1] for p in parts])
    all_kind = np.concatenate([np.full(p[0].size, p[2], dtype=np.int64) for p in parts])
    all_ref = np.concatenate([p[3] for p in parts]).astype(np.int64)
    all_sub = np.concatenate([p[4] for p in parts]).astype(np.int64)
    order = np.lexsort((all_sub, all_kind, all_day, all_pos))
    e_pos, e_day, e_kind = all_pos[order], all_day[order], all_kind[order]
    e_ref, e_sub = all_ref[order], all_sub[order]
    key = people.index[e_pos]
    minute = 480 + np.floor(uniform(seed, S.ENCOUNTER_TIME, key, e_kind * _SUB + e_sub) * 600)
    minute = np.where(e_kind == EVENT, minute - 300, minute).astype(np.int64)
    ids = resource_ids(seed, S.ENCOUNTER_ID, key, e_kind * _SUB + e_sub)
    return EncounterTable(e_pos, e_day, minute, e_kind, e_ref, ids)


def encounter_records(
    people: People, enc: EncounterTable, patient_ref: list[str]
) -> list[dict[str, object]]:
    classes = [
        {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": c, "display": d}
        for c, d, *_ in KINDS
    ]
    types = [
        [{"coding": [{"system": SNOMED, "code": t, "display": td}]}] for _, _, t, td, _ in KINDS
    ]
    starts = enc.starts()
    ends = iso_time(enc.day, enc.minute + np.asarray([k[4] for k in KINDS])[enc.kind])
    providers = [
        {"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": p}}
        for p in people.practice
    ]
    out: list[dict[str, object]] = []
    for i, p, k, s, e in zip(
        enc.ids, enc.pos.tolist(), enc.kind.tolist(), starts, ends, strict=True
    ):
        rec: dict[str, object] = {
            "resourceType": "Encounter",
            "id": i,
            "status": "finished",
            "class": classes[k],
            "type": types[k],
            "subject": {"reference": patient_ref[p]},
            "period": {"start": s, "end": e},
        }
        if k != EVENT:
            rec["serviceProvider"] = providers[p]
        out.append(rec)
    return out
