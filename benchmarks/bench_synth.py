"""Benchmark ``caldicott synth``: patients/s, MB/s and peak memory against the issue's bar.

The bar (issue 2): 100,000 patients in under 60 s with peak memory under 2 GiB, on the
project's 2-core machine. The full run generates 100,000 patients (``--quick``: 5,000) in
a child process, so its peak resident set size is measured on its own.

Baseline, measured in the same run: the *same generator run one patient at a time*
(``chunk_size=1``) on a small population. Its output is byte-identical to the chunked run
(determinism is tested), so the ratio ``chunked patients/s / per-patient patients/s`` is
exactly what vectorising across a chunk of patients buys, with serialisation and I/O held
equal. A second figure compares serialising the same records with orjson and with the
standard library's ``json`` module.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from caldicott.synth import SynthConfig, synthesise
from caldicott.synth.generate import build_chunk

BAR_SECONDS = 60.0
BAR_RSS_MIB = 2048.0
_CHILD = """
import json, sys, time
from pathlib import Path
from caldicott.synth import SynthConfig, synthesise
n, out = int(sys.argv[1]), Path(sys.argv[2])
started = time.perf_counter()
result = synthesise(SynthConfig(patients=n, seed=2026, out=out))
print(json.dumps({"seconds": time.perf_counter() - started, "bytes": result.bytes,
                  "resources": result.resources}))
"""


def _full_run(patients: int, out: Path) -> dict[str, Any]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(patients), str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    figures: dict[str, Any] = json.loads(proc.stdout)
    figures["peak_rss_mib"] = round(max(peak_kib, before) / 1024, 1)
    return figures


def _rate(patients: int, chunk: int, out: Path) -> float:
    started = time.perf_counter()
    synthesise(SynthConfig(patients=patients, seed=2026, out=out, chunk_size=chunk))
    return patients / (time.perf_counter() - started)


def _serialisers(patients: int) -> dict[str, float]:
    """Seconds to serialise one chunk's records with orjson and with stdlib json."""
    cfg = SynthConfig(patients=patients, seed=2026, out=Path())
    records = build_chunk(cfg, 0, patients, serialise=False)["records"]
    flat = [r for recs in records.values() for r in recs]
    t0 = time.perf_counter()
    for r in flat:
        orjson.dumps(r)
    t1 = time.perf_counter()
    for r in flat:
        json.dumps(r, separators=(",", ":"), ensure_ascii=False)
    t2 = time.perf_counter()
    return {"orjson_s": t1 - t0, "stdlib_json_s": t2 - t1, "records": float(len(flat))}


def run(quick: bool) -> dict[str, Any]:
    patients = 5_000 if quick else 100_000
    baseline_patients = 100 if quick else 400
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as tmp:
        root = Path(tmp)
        full = _full_run(patients, root / "full")
        chunked = _rate(baseline_patients * 5, 2_000, root / "chunked")
        per_patient = _rate(baseline_patients, 1, root / "per-patient")
        ser = _serialisers(2_000)
    seconds = full["seconds"]
    return {
        "patients": patients,
        "seconds": round(seconds, 2),
        "patients_per_s": round(patients / seconds, 1),
        "mb_per_s": round(full["bytes"] / 1e6 / seconds, 1),
        "output_mb": round(full["bytes"] / 1e6, 1),
        "resources": full["resources"],
        "resources_per_s": round(full["resources"] / seconds, 1),
        "peak_rss_mib": full["peak_rss_mib"],
        "bar": {"seconds": BAR_SECONDS, "peak_rss_mib": BAR_RSS_MIB},
        "meets_bar": bool((quick or seconds < BAR_SECONDS) and full["peak_rss_mib"] < BAR_RSS_MIB),
        "baseline": "the same generator one patient at a time (chunk_size=1), same output",
        "chunked_patients_per_s_small": round(chunked, 1),
        "per_patient_patients_per_s": round(per_patient, 1),
        "ratio_vs_per_patient": round(chunked / per_patient, 1),
        "serialise_records": int(ser["records"]),
        "ratio_orjson_vs_stdlib_json": round(ser["stdlib_json_s"] / ser["orjson_s"], 1),
    }
