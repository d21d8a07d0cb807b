"""The defects ledger matches what was written, one for one."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import orjson
import pytest
from tests.unit.synth.fhir_check import TYPES, known_references, problems, read_lines

from caldicott.synth import SynthConfig, synthesise
from caldicott.synth.defects import KINDS

RATE = 0.08


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("broken")
    synthesise(SynthConfig(patients=1_500, seed=5, out=out, invalid_rate=RATE, chunk_size=400))
    return out


def _ledger(folder: Path) -> dict[tuple[str, int], dict[str, str]]:
    with (folder / "defects.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and list(rows[0]) == ["file", "line", "resource_type", "id", "kind"]
    return {(r["file"], int(r["line"])): r for r in rows}


def test_every_listed_defect_is_present_and_every_other_line_is_valid(broken: Path) -> None:
    ledger = _ledger(broken)
    known = known_references(broken)
    seen = 0
    for t in TYPES:
        name = f"{t}.ndjson"
        for n, line in enumerate(read_lines(broken / name), start=1):
            found = problems(t, line, known)
            entry = ledger.get((name, n))
            if entry is None:
                assert not found, f"{name}:{n} unlisted but shows {found}"
                continue
            seen += 1
            assert found == {entry["kind"]}, f"{name}:{n} listed {entry['kind']}, shows {found}"
            assert entry["resource_type"] == t
            if entry["kind"] != "malformed-json":
                assert orjson.loads(line).get("id") == entry["id"]
            else:
                assert entry["id"].encode() in line or len(line) < 60
    assert seen == len(ledger)


def test_defects_cover_every_kind_at_about_the_rate(broken: Path) -> None:
    ledger = _ledger(broken)
    kinds = Counter(r["kind"] for r in ledger.values())
    assert set(kinds) == set(KINDS)
    total = sum(len(read_lines(broken / f"{t}.ndjson")) for t in TYPES)
    assert len(ledger) / total == pytest.approx(RATE, rel=0.15)
    manifest = orjson.loads((broken / "manifest.json").read_bytes())
    assert manifest["files"]["defects.csv"]["lines"] == len(ledger)


def test_patients_and_encounters_are_never_corrupted(broken: Path) -> None:
    """Their defects are extra records nothing refers to, so nothing else breaks."""
    ledger = _ledger(broken)
    referenced: set[str] = set()
    for t in TYPES:
        for line in read_lines(broken / f"{t}.ndjson"):
            for ref in (b"Patient/", b"Encounter/"):
                start = 0
                while (at := line.find(ref, start)) >= 0:
                    referenced.add(line[at : at + len(ref) + 36].decode(errors="replace"))
                    start = at + 1
    for (name, _n), entry in ledger.items():
        if name in ("Patient.ndjson", "Encounter.ndjson"):
            assert f"{entry['resource_type']}/{entry['id']}" not in referenced


def test_no_defects_file_without_a_rate(tmp_path: Path) -> None:
    synthesise(SynthConfig(patients=50, seed=5, out=tmp_path))
    assert not (tmp_path / "defects.csv").exists()
    known = known_references(tmp_path)
    for t in TYPES:
        for line in read_lines(tmp_path / f"{t}.ndjson"):
            assert not problems(t, line, known)
