"""Importing opt-out lists: the National Data Opt-out and Type 1 opt-outs as CSV files.

The shape of the national service's files: one NHS number a line, either under a header
``nhs_number`` or with no header; spaces inside a number are allowed (``943 476 5919``).
Each line that cannot be accepted is reported with its line number and a reason (never its
value) and the rest are imported. Importing the same file again adds nothing: a patient
whose opt-out is already in force is counted, not recorded twice. A file lists who has
opted out; it does not withdraw anyone (withdrawals are recorded with ``consent set``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from caldicott.consent.consent_fhir import ConsentProblem, choices_from_consent
from caldicott.consent.registry import NewChoice, append, opt_out_holders
from caldicott.consent.tables import OPT_OUT_KINDS, SCOPE_ALL, ConsentChoice
from caldicott.errors import InvalidArgument, NotFound
from caldicott.fhir.nhs_number import NHS_NUMBER_SYSTEM, nhs_number_check_digit

BATCH = 50_000
HEADER = "nhs_number"
_WEIGHTS = np.arange(10, 1, -1, dtype=np.int64)


@dataclass
class ImportReport:
    """What an import did: counts, and each bad line's number and reason."""

    file: str
    kind: str
    lines: int = 0
    imported: int = 0
    already_in_force: int = 0
    duplicates: int = 0
    bad: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "lines": self.lines,
            "imported": self.imported,
            "already_in_force": self.already_in_force,
            "duplicates": self.duplicates,
            "bad_lines": len(self.bad),
            "bad": self.bad,
        }


def line_problem(text: str) -> tuple[str | None, str | None]:
    """The normalised number, or why the line is not one (never quoting it)."""
    cell = text.strip().strip('"').strip()
    if "," in cell or "\t" in cell:
        return None, "more than one column"
    digits = cell.replace(" ", "")
    if not digits.isascii() or not digits.isdigit():
        return None, "not an NHS number: only digits and spaces are allowed"
    if len(digits) != 10:
        return None, f"not an NHS number: {len(digits)} digits, not 10"
    if nhs_number_check_digit(digits[:9]) != int(digits[9]):
        return None, "not an NHS number: the check digit does not match"
    return digits, None


def import_opt_outs(
    session: Session,
    path: Path,
    kind: str = "national-opt-out",
    *,
    actor: str = "import",
    at: datetime | None = None,
) -> ImportReport:
    """Record an opt-out of ``kind`` for every valid NHS number in the file at ``path``."""
    if kind not in OPT_OUT_KINDS:
        raise InvalidArgument(f"{kind!r} is not an opt-out kind; use {' or '.join(OPT_OUT_KINDS)}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise NotFound(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidArgument(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    when = at or datetime.now(UTC)
    report = ImportReport(file=path.name, kind=kind)
    candidates: list[str] = []
    where: list[int] = []
    bad: list[dict[str, Any]] = []
    first = True
    for number, raw in enumerate(text.splitlines(), start=1):
        cell = raw.strip().strip('"').strip()
        if not cell:
            continue
        if first:
            first = False
            if cell.lower() == HEADER:
                continue
        report.lines += 1
        digits = cell.replace(" ", "")
        if len(digits) == 10 and digits.isascii() and digits.isdigit():
            candidates.append(digits)
            where.append(number)
        else:
            bad.append({"line": number, "reason": line_problem(raw)[1]})
    valid = check_digits_match(candidates)
    for ok, line in zip(valid.tolist(), where, strict=True):
        if not ok:
            bad.append(
                {"line": line, "reason": "not an NHS number: the check digit does not match"}
            )
    report.bad = sorted(bad, key=lambda b: int(b["line"]))
    held = opt_out_holders(session, kind, when)
    seen: set[str] = set()
    pending: list[NewChoice] = []
    for digits, ok in zip(candidates, valid.tolist(), strict=True):
        if not ok:
            continue
        if digits in seen:
            report.duplicates += 1
            continue
        seen.add(digits)
        if digits in held:
            report.already_in_force += 1
            continue
        pending.append(NewChoice(digits, kind, "all", SCOPE_ALL, "set", "import", actor))
        if len(pending) >= BATCH:
            report.imported += append(session, pending, when)
            pending = []
    report.imported += append(session, pending, when)
    return report


def check_digits_match(numbers: list[str]) -> np.ndarray:
    """For ten-digit strings, whether each check digit is right (Modulus 11, vectorised)."""
    if not numbers:
        return np.zeros(0, dtype=bool)
    digits = np.frombuffer("".join(numbers).encode("ascii"), dtype=np.uint8).reshape(-1, 10) - 48
    check = 11 - (digits[:, :9].astype(np.int64) @ _WEIGHTS) % 11
    check[check == 11] = 0
    return np.asarray((check != 10) & (check == digits[:, 9]))


def read_patient_ids(path: Path) -> dict[str, str]:
    """Patient id to NHS number, from a Patient NDJSON file (to resolve Consent.patient)."""
    out: dict[str, str] = {}
    with path.open("rb") as handle:
        for raw in handle:
            try:
                patient = orjson.loads(raw)
            except orjson.JSONDecodeError:
                continue  # ingest reports malformed patients; here they simply do not resolve
            if not isinstance(patient, dict) or "id" not in patient:
                continue
            for ident in patient.get("identifier") or []:
                if ident.get("system") == NHS_NUMBER_SYSTEM and ident.get("value"):
                    out[str(patient["id"])] = str(ident["value"])
    return out


def import_fhir(
    session: Session,
    path: Path,
    *,
    patients: dict[str, str] | None = None,
    at: datetime | None = None,
) -> ImportReport:
    """Record the choices of every Consent in an NDJSON file; report each bad line.

    Idempotent: a Consent already imported (same content hash), or whose every choice
    version is already recorded, adds nothing."""
    if not path.is_file():
        raise NotFound(f"{path}: no such file")
    when = at or datetime.now(UTC)
    report = ImportReport(file=path.name, kind="fhir-consent")
    parsed: list[list[NewChoice]] = []
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            report.lines += 1
            try:
                resource = orjson.loads(raw)
                if not isinstance(resource, dict):
                    raise ConsentProblem("not a JSON object")
                parsed.append(choices_from_consent(resource, patients))
            except orjson.JSONDecodeError:
                report.bad.append({"line": number, "reason": "not valid JSON"})
            except (ConsentProblem, InvalidArgument) as exc:
                reason = exc.message if isinstance(exc, InvalidArgument) else str(exc)
                report.bad.append({"line": number, "reason": reason})
    known_hashes, known = _already_recorded(session, parsed)
    pending: list[NewChoice] = []
    for choices in parsed:
        digest = choices[0].source_hash
        fresh = [c for c in choices if _identity(c) not in known]
        if digest in known_hashes or not fresh:
            report.already_in_force += 1
            continue
        known_hashes.add(digest)
        known.update(_identity(c) for c in fresh)
        pending.extend(fresh)
        report.imported += 1
        if len(pending) >= BATCH:
            append(session, pending, when)
            pending = []
    append(session, pending, when)
    return report


def _already_recorded(
    session: Session, parsed: list[list[NewChoice]]
) -> tuple[set[str | None], set[tuple[object, ...]]]:
    """Source hashes and choice identities already in the registry, for these patients only."""
    numbers = sorted({c.nhs_number for choices in parsed for c in choices})
    hashes: set[str | None] = set()
    identities: set[tuple[object, ...]] = set()
    for i in range(0, len(numbers), 1000):
        rows = session.execute(
            select(
                ConsentChoice.source_hash,
                ConsentChoice.nhs_number,
                ConsentChoice.kind,
                ConsentChoice.scope_type,
                ConsentChoice.scope,
                ConsentChoice.value,
                ConsentChoice.effective_from,
            ).where(ConsentChoice.nhs_number.in_(numbers[i : i + 1000]))
        )
        for source_hash, *identity in rows:
            if source_hash is not None:
                hashes.add(source_hash)
            identities.add(tuple(identity))
    return hashes, identities


def _identity(c: NewChoice) -> tuple[object, ...]:
    return (c.nhs_number, c.kind, c.scope_type, c.scope, c.value, c.effective_from)
