"""Clinical notes (DocumentReference) whose free text reads like real notes.

They deliberately carry identifiers, as real letters do: the patient's name, NHS number,
date of birth, address and telephone number, a relative's name and number, and dates in
several formats. They exist to test free-text de-identification. Every value is synthetic;
telephone numbers come only from Ofcom's ranges reserved for drama.
"""

from __future__ import annotations

import base64
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from caldicott.fhir.codes import LOINC
from caldicott.synth import figures as fig
from caldicott.synth.conditions import CONDITIONS, Conditions
from caldicott.synth.dates import EPOCH
from caldicott.synth.demographics import AREA_TOWN, People, resource_ids
from caldicott.synth.encounters import BASELINE, EVENT, EncounterTable
from caldicott.synth.patients import given_name
from caldicott.synth.streams import S, hash64, uniform

I64 = npt.NDArray[Any]
Record = dict[str, object]
NOTE_RATE = 0.35  # share of patients with a note at their check-up
TYPES = (("11506-3", "Progress note"), ("18842-5", "Discharge summary"))


def _d(day: int) -> date:
    return EPOCH + timedelta(days=day)


def _spaced(nhs: str) -> str:
    return f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"


def _text(people: People, cond: Conditions, p: int, day: int, kind: int, h: int) -> str:
    title = "Ms" if people.female[p] else "Mr"
    name = f"{given_name(people, p)} {fig.FAMILY[int(people.family[p])]}"
    surname = fig.FAMILY[int(people.family[p])].upper()
    dob = _d(int(people.birth[p]))
    when = _d(day)
    address = (
        f"{int(people.house[p])} {fig.STREETS[int(people.street[p])]}, "
        f"{AREA_TOWN[int(people.area[p])]} {people.postcodes_one(p)}"
    )
    mobile = f"{fig.MOBILE_PREFIX}{int(people.phone[p]):03d}"
    landline = f"{fig.LANDLINE_PREFIXES[int(people.region[p])]}{h % 1000:03d}"
    relative = fig.GIVEN_FEMALE[(h >> 10) % len(fig.GIVEN_FEMALE)]
    doctor = fig.FAMILY[(h >> 20) % len(fig.FAMILY)]
    problems = [
        c.display.lower()
        for j, c in enumerate(CONDITIONS)
        if cond.has[p, j] and cond.onset[p, j] <= day
    ]
    history = ", ".join(problems) if problems else "nil significant"
    nhs = people.nhs[p]
    if kind == EVENT:
        return (
            f"DISCHARGE SUMMARY\nPatient: {title} {name} ({surname})\nNHS No: {_spaced(nhs)}\n"
            f"DOB: {dob:%d/%m/%Y}\nAddress: {address}\n"
            f"Admitted {when:%d %B %Y} via the emergency department with central chest pain "
            f"or new neurological symptoms. Past history: {history}.\n"
            f"Next of kin: {relative} (daughter), tel {landline}.\n"
            f"Follow-up in clinic on {_d(day + 42):%d/%m/%y}. Signed Dr {doctor}."
        )
    template = h % 3
    if template == 0:
        return (
            f"Seen today {when:%d/%m/%Y}. {title} {name}, DOB {dob:%d.%m.%Y}, "
            f"NHS number {nhs}. Lives at {address}. Background: {history}. "
            f"Discussed lifestyle and medication. Contact on {mobile} with results. "
            f"Review in 12 months. Dr {doctor}"
        )
    if template == 1:
        return (
            f"{when:%Y-%m-%d} annual review - {name.upper()} (NHS {_spaced(nhs)}).\n"
            f"Born {dob:%d %b %Y}. Problems: {history}.\nPt happy with plan. "
            f"Wife/partner {relative} present. Home tel {landline}, mobile {mobile}.\n"
            f"Address confirmed as {address}."
        )
    return (
        f"Telephone consultation {when:%d %B %Y}. Spoke to {title} {surname} on {mobile} "
        f"(identity checked: DOB {dob:%d/%m/%Y}, postcode {people.postcodes_one(p)}). "
        f"Hx: {history}. Advised to book a check-up. {relative} to collect prescription "
        f"from the surgery. NHS no. {nhs}."
    )


def note_records(
    seed: int, people: People, cond: Conditions, enc: EncounterTable, patient_ref: list[str]
) -> list[Record]:
    base = enc.kind == BASELINE
    chosen = (base & (uniform(seed, S.NOTE, people.index[enc.pos]) < NOTE_RATE)) | (
        enc.kind == EVENT
    )
    rows = np.nonzero(chosen)[0].astype(np.int64)
    pos = enc.pos[rows]
    sub = rows - np.searchsorted(enc.pos, pos)
    ids = resource_ids(seed, S.RECORD_ID + 7, people.index[pos], sub)
    hashes = hash64(seed, S.NOTE_TEMPLATE, people.index[pos], sub).tolist()
    types = [{"coding": [{"system": LOINC, "code": c, "display": d}]} for c, d in TYPES]
    out: list[Record] = []
    for i, r, p, h in zip(ids, rows.tolist(), pos.tolist(), hashes, strict=True):
        kind = int(enc.kind[r])
        day = int(enc.day[r])
        text = _text(people, cond, p, day, kind, h)
        stamp = (
            f"{_d(day):%Y-%m-%d}T{int(enc.minute[r]) // 60:02d}:{int(enc.minute[r]) % 60:02d}:00Z"
        )
        out.append(
            {
                "resourceType": "DocumentReference",
                "id": i,
                "status": "current",
                "type": types[1 if kind == EVENT else 0],
                "subject": {"reference": patient_ref[p]},
                "date": stamp,
                "content": [
                    {
                        "attachment": {
                            "contentType": "text/plain",
                            "language": "en-GB",
                            "data": base64.b64encode(text.encode("utf-8")).decode("ascii"),
                            "title": "Discharge summary" if kind == EVENT else "Consultation note",
                        }
                    }
                ],
                "context": {"encounter": [{"reference": f"Encounter/{enc.ids[r]}"}]},
            }
        )
    return out
