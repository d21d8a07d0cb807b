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
from caldicott.ingest.examine import examine_block
from caldicott.ingest.quarantine import Quarantine
from caldicott.ingest.sources import Block, RawRecord
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


def _blocks(n: int, per_block: int) -> list[Block]:
    """``n`` patients (the eighth cut short) in NDJSON blocks of ``per_block`` lines."""
    lines = [fd.line(fd.patient(f"p{i}", i)) for i in range(n)]
    lines[7] = b'{"resourceType": "Patient", "id": '
    return [
        Block("f.ndjson", start + 1, b"\n".join(lines[start : start + per_block]))
        for start in range(0, n, per_block)
    ]


def test_a_dead_worker_loses_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kill every worker mid-stream: the rest is examined in this process, in order."""
    monkeypatch.setattr(workers, "IN_FLIGHT_BYTES", 1)  # two blocks a worker: most unsent
    blocks = _blocks(2_000, 50)
    stream = workers.examined(blocks, 2)
    got = [next(stream) for _ in range(3)]
    for child in multiprocessing.active_children():
        os.kill(child.pid or 0, signal.SIGKILL)
    got.extend(stream)
    assert [item for item, _ in got] == blocks
    assert [found for _, found in got] == [examine_block(b) for b in blocks]
    first = got[0][1]
    assert first is not None and first.records == 50
    assert [index for index, *_ in first.refused] == [7]
    assert len(first.accepted) == 49


def test_records_refused_as_read_pass_through_the_workers() -> None:
    from caldicott.ingest.reasons import reason

    items: list[Block | RawRecord] = list(_blocks(30, 5))
    problem = RawRecord("f.ndjson", 31, b"", reason("line-too-long", "too long"))
    items.insert(3, problem)
    got = list(workers.examined(items, 2))
    assert [item for item, _ in got] == items
    assert got[3] == (problem, None)
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
    assert 1_100 + count * 240 < 2_048


def test_records_in_flight_are_bounded_by_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The loader never holds more than the window (plus one block) handed out."""
    blocks = _blocks(1_000, 20)
    size = blocks[1].size
    monkeypatch.setattr(workers, "IN_FLIGHT_BYTES", 10 * size)
    read = 0

    def counted() -> Any:
        nonlocal read
        for block in blocks:
            read += 1
            yield block

    most = 0
    for taken, _ in enumerate(workers.examined(counted(), 2), start=1):
        most = max(most, read - taken)
    assert 8 <= most <= 10 + 1
