"""Worker processes change nothing but speed: same accounting, warehouse and quarantine."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from tests import fhirdata as fd
from tests.integration.ingest_helpers import run_load, snapshot

from caldicott.ingest import workers
from caldicott.ingest.examine import examine
from caldicott.ingest.quarantine import Quarantine
from caldicott.ingest.sources import RawRecord
from caldicott.store.control import ControlPlane


def _export(folder: Path) -> Path:
    """A few thousand records with defects spread through them, over several chunks."""
    patients = [fd.patient(f"p{i}", i) for i in range(602)]  # p600 and p601: no referrers
    patients[600]["birthDate"] = "1970-02-30"
    patients[601]["identifier"][0]["value"] = "9434765918"
    obs: list[dict[str, Any] | bytes] = [
        fd.observation(f"o{i}", f"p{i % 600}") for i in range(2_500)
    ]
    obs[5] = fd.line(fd.observation("cut", "p1"))[:30]
    obs[1_200] = fd.observation("ghost-ref", "nobody")
    obs[2_000] = {**fd.observation("typo", "p2"), "resourceType": "Observaton"}
    fd.write_ndjson(folder / "Patient.ndjson", patients)
    fd.write_ndjson(folder / "Observation.ndjson", obs)
    fd.write_ndjson(
        folder / "Condition.ndjson", (fd.condition(f"c{i}", f"p{i}") for i in range(300))
    )
    return folder


def _summary(doc: dict[str, Any]) -> dict[str, Any]:
    keys = ("read", "accepted", "quarantined", "warnings", "types", "reasons", "warning_codes")
    return {k: doc[k] for k in keys}


@pytest.mark.slow
def test_workers_give_the_same_load(control: ControlPlane, tmp_path: Path) -> None:
    export = _export(tmp_path / "export")
    one = run_load(control, tmp_path / "one", export, ingest_workers=1, ingest_batch_size=700)
    two = run_load(control, tmp_path / "two", export, ingest_workers=2, ingest_batch_size=700)
    assert one.extra["workers"] == 1 and two.extra["workers"] == 2
    first, second = one.as_dict(), two.as_dict()
    assert first["quarantined"] == 5
    assert _summary(first) == _summary(second)
    assert [f["read"] for f in first["files"]] == [f["read"] for f in second["files"]]
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")
    q = Quarantine(control, tmp_path)
    codes = {
        "impossible-date": 1,
        "bad-nhs-number": 1,
        "malformed-json": 1,
        "dangling-reference": 1,
        "unknown-resource-type": 1,
    }
    # the same bytes are quarantined once: the second load found each of the first's
    assert len(q.records(status="open", limit=100)) == 5
    assert q.counts(load_id=two.load_id) == codes
    # the reference's path crossed the process boundary and the spill file unrendered
    (ghost,) = q.records(reason_code="dangling-reference")
    assert q.show(ghost["id"])["reasons"][0]["path"] == "Observation.subject.reference"


def _records(n: int) -> list[RawRecord]:
    out = [RawRecord("f.ndjson", i + 1, fd.line(fd.patient(f"p{i}", i))) for i in range(n)]
    out[7] = RawRecord("f.ndjson", 8, b'{"resourceType": "Patient", "id": ')
    return out


def test_a_dead_worker_loses_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kill every worker mid-stream: the rest is examined in this process, in order."""
    monkeypatch.setattr(workers, "CHUNK_RECORDS", 50)
    monkeypatch.setattr(workers, "IN_FLIGHT_BYTES", 1)  # two chunks a worker: most unsent
    records = _records(2_000)
    stream = workers.examined(records, 2)
    got = [next(stream) for _ in range(60)]
    for child in multiprocessing.active_children():
        os.kill(child.pid or 0, signal.SIGKILL)
    got.extend(stream)
    assert [raw.number for raw, _ in got] == [r.number for r in records]
    expected = [examine(r.data) for r in records]
    assert [tuple(f) for _, f in got if f is not None] == [tuple(e) for e in expected]
    assert got[7][1] is not None and not got[7][1][0]


def test_records_refused_as_read_pass_through_the_workers() -> None:
    from caldicott.ingest.reasons import reason

    records = _records(30)
    records[3] = RawRecord("f.ndjson", 4, b"", reason("line-too-long", "too long"))
    got = list(workers.examined(records, 2))
    assert [raw.number for raw, _ in got] == list(range(1, 31))
    assert got[3][1] is None
    assert all(f is not None for n, (_, f) in enumerate(got) if n != 3)


def test_worker_count() -> None:
    assert workers.worker_count(3, 0) == 3
    assert workers.worker_count(0, 1_000) == 1
    assert workers.worker_count(0, workers.AUTO_MIN_BYTES) == max(
        1, min(os.cpu_count() or 1, workers.AUTO_MAX_WORKERS)
    )


def test_the_automatic_count_keeps_a_load_under_two_gib(monkeypatch: pytest.MonkeyPatch) -> None:
    # measured at 100,000 patients (docs/ingest.md#measured): the loader (records in
    # flight to workers included) and each worker, in MiB, with a margin
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    count = workers.worker_count(0, 10 * workers.AUTO_MIN_BYTES)
    assert count >= 2
    assert workers.IN_FLIGHT_BYTES <= 48 * 2**20  # as measured
    assert 1_380 + count * 240 < 2_048


def test_records_in_flight_are_bounded_by_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The loader never holds more than the window (plus one chunk) handed out."""
    monkeypatch.setattr(workers, "CHUNK_RECORDS", 20)
    records = _records(1_000)
    size = len(records[0].data)
    monkeypatch.setattr(workers, "IN_FLIGHT_BYTES", 200 * size)
    read = 0

    def counted() -> Any:
        nonlocal read
        for raw in records:
            read += 1
            yield raw

    most = 0
    for taken, _ in enumerate(workers.examined(counted(), 2), start=1):
        most = max(most, read - taken)
    assert 150 <= most <= 200 + 20
