"""On a terminal, ingest draws a progress bar with its rate in resources/s (issue #3);
off a terminal it draws none, so logs and --json output stay clean."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest
from tests import fhirdata as fd

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")


def _ingest(folder: Path, stderr: int) -> subprocess.CompletedProcess[bytes]:
    exe = Path(sys.executable).with_name("caldicott")
    return subprocess.run(
        [str(exe), "ingest", str(folder)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
        env={**os.environ, "COLUMNS": "160", "TERM": "xterm"},
        timeout=300,
        check=False,
    )


def _data(tmp_path: Path) -> Path:
    records = []
    for n in range(200):
        records += [fd.patient(f"p{n}", n), fd.observation(f"o{n}", f"p{n}")]
    fd.write_ndjson(tmp_path / "in" / "a.ndjson", records)
    return tmp_path / "in"


def _drain(fd_: int) -> bytes:
    chunks = []
    while select.select([fd_], [], [], 0.2)[0]:
        try:
            chunk = os.read(fd_, 65536)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_terminal_gets_a_progress_bar_with_the_rate(tmp_path: Path) -> None:
    main, side = os.openpty()
    try:
        done = _ingest(_data(tmp_path), side)
        os.close(side)
        drawn = _drain(main).decode("utf-8", "replace")
    finally:
        os.close(main)
    assert done.returncode == 0, drawn
    assert "ingest" in drawn and "400" in drawn, drawn  # the count of resources read
    # the last frame gives a rate, not a placeholder, however quick the load
    final = [frame for frame in drawn.split("\r") if "resources/s" in frame][-1]
    assert re.search(r"[1-9][\d,]* resources/s", final), drawn


def test_no_terminal_no_bar(tmp_path: Path) -> None:
    done = _ingest(_data(tmp_path), subprocess.PIPE)
    assert done.returncode == 0, done.stderr
    assert b"resources/s" not in done.stderr  # no bar (the summary on stdout has the rate)
