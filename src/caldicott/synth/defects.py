"""Deliberate defects for ``--invalid-rate``: each defective line is wrong in exactly one way.

Kinds (also ingest's quarantine reason codes): see :data:`KINDS`. Patients and Encounters
are referenced by other records, so they are never corrupted; their defects are *extra*
records (copies with a new id) that nothing references. Other resources are replaced in
place. Whether record ``k`` of a type is defective, and how, is a pure function of the
seed, the type and ``k``, so the ledger does not depend on chunking either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from caldicott.fhir.nhs_number import NHS_NUMBER_SYSTEM
from caldicott.synth.demographics import resource_ids
from caldicott.synth.nhs_numbers import assign_nhs_numbers, check_digits, valid_stems
from caldicott.synth.streams import S, hash64, uniform

KINDS = (
    "malformed-json",
    "unknown-resource-type",
    "wrong-type",
    "missing-required",
    "bad-nhs-number",
    "dangling-reference",
    "impossible-date",
    "invalid-code",
    "invalid-id",
)
EXTRA_TYPES = frozenset({"Patient", "Encounter"})
#: Per resource type: (element made the wrong JSON type, required element removed,
#: reference made to dangle, date made impossible, path to the checked code).
FIELDS: dict[str, tuple[str, str | None, str | None, str, tuple[str, ...] | None]] = {
    "Patient": ("birthDate", None, None, "birthDate", None),
    "Encounter": ("status", "status", "subject", "period.start", ("type", "0")),
    "Condition": ("recordedDate", "subject", "subject", "onsetDateTime", ("code",)),
    "Observation": ("status", "code", "subject", "effectiveDateTime", ("code",)),
    "MedicationRequest": (
        "status",
        "intent",
        "subject",
        "authoredOn",
        ("medicationCodeableConcept",),
    ),
    "Immunization": ("status", "vaccineCode", "patient", "occurrenceDateTime", ("vaccineCode",)),
    "Procedure": ("status", "status", "subject", "performedDateTime", ("code",)),
    "AllergyIntolerance": ("recordedDate", "patient", "patient", "recordedDate", ("code",)),
    "DocumentReference": ("status", "content", "subject", "date", ("type",)),
    "Consent": ("status", "scope", "patient", "dateTime", ("category", "0")),
}
TYPE_INDEX = {t: i for i, t in enumerate(FIELDS)}


def applicable(resource_type: str) -> tuple[str, ...]:
    wrong, missing, ref, _date, code = FIELDS[resource_type]
    kinds = []
    for kind in KINDS:
        if kind == "missing-required" and missing is None:
            continue
        if kind == "bad-nhs-number" and resource_type != "Patient":
            continue
        if kind == "dangling-reference" and ref is None:
            continue
        if kind == "invalid-code" and code is None:
            continue
        kinds.append(kind)
    del wrong
    return tuple(kinds)


@dataclass(frozen=True)
class Defect:
    line: bytes
    resource_type: str
    id: str
    kind: str
    extra: bool  # True: inserted after the record it was derived from


class DefectPlanner:
    """Decides and makes the defects of one export, record by record."""

    def __init__(self, seed: int, rate: float, patients: int) -> None:
        self.seed = seed
        self.rate = rate
        self.patients = patients
        self.extra_patients = 0

    def decide(self, resource_type: str, first: int, count: int) -> np.ndarray:
        """Which of records ``first .. first+count-1`` of this type are defective."""
        if self.rate <= 0 or count == 0:
            return np.zeros(count, dtype=np.bool_)
        p = self.rate / (1 - self.rate) if resource_type in EXTRA_TYPES else self.rate
        k = np.arange(first, first + count, dtype=np.int64)
        return uniform(self.seed, S.DEFECT, k, TYPE_INDEX[resource_type]) < p

    def make(self, resource_type: str, ordinal: int, record: dict[str, Any]) -> Defect:
        t = TYPE_INDEX[resource_type]
        h = int(hash64(self.seed, S.DEFECT_KIND, ordinal, t)[0])
        kinds = applicable(resource_type)
        kind = kinds[h % len(kinds)]
        rec: dict[str, Any] = orjson.loads(orjson.dumps(record))  # a private deep copy
        extra = resource_type in EXTRA_TYPES
        if extra:
            rec["id"] = resource_ids(self.seed, S.DEFECT_ID, np.array([ordinal]), t)[0]
            if resource_type == "Patient":
                rec["identifier"][0]["value"] = self._spare_nhs_number()
        detail = h >> 8
        wrong, missing, ref, date_path, code_path = FIELDS[resource_type]
        if kind == "unknown-resource-type":
            rec["resourceType"] = resource_type[:-2] + resource_type[-1]
        elif kind == "wrong-type":
            value = rec[wrong]
            rec[wrong] = int(value[:10].replace("-", "")) if "Date" in wrong else 7
        elif kind == "missing-required":
            assert missing is not None
            del rec[missing]
        elif kind == "bad-nhs-number":
            ident = rec["identifier"][0]
            assert ident["system"] == NHS_NUMBER_SYSTEM
            ident["value"] = _break_nhs_number(ident["value"], detail)
        elif kind == "dangling-reference":
            assert ref is not None
            ghost = resource_ids(self.seed, S.DEFECT_ID + 1, np.array([ordinal]), t)[0]
            rec[ref] = {"reference": f"Patient/{ghost}"}
        elif kind == "impossible-date":
            _set_path(rec, date_path, _impossible(_get_path(rec, date_path), detail))
        elif kind == "invalid-code":
            assert code_path is not None
            coding = _get_path(rec, ".".join(code_path))["coding"][0]
            coding["code"] = _break_code(coding["code"], detail)
        elif kind == "invalid-id":
            rec["id"] = f"bad id/{rec['id'][:8]}"
        line = orjson.dumps(rec)
        if kind == "malformed-json":
            line = line[: max(1, int(len(line) * (0.3 + 0.4 * (detail % 100) / 100)))]
        return Defect(line, resource_type, str(rec.get("id", "")), kind, extra)

    def _spare_nhs_number(self) -> str:
        """A valid, unused NHS number for an extra Patient (from beyond the population)."""
        index = self.patients + self.extra_patients
        self.extra_patients += 1
        if index >= valid_stems().size:  # the test range is exhausted: wrap (documented)
            index = self.patients + (index - self.patients) % max(
                valid_stems().size - self.patients, 1
            )
        return assign_nhs_numbers(self.seed, np.array([index], dtype=np.int64))[0]


def _break_nhs_number(value: str, detail: int) -> str:
    stem = int(value[:9])
    good = int(check_digits(np.array([stem], dtype=np.int64))[0])
    return f"{stem}{(good + 1 + detail % 9) % 10}"


def _break_code(code: str, detail: int) -> str:
    last = int(code[-1])
    return code[:-1] + str((last + 1 + detail % 9) % 10)


def _impossible(value: str, detail: int) -> str:
    year, rest = value[:4], value[10:]
    return f"{year}-02-30{rest}" if detail % 2 == 0 else f"{year}-13-01{rest}"


def _get_path(rec: dict[str, Any], path: str) -> Any:
    node: Any = rec
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _set_path(rec: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = _get_path(rec, ".".join(parts[:-1])) if len(parts) > 1 else rec
    node[parts[-1]] = value
