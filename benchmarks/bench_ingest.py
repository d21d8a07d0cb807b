"""Ingest speed: full-validation load against DuckDB's raw read_json and fhir.resources.

One run, one machine, the same files (the first three in interleaved rounds, the
fastest of each kept, so that the machine's drift does not move their ratio):

- **caldicott ingest** (subprocess, fresh data folder): strict parsing, validation,
  reference resolution, quarantine and atomic batches into DuckDB. Resources/s and MB/s,
  wall clock and CPU seconds; peak resident memory of the process.
- **DuckDB read_json** of the same NDJSON files into tables without any validation: the
  practical ceiling (DuckDB parses in C++ on every core).
- **DuckDB read_json_objects** of the same files into one JSON text column per table:
  DuckDB's own cost of storing what the warehouse stores, without any validation.
- **fhir.resources** (R4B pydantic models) parsing a sample of the same resources, and
  caldicott's parse + validate of the same sample in-process (no database), CPU time.

The export comes from ``caldicott synth`` when it is available (100,000 patients, or
2,000 with ``--quick``), else from a small built-in generator. Run with the bench group:
``uv run --group bench python -m benchmarks.run ingest``.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import orjson

RUN = "import sys; from caldicott.cli.app import main; sys.exit(main(sys.argv[1:]))"
#: The ingest process, timed from after its imports (and DuckDB's Arrow bridge) are
#: loaded: this machine runs Python with PYTHONDONTWRITEBYTECODE, so every process
#: compiles its imports from source, a start-up cost a deployment does not pay per load.
#: Its peak memory is VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a
#: child started by this (large) benchmark process reported the benchmark's own size
#: (1.5 GiB where the load itself peaked at 1.1 GiB). Workers are started by the load
#: while it is still small, so their ru_maxrss is theirs, give or take its start-up size.
MEASURED = (
    "import resource, sys, time\n"
    "import duckdb, pyarrow\n"
    "from caldicott import _native\n"
    "from caldicott.cli.app import main\n"
    "c = duckdb.connect(); c.register('w', pyarrow.table({'a': [1]}))\n"
    "c.execute('SELECT * FROM w').fetchall(); c.close()\n"
    "def cpu():\n"
    "    u = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    return u.ru_utime + u.ru_stime\n"
    "def peak_kb():\n"
    "    try:\n"
    "        with open('/proc/self/status') as f:\n"
    "            return next(int(l.split()[1]) for l in f if l.startswith('VmHWM:'))\n"
    "    except (OSError, StopIteration):\n"
    "        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "t, c0 = time.perf_counter(), cpu()\n"
    "code = main(sys.argv[1:])\n"
    "w = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "sys.stderr.write('BENCH %f %f %d %f %d %d\\n' % (time.perf_counter() - t, cpu() - c0, "
    "peak_kb(), w.ru_utime + w.ru_stime, w.ru_maxrss, _native.ACTIVE))\n"
    "sys.exit(code)\n"
)
SAMPLE = 20_000
#: Rounds of (caldicott ingest, DuckDB read_json), interleaved; the fastest of each counts.
ROUNDS = 2


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALDICOTT_")}
    env["CALDICOTT_HOME"] = str(home)
    return env


def make_export(out: Path, patients: int) -> str:
    """Write the export; return how it was made."""
    made = subprocess.run(
        [
            sys.executable,
            "-c",
            RUN,
            "synth",
            "--patients",
            str(patients),
            "--seed",
            "1",
            "--invalid-rate",
            "0.01",
            "--out",
            str(out),
            "--json",
        ],
        env=_env(out.parent / "synth-home"),
        capture_output=True,
        check=False,
    )
    if made.returncode == 0:
        return "caldicott synth"
    _fallback(out, patients)
    return "built-in generator (caldicott synth unavailable)"


def _fallback(out: Path, patients: int) -> None:
    from caldicott.fhir.nhs_number import nhs_number_check_digit as check_digit

    out.mkdir(parents=True, exist_ok=True)
    with (out / "Patient.ndjson").open("wb") as pf, (out / "Observation.ndjson").open("wb") as of:
        n = 0
        for i in range(patients):
            while (d := check_digit(f"{900_000_000 + n:09d}")) is None:
                n += 1
            nhs = f"{900_000_000 + n:09d}{d}"
            n += 1
            pf.write(
                orjson.dumps(
                    {
                        "resourceType": "Patient",
                        "id": f"p{i}",
                        "gender": "female",
                        "identifier": [
                            {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}
                        ],
                        "birthDate": "1970-01-01",
                        "name": [{"family": "Example", "given": ["A"]}],
                    }
                )
                + b"\n"
            )
            for j in range(20):
                of.write(
                    orjson.dumps(
                        {
                            "resourceType": "Observation",
                            "id": f"o{i}-{j}",
                            "status": "final",
                            "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                            "subject": {"reference": f"Patient/p{i}"},
                            "effectiveDateTime": "2020-01-01T10:00:00Z",
                            "valueQuantity": {
                                "value": 60 + j,
                                "unit": "/min",
                                "code": "/min",
                                "system": "http://unitsofmeasure.org",
                            },
                        }
                    )
                    + b"\n"
                )


def bench_ingest(export: Path, home: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", MEASURED, "ingest", str(export), "--json"],
        env=_env(home),
        capture_output=True,
        check=True,
    )
    wall, cpu, rss_kb, workers_cpu, worker_rss_kb, native = next(
        line.split()[1:] for line in done.stderr.decode().splitlines() if line.startswith("BENCH")
    )
    doc = orjson.loads(done.stdout)
    workers = int(doc.get("workers", 1))
    main_mib, worker_mib = int(rss_kb) / 1024, int(worker_rss_kb) / 1024
    return {
        "read": doc["read"],
        "accepted": doc["accepted"],
        "quarantined": doc["quarantined"],
        "workers": workers,
        "validator": "compiled" if native == "1" else "source",
        "wall_s": float(wall),
        # every process of the load: the loader and its workers
        "cpu_s": float(cpu) + float(workers_cpu),
        "loader_cpu_s": float(cpu),
        "workers_cpu_s": float(workers_cpu),
        "peak_rss_mib": main_mib,
        "peak_rss_largest_worker_mib": worker_mib,
        # a bound: the loader's peak plus every worker at the largest worker's peak
        "peak_rss_all_processes_bound_mib": main_mib + (workers if workers > 1 else 0) * worker_mib,
    }


#: DuckDB's own loads of the files, without validation: shredded into typed columns
#: (read_json), and one JSON text column a table, the warehouse's layout (read_json_objects).
DUCKDB_LOADS = {
    "raw": "SELECT * FROM read_json(?, format='newline_delimited', ignore_errors=true, "
    "maximum_object_size=67108864)",
    "text": "SELECT json AS resource FROM read_json_objects(?, format='newline_delimited', "
    "ignore_errors=true, maximum_object_size=67108864)",
}


def bench_duckdb(export: Path, work: Path, kind: str = "raw") -> dict[str, Any]:
    files = sorted(export.glob("*.ndjson"))
    (work / f"{kind}.duckdb").unlink(missing_ok=True)
    conn = duckdb.connect(str(work / f"{kind}.duckdb"))
    wall, cpu = time.perf_counter(), time.process_time()
    rows = 0
    for i, f in enumerate(files):
        conn.execute(f"CREATE TABLE t_{i} AS {DUCKDB_LOADS[kind]}", [str(f)])
        rows += conn.execute(f"SELECT count(*) FROM t_{i}").fetchall()[0][0]  # noqa: S608
    conn.close()
    return {"rows": rows, "wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu}


def _sample(export: Path) -> list[bytes]:
    """Up to SAMPLE well-formed lines, spread over the types in proportion."""
    lines: list[bytes] = []
    files = sorted(export.glob("*.ndjson"))
    sizes = {f: f.stat().st_size for f in files}
    total = sum(sizes.values()) or 1
    for f in files:
        want = max(1, SAMPLE * sizes[f] // total)
        with f.open("rb") as fh:
            for line in fh:
                if len(lines) >= SAMPLE or want <= 0:
                    break
                try:
                    orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue
                lines.append(line.rstrip(b"\n"))
                want -= 1
    return lines


#: Parse, validate and check plausibility of a sample file in a fresh process; CPU seconds.
VALIDATE_ONLY = (
    "import sys, time\n"
    "from caldicott import _native\n"
    "from caldicott.ingest.parse import parse_record\n"
    "from caldicott.ingest.validate import plausibility, validate\n"
    "lines = open(sys.argv[1], 'rb').read().split(b'\\n')\n"
    "cpu = time.process_time()\n"
    "for line in lines:\n"
    "    obj, _ = parse_record(line)\n"
    "    if obj is not None:\n"
    "        validate(obj)\n"
    "        plausibility(obj)\n"
    "print(time.process_time() - cpu, int(_native.ACTIVE))\n"
)


def _validate_only(sample: Path, native: bool) -> tuple[float, bool]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALDICOTT_")}
    env["CALDICOTT_NATIVE"] = "1" if native else "0"
    done = subprocess.run(
        [sys.executable, "-c", VALIDATE_ONLY, str(sample)],
        env=env,
        capture_output=True,
        check=True,
    )
    cpu, active = done.stdout.split()
    return float(cpu), active == b"1"


def bench_parsers(lines: list[bytes], work: Path) -> dict[str, Any]:
    sample = work / "sample.ndjson"
    sample.write_bytes(b"\n".join(lines))
    ours, compiled = _validate_only(sample, native=True)
    source, _ = _validate_only(sample, native=False)
    peer: float | None = None
    failures = 0
    try:
        from fhir.resources.R4B import get_fhir_model_class
    except ImportError:
        return {
            "sample": len(lines),
            "caldicott_cpu_s": ours,
            "caldicott_compiled": compiled,
            "caldicott_source_cpu_s": source,
            "fhir_resources": "not installed",
        }
    classes: dict[str, Any] = {}
    cpu = time.process_time()
    for line in lines:
        rtype = orjson.loads(line).get("resourceType", "")
        try:
            cls = classes.get(rtype) or classes.setdefault(rtype, get_fhir_model_class(rtype))
            cls.model_validate_json(line)
        except Exception:  # a defective record or an R4/R4B difference: counted, not fatal
            failures += 1
    peer = time.process_time() - cpu
    return {
        "sample": len(lines),
        "caldicott_cpu_s": ours,
        "caldicott_compiled": compiled,
        "caldicott_source_cpu_s": source,
        "fhir_resources_cpu_s": peer,
        "fhir_resources_rejected": failures,
    }


def run(quick: bool) -> dict[str, Any]:
    patients = 2_000 if quick else 100_000
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        work = Path(tmp)
        export = work / "export"
        source = make_export(export, patients)
        size = sum(f.stat().st_size for f in export.glob("*.ndjson"))
        # Interleaved rounds, the fastest of each kept: this machine's speed drifts by
        # half between runs, and a drift in one round would move the ratio on its own.
        ings, raws, texts = [], [], []
        for r in range(ROUNDS):
            ings.append(bench_ingest(export, work / f"home-{r}"))
            raws.append(bench_duckdb(export, work))
            texts.append(bench_duckdb(export, work, "text"))
        ing = min(ings, key=lambda x: x["wall_s"])
        raw = min(raws, key=lambda x: x["wall_s"])
        text = min(texts, key=lambda x: x["wall_s"])
        par = bench_parsers(_sample(export), work)
    mb = size / 1e6
    n = ing["read"]
    figures: dict[str, Any] = {
        "patients": patients,
        "export": source,
        "resources": n,
        "megabytes": round(mb, 1),
        "ingest": {
            **ing,
            "resources_per_s_wall": round(n / ing["wall_s"]),
            "resources_per_s_cpu": round(n / ing["cpu_s"]),
            "mb_per_s_wall": round(mb / ing["wall_s"], 2),
            "mb_per_s_cpu": round(mb / ing["cpu_s"], 2),
        },
        "duckdb_read_json": {
            **raw,
            "resources_per_s_wall": round(raw["rows"] / raw["wall_s"]),
            "resources_per_s_cpu": round(raw["rows"] / raw["cpu_s"]),
        },
        # the same layout as the warehouse (one JSON text per resource): DuckDB's own
        # cost of storing what ingest stores, beside read_json's shredded columns
        "duckdb_read_json_objects": {
            **text,
            "resources_per_s_wall": round(text["rows"] / text["wall_s"]),
            "resources_per_s_cpu": round(text["rows"] / text["cpu_s"]),
        },
        "parse_validate_sample": par,
        "rounds": {
            "ingest_wall_s": [round(x["wall_s"], 1) for x in ings],
            "duckdb_wall_s": [round(x["wall_s"], 1) for x in raws],
            "duckdb_text_wall_s": [round(x["wall_s"], 1) for x in texts],
        },
        "ratio_vs_duckdb_wall": round(
            ing["wall_s"] and raw["wall_s"] / ing["wall_s"] * n / raw["rows"], 3
        ),
        "ratio_vs_duckdb_cpu": round(raw["cpu_s"] / ing["cpu_s"] * n / raw["rows"], 3),
        "ratio_vs_duckdb_text_wall": round(text["wall_s"] / ing["wall_s"] * n / text["rows"], 3),
        "peak_memory_under_2gib": ing["peak_rss_all_processes_bound_mib"] < 2048,
        "machine_load_average": os.getloadavg()[0],
        "max_rss_bench_process_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    figures["ratio_compiled_vs_source_validation"] = round(
        par["caldicott_source_cpu_s"] / par["caldicott_cpu_s"], 2
    )
    if "fhir_resources_cpu_s" in par:
        figures["ratio_vs_fhir_resources_validation_only"] = round(
            par["fhir_resources_cpu_s"] / par["caldicott_cpu_s"], 2
        )
        peer_rate = par["sample"] / par["fhir_resources_cpu_s"]  # one core, parsing only
        # the whole load (read, validate, resolve, write) per CPU second of all its processes
        figures["ratio_vs_fhir_resources_full_ingest_cpu"] = round(
            (n / ing["cpu_s"]) / peer_rate, 2
        )
        # the whole load per wall-clock second, workers and all, against the peer on one core
        figures["ratio_vs_fhir_resources_full_ingest_wall"] = round(
            (n / ing["wall_s"]) / peer_rate, 2
        )
    return figures
