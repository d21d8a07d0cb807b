"""Writes the export: NDJSON per resource type, CSV side files and a manifest.

Files are written in patient order, chunk by chunk, so memory is bounded by the chunk size
whatever the population. Nothing in the output depends on the chunk size or on time, so
the same seed and arguments give byte-identical files.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson

from caldicott.errors import OutputError
from caldicott.synth.defects import DefectPlanner

RESOURCE_TYPES = (
    "Patient",
    "Encounter",
    "Condition",
    "Observation",
    "MedicationRequest",
    "Immunization",
    "Procedure",
    "AllergyIntolerance",
    "DocumentReference",
    "Consent",
)
NATIONAL_OPT_OUTS = "national-opt-outs.csv"
TYPE1_OPT_OUTS = "type1-opt-outs.csv"
OUTCOMES = "outcomes.csv"
DEFECTS = "defects.csv"
MANIFEST = "manifest.json"
OUTCOME_COLUMNS = (
    "patient_id",
    "baseline_date",
    "age",
    "sex",
    "systolic_bp",
    "cholesterol_ratio",
    "current_smoker",
    "type2_diabetes",
    "ethnic_category",
    "deprivation_quintile",
    "linear_predictor",
    "horizon_years",
    "risk",
    "event",
    "event_date",
)
DEFECT_COLUMNS = ("file", "line", "resource_type", "id", "kind")


def _ledger(resource_type: str) -> str:
    return f".defects-{resource_type}.part"


def ndjson_name(resource_type: str) -> str:
    return f"{resource_type}.ndjson"


class ExportWriter:
    """Open every output file up front, so an unwritable folder fails before any work."""

    def __init__(self, out: Path, planner: DefectPlanner) -> None:
        self.out = out
        self.planner = planner
        self.lines = dict.fromkeys(RESOURCE_TYPES, 0)  # lines written per NDJSON file
        self.records = dict.fromkeys(RESOURCE_TYPES, 0)  # intended (non-extra) records
        self.defects = 0
        self.rows = {NATIONAL_OPT_OUTS: 0, TYPE1_OPT_OUTS: 0, OUTCOMES: 0}
        self._files: dict[str, IO[bytes]] = {}
        try:
            out.mkdir(parents=True, exist_ok=True)
            for t in RESOURCE_TYPES:
                self._files[t] = (out / ndjson_name(t)).open("wb")
            for name in (NATIONAL_OPT_OUTS, TYPE1_OPT_OUTS, OUTCOMES):
                self._files[name] = (out / name).open("wb")
            if planner.rate > 0:
                self._files[DEFECTS] = (out / DEFECTS).open("wb")
                for t in RESOURCE_TYPES:  # one ledger per type, joined in type order at close
                    self._files[_ledger(t)] = (out / _ledger(t)).open("w+b")
            else:
                (out / DEFECTS).unlink(missing_ok=True)
        except OSError as exc:
            self.abort()
            raise OutputError(
                f"{out}: cannot write the export ({exc.strerror})", path=str(out)
            ) from None
        self._csv_header(NATIONAL_OPT_OUTS, ("nhs_number",))
        self._csv_header(TYPE1_OPT_OUTS, ("nhs_number",))
        self._csv_header(OUTCOMES, OUTCOME_COLUMNS)
        if DEFECTS in self._files:
            self._csv_header(DEFECTS, DEFECT_COLUMNS)

    def _csv_header(self, name: str, columns: Sequence[str]) -> None:
        self._write(name, (",".join(columns) + "\n").encode())

    def _write(self, name: str, data: bytes) -> None:
        try:
            self._files[name].write(data)
        except OSError as exc:
            raise OutputError(
                f"{self.out / name}: write failed ({exc.strerror})", path=str(self.out)
            ) from None

    def write_resources(self, resource_type: str, lines: list[bytes]) -> None:
        """Write one chunk's serialised records of a type, making the planned defects."""
        first, count = self.records[resource_type], len(lines)
        broken = np.nonzero(self.planner.decide(resource_type, first, len(lines)))[0].tolist()
        ledger: list[tuple[str, int, str, str, str]] = []
        name = ndjson_name(resource_type)
        if broken:
            out: list[bytes] = []
            line_no = self.lines[resource_type]
            done = 0
            for k in broken:
                out.extend(lines[done:k])
                line_no += k - done
                d = self.planner.make(resource_type, first + k, orjson.loads(lines[k]))
                if d.extra:
                    out.append(lines[k])
                    line_no += 1
                out.append(d.line)
                line_no += 1
                ledger.append((name, line_no, d.resource_type, d.id, d.kind))
                done = k + 1
            out.extend(lines[done:])
            lines = out
        if lines:
            self._write(resource_type, b"\n".join(lines) + b"\n")
        self.lines[resource_type] += len(lines)
        self.records[resource_type] = first + count
        if ledger:
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerows(ledger)
            self._write(_ledger(resource_type), buf.getvalue().encode())
            self.defects += len(ledger)

    def write_rows(self, name: str, rows: Sequence[Sequence[object]]) -> None:
        if not rows:
            return
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        self._write(name, buf.getvalue().encode())
        self.rows[name] += len(rows)

    def close(self, manifest: dict[str, Any]) -> dict[str, dict[str, int]]:
        """Close every file and write the manifest; returns lines and bytes per file."""
        if DEFECTS in self._files:
            for t in RESOURCE_TYPES:
                part = self._files.pop(_ledger(t))
                part.seek(0)
                while block := part.read(1 << 20):
                    self._write(DEFECTS, block)
                part.close()
                (self.out / _ledger(t)).unlink()
        for f in self._files.values():
            f.close()
        files: dict[str, dict[str, int]] = {}
        for t in RESOURCE_TYPES:
            files[ndjson_name(t)] = {"lines": self.lines[t], "bytes": self._size(ndjson_name(t))}
        for name, n in self.rows.items():
            files[name] = {"lines": n, "bytes": self._size(name)}
        if self.planner.rate > 0:
            files[DEFECTS] = {"lines": self.defects, "bytes": self._size(DEFECTS)}
        manifest = {**manifest, "files": files}
        manifest["output"] = [
            {"type": t, "url": ndjson_name(t), "count": self.lines[t]} for t in RESOURCE_TYPES
        ]
        try:
            (self.out / MANIFEST).write_bytes(
                orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
            )
        except OSError as exc:
            raise OutputError(
                f"{self.out / MANIFEST}: write failed ({exc.strerror})", path=str(self.out)
            ) from None
        return files

    def _size(self, name: str) -> int:
        return (self.out / name).stat().st_size

    def abort(self) -> None:
        for f in self._files.values():
            f.close()
        for t in RESOURCE_TYPES:
            with contextlib.suppress(OSError):
                (self.out / _ledger(t)).unlink(missing_ok=True)
