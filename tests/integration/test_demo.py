"""``make demo`` runs end to end: every step, on a small population, exits 0.

The demo is one of the two commands the README gives a newcomer; a step that fails (as
``quality report | head`` did under ``pipefail``) must fail the build, not the newcomer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_demo_runs_every_step(tmp_path: Path) -> None:
    if shutil.which("uv") is None:
        pytest.skip("the demo runs caldicott through uv, which is not on PATH")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CALDICOTT_")},
        "CALDICOTT_HOME": str(tmp_path / "home"),
        "DEMO_PATIENTS": "200",
    }
    if "CALDICOTT_SQL_ON_FHIR_SUITE" in os.environ:
        env["CALDICOTT_SQL_ON_FHIR_SUITE"] = os.environ["CALDICOTT_SQL_ON_FHIR_SUITE"]
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "demo.sh")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    out = done.stdout
    for step in ("Ingest", "Data quality", "Patients' choices", "SQL on FHIR views"):
        assert f"== {step}" in out
    assert '"totals"' in out and "quarantined" in out
    assert "log verified" in out and "== Done" in out
    assert "Traceback" not in done.stderr
    reports = tmp_path / "home" / "reports"
    assert (reports / "quality.html").is_file() and (reports / "quality.json").is_file()
