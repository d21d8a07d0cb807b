"""Loading by blocks: records' bytes as stored, batches across blocks, a failed write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests import fhirdata as fd
from tests.integration.ingest_helpers import run_load, snapshot

from caldicott.ingest import sources
from caldicott.ingest.quarantine import Quarantine
from caldicott.store.control import ControlPlane
from caldicott.store.warehouse import DuckDBWarehouse


@pytest.mark.parametrize("workers", [1, 2])
def test_records_are_stored_without_surrounding_whitespace(
    control: ControlPlane, tmp_path: Path, workers: int
) -> None:
    """CRLF line ends and indented lines: stored stripped, refused bytes kept whole."""
    lines = [fd.line(fd.patient(f"p{i}", i)) for i in range(6)]
    raw = [b"  " + lines[0], lines[1] + b"\t", lines[2], b"{oops  ", lines[4], lines[5]]
    path = tmp_path / "in" / "Patient.ndjson"
    path.parent.mkdir()
    path.write_bytes(b"\r\n".join(raw) + b"\r\n")
    doc = run_load(control, tmp_path / "home", path, ingest_workers=workers).as_dict()
    assert (doc["read"], doc["accepted"], doc["quarantined"]) == (6, 5, 1)
    stored = {row[0]: row[3].encode() for row in snapshot(tmp_path / "home")["Patient"]}
    assert stored == {f"p{i}": lines[i] for i in (0, 1, 2, 4, 5)}
    q = Quarantine(control, tmp_path / "home")
    (bad,) = q.records()
    (exported,) = q.export(tmp_path / "out", [bad["id"]])
    assert (bad["number"], exported.read_bytes()) == (4, b"{oops  \n")


def test_batches_cut_across_blocks_and_files_lose_nothing(
    control: ControlPlane, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "CHUNK", 4096)  # blocks of a dozen records or so
    folder = tmp_path / "in"
    patients: list[dict[str, Any] | bytes] = [fd.patient(f"p{i}", i) for i in range(150)]
    patients[77] = b'{"resourceType": "Patient"'
    fd.write_ndjson(folder / "Patient.ndjson", patients)
    obs = [fd.observation(f"o{i}", f"p{(i * 7) % 150}") for i in range(300)]
    fd.write_ndjson(folder / "Observation.ndjson", obs)
    doc = run_load(control, tmp_path / "home", folder, ingest_batch_size=37).as_dict()
    assert (doc["read"], doc["accepted"], doc["quarantined"]) == (450, 447, 3)
    # p77 was refused, so its two observations are dangling
    assert doc["reasons"] == {"malformed-json": 1, "dangling-reference": 2}
    with DuckDBWarehouse(tmp_path / "home" / "warehouse.duckdb", read_only=True) as w:
        assert (w.count("Patient"), w.count("Observation")) == (149, 298)


def test_a_failed_write_stops_the_load_and_a_rerun_completes_it(
    control: ControlPlane, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch written in the background fails: the load stops with that error,
    the batches before it stay, and running the same load again completes it."""
    folder = tmp_path / "in"
    fd.write_ndjson(folder / "Patient.ndjson", (fd.patient(f"p{i}", i) for i in range(100)))
    real = DuckDBWarehouse.write_batch
    calls = 0

    def failing(self: DuckDBWarehouse, load_id: str, batch: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError("disk full")
        return real(self, load_id, batch)

    monkeypatch.setattr(DuckDBWarehouse, "write_batch", failing)
    with pytest.raises(OSError, match="disk full"):
        run_load(control, tmp_path / "home", folder, ingest_batch_size=20)
    with DuckDBWarehouse(tmp_path / "home" / "warehouse.duckdb", read_only=True) as w:
        assert w.count("Patient") == 40  # two whole batches, nothing of the third
    monkeypatch.setattr(DuckDBWarehouse, "write_batch", real)
    doc = run_load(control, tmp_path / "home", folder, ingest_batch_size=20).as_dict()
    written = {k: n for k, n in doc["written"].items() if n}
    assert (doc["read"], doc["accepted"], written) == (100, 100, {"inserted": 60, "unchanged": 40})
