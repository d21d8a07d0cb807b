"""Matching a defects ledger (synth's ``defects.csv``) against the quarantine, one for one."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any


def read_ledger(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def mismatches(ledger: list[dict[str, str]], quarantined: list[dict[str, Any]]) -> list[str]:
    """Differences between the ledger and the quarantine: empty when they match one for one.

    Each ledger row (file, 1-based line, kind) must be exactly one quarantined record of
    that file and line whose reasons include ``kind``; no other record may be quarantined.
    """
    found: dict[tuple[str, int], dict[str, Any]] = {}
    for rec in quarantined:
        key = (Path(rec["file"]).name, int(rec["number"]))
        assert key not in found, f"two quarantine records for {key}"
        found[key] = rec
    problems = []
    for row in ledger:
        key = (row["file"], int(row["line"]))
        rec = found.pop(key, None)
        if rec is None:
            problems.append(f"{key} ({row['kind']}) was not quarantined")
        elif row["kind"] not in {r["code"] for r in rec["reasons"]}:
            codes = [r["code"] for r in rec["reasons"]]
            problems.append(f"{key}: expected {row['kind']}, quarantined for {codes}")
    problems.extend(f"{key} quarantined but not in the ledger" for key in found)
    return problems
