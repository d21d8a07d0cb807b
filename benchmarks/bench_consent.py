"""Consent: one decision in-process, a snapshot for a population, and its join in DuckDB.

Figures (``quick`` uses 50,000 patients instead of 1,000,000):

- ``decision_p99_ms``: a single ``decide()`` against the in-memory index (and, as a peer,
  against the SQLite control plane), target under 1 ms;
- ``snapshot_seconds``: a snapshot for every patient, computed set-wise and hashed,
  target under 2 s (``snapshot_from_registry_seconds`` adds reading the choices from SQLite);
- ``join_overhead_ratio``: a DuckDB query over ``fhir_Patient`` joined to the snapshot,
  divided by the same query without the join in the same run; target under 1.20.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from caldicott.consent.decide import decide
from caldicott.consent.imports import import_opt_outs
from caldicott.consent.model import ChoiceVersion
from caldicott.consent.registry import MemoryIndex, NewChoice, append
from caldicott.consent.snapshot import (
    PATIENT_NHS_NUMBER_SQL,
    ROW_SCHEMA,
    compute,
    take_snapshot,
)
from caldicott.store.control import ControlPlane
from caldicott.store.warehouse import DuckDBWarehouse

T0 = datetime(2026, 1, 1, tzinfo=UTC)
AT = T0 + timedelta(days=60)
WEIGHTS = np.array([10, 9, 8, 7, 6, 5, 4, 3, 2])


def nhs_numbers(count: int) -> np.ndarray:
    """``count`` valid synthetic NHS numbers (benchmark only, never written out)."""
    nine = np.arange(998_000_000, 998_000_000 + count * 2, dtype=np.int64)
    digits = (nine[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    check = 11 - (digits * WEIGHTS).sum(axis=1) % 11
    check[check == 11] = 0
    keep = check != 10
    return (nine[keep] * 10 + check[keep])[:count].astype(str)


def choice_rows(numbers: np.ndarray, rng: random.Random) -> pa.Table:
    """About 5% national opt-outs, 2% Type 1, 1% research dissent, 1% project consent."""
    cols: dict[str, list[Any]] = {name: [] for name in ROW_SCHEMA.names}
    picks = (
        (0.05, "national-opt-out", "all", "*"),
        (0.02, "type1-opt-out", "all", "*"),
        (0.01, "explicit-dissent", "purpose", "research"),
        (0.01, "explicit-consent", "agreement", "DARS-1"),
    )
    row_id = 1
    for share, kind, scope_type, scope in picks:
        chosen = rng.sample(range(len(numbers)), int(len(numbers) * share))
        for i in chosen:
            when = T0 + timedelta(hours=rng.randint(0, 1000))
            for name, value in zip(
                ROW_SCHEMA.names,
                (numbers[i], kind, scope_type, scope, "set", when, when, row_id),
                strict=True,
            ):
                cols[name].append(value)
            row_id += 1
    return pa.table(cols, schema=ROW_SCHEMA)


def _index(rows: pa.Table) -> MemoryIndex:
    index: dict[str, list[ChoiceVersion]] = {}
    for r in rows.to_pylist():
        index.setdefault(r["nhs_number"], []).append(
            ChoiceVersion(
                r["id"],
                r["kind"],
                r["scope_type"],
                r["scope"],
                r["value"],
                r["recorded_at"],
                r["effective_from"],
            )
        )
    return MemoryIndex(index)


def _percentiles(samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ns)
    return {
        "p50_ms": round(statistics.median(ordered) / 1e6, 4),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] / 1e6, 4),
    }


def bench_decisions(
    numbers: np.ndarray, rows: pa.Table, control: ControlPlane, calls: int
) -> dict[str, Any]:
    index = _index(rows)
    with_choices = list(index.by_patient)
    sample = [
        with_choices[i % len(with_choices)] if i % 2 else str(numbers[i]) for i in range(calls)
    ]
    memory: list[int] = []
    for number in sample:
        start = time.perf_counter_ns()
        decide(index, number, "research", "DARS-1", AT)
        memory.append(time.perf_counter_ns() - start)
    database: list[int] = []
    with control.session() as session:
        for number in sample[: max(200, calls // 10)]:
            start = time.perf_counter_ns()
            decide(session, number, "research", "DARS-1", AT)
            database.append(time.perf_counter_ns() - start)
    mem, db = _percentiles(memory), _percentiles(database)
    return {
        "decision_p50_ms": mem["p50_ms"],
        "decision_p99_ms": mem["p99_ms"],
        "decision_p99_target_ms": 1.0,
        "decision_sqlite_p50_ms": db["p50_ms"],
        "decision_sqlite_p99_ms": db["p99_ms"],
        "decision_sqlite_vs_memory_p99_ratio": round(db["p99_ms"] / mem["p99_ms"], 2),
    }


_MINIMAL = (
    "json_object('resourceType', 'Patient', 'id', 'p' || i, 'gender', "
    "CASE WHEN random() < 0.5 THEN 'female' ELSE 'male' END, "
    "'birthDate', '19' || (10 + (random() * 89)::INT) || '-06-15', "
    "'identifier', json_array(json_object('system', 'https://fhir.nhs.uk/Id/nhs-number', "
    "'value', n)))"
)
#: A UK Core-shaped Patient (about 1 KB, as synth writes): names, address, telecom,
#: ethnicity extension, registered GP; the NHS number is not the first identifier.
_UK_CORE = (
    "json_object('resourceType', 'Patient', 'id', 'p' || i, "
    "'meta', json_object('profile', json_array("
    "'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient')), "
    "'extension', json_array(json_object('url', "
    "'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory', "
    "'valueCodeableConcept', json_object('coding', json_array(json_object('system', "
    "'https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland', 'code', 'A', "
    "'display', 'British, Mixed British'))))), "
    "'identifier', json_array(json_object('system', 'https://example.org/local-mrn', "
    "'value', 'MRN' || i), json_object('system', 'https://fhir.nhs.uk/Id/nhs-number', "
    "'value', n, 'extension', json_array(json_object('url', "
    "'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus'"
    ", 'valueCodeableConcept', json_object('coding', json_array(json_object('system', "
    "'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland', "
    "'code', '01', 'display', 'Number present and verified'))))))), "
    "'name', json_array(json_object('use', 'official', 'family', 'Family' || (i % 5000), "
    "'given', json_array('Given' || (i % 700), 'Middle' || (i % 300)), 'prefix', "
    "json_array('Ms'))), 'telecom', json_array(json_object('system', 'phone', 'value', "
    "'07700 900' || lpad((i % 1000)::VARCHAR, 3, '0'), 'use', 'mobile')), "
    "'gender', CASE WHEN random() < 0.5 THEN 'female' ELSE 'male' END, "
    "'birthDate', '19' || (10 + (random() * 89)::INT) || '-06-15', "
    "'address', json_array(json_object('use', 'home', 'line', json_array(i || ' High Street'), "
    "'city', 'Leeds', 'district', 'West Yorkshire', 'postalCode', 'LS1 ' || (i % 9) || 'AB', "
    "'country', 'GB')), 'generalPractitioner', json_array(json_object('identifier', "
    "json_object('system', 'https://fhir.nhs.uk/Id/ods-organization-code', 'value', "
    "'B8' || lpad((i % 9000)::VARCHAR, 4, '0')))))"
)


def _warehouse(numbers: np.ndarray, resource_sql: str) -> DuckDBWarehouse:
    wh = DuckDBWarehouse(None)
    table = wh.ensure_table("Patient")
    wh.conn.register("numbers", pa.table({"n": pa.array(numbers)}))
    wh.conn.execute(
        f"INSERT INTO \"{table}\" (id, resource) SELECT 'p' || i, {resource_sql} "  # noqa: S608
        "FROM (SELECT row_number() OVER () AS i, n FROM numbers)"
    )
    wh.conn.unregister("numbers")
    return wh


def bench_join(
    numbers: np.ndarray, snapshot_table: pa.Table, repeats: int, resource_sql: str
) -> dict[str, Any]:
    wh = _warehouse(numbers, resource_sql)
    snap_name = "consent_snapshot"
    wh.conn.register(snap_name, snapshot_table)
    select = (
        f"SELECT p.id, {PATIENT_NHS_NUMBER_SQL} AS nhs_number, "  # noqa: S608 - constants
        "json_extract_string(p.resource, '$.gender') AS gender, "
        "json_extract_string(p.resource, '$.birthDate') AS birth_date FROM fhir_Patient p"
    )
    # The documented pattern: the view extracts the NHS number once; the join uses it.
    joined = (
        f"WITH v AS ({select}) SELECT v.* FROM v JOIN {snap_name} c "  # noqa: S608
        "ON c.nhs_number = v.nhs_number AND c.decision = 'permit'"
    )
    timings: dict[str, list[float]] = {"baseline": [], "joined": []}
    counts = {}
    for _ in range(repeats):
        for label, sql in (("baseline", select), ("joined", joined)):
            start = time.perf_counter()
            result = wh.conn.sql(sql).to_arrow_table()
            timings[label].append(time.perf_counter() - start)
            counts[label] = result.num_rows
    wh.close()
    base, join = min(timings["baseline"]), min(timings["joined"])
    return {
        "rows_baseline": counts["baseline"],
        "rows_joined": counts["joined"],
        "baseline_seconds": round(base, 3),
        "joined_seconds": round(join, 3),
        "ratio": round(join / base, 3),
    }


def bench_import(numbers: np.ndarray) -> dict[str, Any]:
    """Importing a National Data Opt-out file, then importing it again (idempotent)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "national-opt-outs.csv"
        path.write_text("nhs_number\n" + "\n".join(numbers.tolist()) + "\n")
        control = ControlPlane(f"sqlite:///{Path(tmp) / 'control.db'}")
        control.upgrade()
        start = time.perf_counter()
        with control.session() as session:
            first = import_opt_outs(session, path)
        first_s = time.perf_counter() - start
        start = time.perf_counter()
        with control.session() as session:
            again = import_opt_outs(session, path)
        again_s = time.perf_counter() - start
        control.dispose()
    assert first.imported == again.already_in_force == len(numbers)
    return {
        "import_lines": len(numbers),
        "import_rows_per_second": round(len(numbers) / first_s),
        "reimport_rows_per_second": round(len(numbers) / again_s),
    }


def run(quick: bool) -> dict[str, Any]:
    size = 50_000 if quick else 1_000_000
    rng = random.Random(7)
    numbers = nhs_numbers(size)
    rows = choice_rows(numbers, rng)
    figures: dict[str, Any] = {"patients": size, "choice_versions": rows.num_rows}
    with tempfile.TemporaryDirectory() as tmp:
        control = ControlPlane(f"sqlite:///{Path(tmp) / 'control.db'}")
        control.upgrade()
        with control.session() as session:
            append(
                session,
                [
                    NewChoice(
                        r["nhs_number"],
                        r["kind"],
                        r["scope_type"],
                        r["scope"],
                        r["value"],
                        "import",
                        "bench",
                        r["effective_from"],
                    )
                    for r in rows.to_pylist()
                ],
                T0,
            )
        figures.update(bench_decisions(numbers, rows, control, 5_000 if quick else 20_000))
        patients = pa.array(numbers)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            table = compute(rows, "research", agreement="DARS-1", at=AT, patients=patients)
            times.append(time.perf_counter() - start)
        figures["snapshot_compute_seconds"] = round(min(times), 3)
        start = time.perf_counter()
        with control.session() as session:
            snap = take_snapshot(session, "research", agreement="DARS-1", at=AT, patients=patients)
        figures["snapshot_from_registry_seconds"] = round(time.perf_counter() - start, 3)
        figures["snapshot_seconds"] = figures["snapshot_from_registry_seconds"]
        figures["snapshot_target_seconds"] = 2.0
        figures["snapshot_rows"] = snap.table.num_rows
        figures["snapshot_deny_rows"] = snap.table.num_rows - snap.permit_count
        assert snap.table.equals(table)
        control.dispose()
    figures.update(bench_import(numbers[: 20_000 if quick else 200_000]))
    repeats = 3 if quick else 5
    uk_core = bench_join(numbers, snap.table, repeats, _UK_CORE)
    minimal = bench_join(numbers, snap.table, repeats, _MINIMAL)
    figures.update({f"query_{k}": v for k, v in uk_core.items()})
    figures["join_overhead_ratio"] = uk_core["ratio"]
    figures["join_overhead_ratio_minimal_patient"] = minimal["ratio"]
    figures["join_overhead_target_ratio"] = 1.2
    return figures
