"""Snapshots on SQLite and PostgreSQL, recorded with their hash, joined inside DuckDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import orjson
from sqlalchemy import select
from tests.consent_support import nhs_numbers

from caldicott.consent.decide import decide
from caldicott.consent.registry import new_choice, set_choice
from caldicott.consent.snapshot import (
    PATIENT_NHS_NUMBER_SQL,
    register,
    take_snapshot,
    warehouse_patient_numbers,
)
from caldicott.consent.tables import ConsentSnapshot
from caldicott.store.control import ControlPlane
from caldicott.store.warehouse import DuckDBWarehouse

NUMBERS = nhs_numbers(8)
T0 = datetime(2026, 1, 1, tzinfo=UTC)
LATER = T0 + timedelta(days=10)


def _history(control: ControlPlane) -> None:
    a, b, c, d, e, *_ = NUMBERS
    with control.session() as s:
        for number, kind, kw in (
            (a, "national-opt-out", {}),
            (b, "type1-opt-out", {}),
            (c, "explicit-dissent", {"purpose": "research"}),
            (d, "national-opt-out", {}),
            (d, "explicit-consent", {"agreement": "DARS-1"}),
            (e, "explicit-consent", {"purpose": "research"}),
        ):
            change = new_choice(number, kind, channel="gp", actor="t", effective_from=T0, **kw)  # type: ignore[arg-type]
            set_choice(s, change, recorded_at=T0)
    # A patient not yet in the warehouse keeps their choice: it applies when they arrive.
    with control.session() as s:
        late = nhs_numbers(1, start=5000)[0]
        change = new_choice(late, "national-opt-out", channel="app", actor="t", effective_from=T0)
        set_choice(s, change, recorded_at=T0)


def _warehouse(numbers: list[str]) -> DuckDBWarehouse:
    wh = DuckDBWarehouse(None)
    table = wh.ensure_table("Patient")
    for i, number in enumerate(numbers):
        resource = {
            "resourceType": "Patient",
            "id": f"p{i}",
            "identifier": [
                {"system": "https://example.org/local", "value": f"L{i}"},
                {
                    "system": "https://fhir.nhs.uk/Id/nhs-number",
                    "value": f"{number[:3]} {number[3:6]} {number[6:]}",
                },
            ],
        }
        wh.conn.execute(
            f'INSERT INTO "{table}" (id, resource) VALUES (?, ?)',
            [f"p{i}", orjson.dumps(resource).decode()],
        )
    return wh


def test_snapshot_matches_decide_and_is_recorded(control: ControlPlane) -> None:
    _history(control)
    with control.session() as s:
        snap = take_snapshot(s, "research", agreement="DARS-1", at=LATER, patients=NUMBERS)
        again = take_snapshot(s, "research", agreement="DARS-1", at=LATER, patients=NUMBERS)
        for row in snap.table.to_pylist():
            d = decide(s, row["nhs_number"], "research", agreement="DARS-1", at=LATER)
            assert (row["decision"], row["reason"]) == (d.decision, d.reason)
    assert snap.table.num_rows == len(NUMBERS) + 1
    assert snap.id != again.id and snap.content_hash == again.content_hash
    with control.session() as s:
        recorded = s.get(ConsentSnapshot, snap.id)
        assert recorded is not None
        assert (recorded.content_hash, recorded.row_count) == (snap.content_hash, 9)
        assert recorded.deny_count == 4  # two national, one type 1, one research dissent
        assert len(s.scalars(select(ConsentSnapshot)).all()) == 2
    with control.session() as s:
        other = take_snapshot(s, "research", at=LATER, patients=NUMBERS)
    assert other.content_hash != snap.content_hash  # d's project consent no longer counts


def test_snapshot_joins_inside_a_duckdb_query(control: ControlPlane) -> None:
    _history(control)
    late = nhs_numbers(1, start=5000)[0]
    wh = _warehouse([*NUMBERS, late])
    patients = warehouse_patient_numbers(wh.conn)
    assert sorted(patients.to_pylist()) == sorted([*NUMBERS, late])
    with control.session() as s:
        snap = take_snapshot(s, "national-planning", at=LATER, patients=patients)
    name = register(wh.conn, snap, "consent_snapshot")
    rows = wh.conn.execute(
        f"SELECT p.id FROM fhir_Patient p JOIN {name} c "
        f"ON c.nhs_number = {PATIENT_NHS_NUMBER_SQL} AND c.decision = 'permit' ORDER BY p.id"
    ).fetchall()
    # a (national), b (type 1), d (national) and the late arrival (national) are excluded.
    assert [r[0] for r in rows] == ["p2", "p4", "p5", "p6", "p7"]


def test_warehouse_without_patients() -> None:
    conn = duckdb.connect()
    assert len(warehouse_patient_numbers(conn)) == 0
