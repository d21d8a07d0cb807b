"""A load killed with SIGKILL leaves whole batches only; running it again completes it."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import orjson
import pytest
from tests import fhirdata as fd

from caldicott.store.warehouse import DuckDBWarehouse

N = 8_000
BATCH = 200
RUN = "import sys; from caldicott.cli.app import main; sys.exit(main(sys.argv[1:]))"


def _ingest(home: Path, data: Path, workers: int = 1) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALDICOTT_")}
    env.update(
        CALDICOTT_HOME=str(home),
        CALDICOTT_INGEST_BATCH_SIZE=str(BATCH),
        CALDICOTT_INGEST_WORKERS=str(workers),
    )
    return subprocess.Popen(
        [sys.executable, "-c", RUN, "ingest", str(data), "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _batches(home: Path) -> int:
    try:
        with closing(sqlite3.connect(home / "control.db", timeout=1)) as db:
            row = db.execute(
                "SELECT max(batches) FROM ingest_load WHERE status = 'running'"
            ).fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0] or 0) if row else 0


def _count(home: Path) -> int:
    with DuckDBWarehouse(home / "warehouse.duckdb", read_only=True) as w:
        return w.count("Patient")


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if entry.name.isdigit() and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_kill_mid_load_then_resume(tmp_path: Path, workers: int) -> None:
    home = tmp_path / "home"
    data = fd.write_ndjson(
        tmp_path / "in" / "patients.ndjson", (fd.patient(f"p{i}", i) for i in range(N))
    )
    proc = _ingest(home, data, workers)
    deadline = time.monotonic() + 120
    while _batches(home) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "the load finished before it could be killed"
    spawned = _children(proc.pid)
    assert len(spawned) >= (workers if workers > 1 else 0)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    # worker processes do not outlive the load they served
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{p}").exists() for p in spawned) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in spawned if Path(f"/proc/{p}").exists()], "orphaned workers"

    partial = _count(home)
    assert 0 < partial < N
    assert partial % BATCH == 0, "a batch was half written"

    proc = _ingest(home, data, workers)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    assert _count(home) == N
    with closing(sqlite3.connect(home / "control.db")) as db:
        statuses = sorted(r[0] for r in db.execute("SELECT status FROM ingest_load"))
    assert statuses == ["completed", "interrupted"]
    doc = orjson.loads(out)
    assert doc["read"] == doc["accepted"] == N
    assert doc["written"]["inserted"] == N - partial
