"""Every reference resolves, nothing happens before birth or after death, values fit."""

from __future__ import annotations

import base64
import re
from collections import defaultdict
from typing import Any

import numpy as np
from tests.unit.synth.conftest import Export

from caldicott.fhir.codes import DMD, LOINC, SNOMED, loinc_valid, snomed_valid
from caldicott.synth.writer import RESOURCE_TYPES

DATE_FIELDS = ("onsetDateTime", "recordedDate", "effectiveDateTime", "authoredOn",
               "occurrenceDateTime", "performedDateTime", "date", "dateTime")  # fmt: skip


def _patient_of(rec: dict[str, Any]) -> str:
    return str((rec.get("subject") or rec.get("patient"))["reference"].split("/")[1])


REFERENCE = re.compile(rb'"reference":"([^"]*)"')
CODING = re.compile(rb'"system":"([^"]*)","code":"([^"]*)"')


def test_every_reference_resolves(export: Export) -> None:
    known = {f"{t}/{r['id']}".encode() for t in ("Patient", "Encounter") for r in export.records(t)}
    count = 0
    for t in RESOURCE_TYPES:
        refs = REFERENCE.findall(export.raw(t))
        count += len(refs)
        assert set(refs) <= known, t
    assert count > 100_000


def test_ids_unique_and_codes_check(export: Export) -> None:
    for t in RESOURCE_TYPES:
        ids = [r["id"] for r in export.records(t)]
        assert len(ids) == len(set(ids)), t
        assert all(re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", i) for i in ids)
    codes: set[tuple[str, str]] = set()
    for t in RESOURCE_TYPES:
        codes.update((s.decode(), c.decode()) for s, c in CODING.findall(export.raw(t)))
    assert len(codes) > 40
    for system, code in codes:
        if system in (SNOMED, DMD):
            assert snomed_valid(code), code
        elif system == LOINC:
            assert loinc_valid(code), code


def test_nothing_before_birth_or_after_death(export: Export) -> None:
    life = {
        p["id"]: (p["birthDate"], p.get("deceasedDateTime", "9999-12-31"))
        for p in export.records("Patient")
    }
    checked = 0
    for t in RESOURCE_TYPES[1:]:
        for rec in export.records(t):
            born, died = life[_patient_of(rec)]
            stamps = [rec[f][:10] for f in DATE_FIELDS if f in rec]
            if "period" in rec:
                stamps.append(rec["period"]["start"][:10])
            for s in stamps:
                checked += 1
                assert born <= s <= died, (t, rec["id"], born, s, died)
    assert checked > 100_000


def _values(export: Export, loinc: str) -> dict[str, list[float]]:
    out: dict[str, list[float]] = defaultdict(list)
    for o in export.records("Observation"):
        if o["code"]["coding"][0]["code"] != loinc:
            continue
        if "component" in o:
            out[_patient_of(o)].append(o["component"][0]["valueQuantity"]["value"])
        elif "valueQuantity" in o:
            out[_patient_of(o)].append(o["valueQuantity"]["value"])
    return out


def _with(export: Export, snomed: str) -> set[str]:
    return {
        _patient_of(c)
        for c in export.records("Condition")
        if c["code"]["coding"][0]["code"] == snomed
    }


def _mean(values: dict[str, list[float]], ids: set[str], inside: bool) -> float:
    return float(np.mean([v for pid, vs in values.items() if (pid in ids) == inside for v in vs]))


def test_observations_tied_to_conditions(export: Export) -> None:
    sbp = _values(export, "85354-9")
    htn = _with(export, "38341003")
    assert _mean(sbp, htn, True) > _mean(sbp, htn, False) + 10
    hba1c = _values(export, "59261-8")
    t2d = _with(export, "44054006")
    assert _mean(hba1c, t2d, True) > 48 > _mean(hba1c, t2d, False)
    egfr = _values(export, "33914-3")
    ckd = _with(export, "709044004")
    assert _mean(egfr, ckd, True) < 60 < _mean(egfr, ckd, False)
    all_sbp = [v for vs in sbp.values() for v in vs]
    assert min(all_sbp) >= 85 and max(all_sbp) <= 220


def test_medications_tied_to_conditions(export: Export) -> None:
    on: dict[str, set[str]] = defaultdict(set)
    for m in export.records("MedicationRequest"):
        coding = m["medicationCodeableConcept"]["coding"][0]
        assert coding["system"] == DMD
        on[coding["display"].split()[0]].add(_patient_of(m))
    assert on["Metformin"] <= _with(export, "44054006")
    assert on["Apixaban"] <= _with(export, "49436004")
    assert on["Salbutamol"] <= _with(export, "195967001") | _with(export, "13645005")
    assert on["Amlodipine"] <= _with(export, "38341003")
    assert len(on["Metformin"]) > 0.7 * len(_with(export, "44054006"))


def test_notes_carry_identifiers_like_real_notes(export: Export) -> None:
    patients = {p["id"]: p for p in export.records("Patient")}
    notes = export.records("DocumentReference")
    assert len(notes) > 1000
    with_nhs = 0
    for d in notes[:300]:
        att = d["content"][0]["attachment"]
        assert att["contentType"] == "text/plain"
        text = base64.b64decode(att["data"]).decode("utf-8")
        p = patients[_patient_of(d)]
        nhs = p["identifier"][0]["value"]
        with_nhs += nhs in text.replace(" ", "")
        assert p["name"][0]["family"].lower() in text.lower()
        assert re.search(r"0\d{2,4} ?\d{3,4} ?\d{3,4}", text)  # a telephone number
        assert re.search(r"\d{1,4}[/\-. ]\w+[/\-. ]\d{2,4}", text)  # a date
    assert with_nhs == 300


def test_consents_use_the_purpose_vocabulary(export: Export) -> None:
    from caldicott.consent.purposes import vocabulary

    codes = set(vocabulary().codes)
    consents = export.records("Consent")
    assert consents
    for c in consents:
        assert c["scope"]["coding"][0]["code"] in ("research", "patient-privacy")
        assert c["category"][0]["coding"][0] == {
            "system": LOINC,
            "code": "59284-0",
            "display": "Consent Document",
        }
        assert c["provision"]["type"] in ("permit", "deny")
        purpose = c["provision"]["purpose"][0]
        assert purpose["system"] == "https://caldicott.dev/fhir/CodeSystem/purpose"
        assert purpose["code"] in codes
