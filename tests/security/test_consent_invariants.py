"""DESIGN invariants 3 and 4 for consent.

3. Where a patient's choices or the law say no for a purpose, none of that patient's data
   appears in any output for that purpose: a snapshot-joined query never returns them.
4. Deny by default, and every decision carries its reason.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import orjson
import pyarrow as pa
import pytest
from tests.consent_support import nhs_numbers

from caldicott.consent.decide import evaluate
from caldicott.consent.model import REASONS, ChoiceVersion
from caldicott.consent.purposes import vocabulary
from caldicott.consent.registry import new_choice, set_choice
from caldicott.consent.snapshot import (
    PATIENT_NHS_NUMBER_SQL,
    ROW_SCHEMA,
    Snapshot,
    compute,
    register,
    take_snapshot,
)
from caldicott.store.control import ControlPlane
from caldicott.store.warehouse import DuckDBWarehouse

T0 = datetime(2026, 1, 1, tzinfo=UTC)
AT = T0 + timedelta(days=30)
KINDS = ("national-opt-out", "type1-opt-out", "explicit-consent", "explicit-dissent")


def _population(seed: int, size: int) -> dict[str, list[ChoiceVersion]]:
    rng = random.Random(seed)
    out: dict[str, list[ChoiceVersion]] = {}
    next_id = 1
    for number in nhs_numbers(size):
        history = []
        for _ in range(rng.choice((0, 0, 1, 2, 3))):
            kind = rng.choice(KINDS)
            if kind.endswith("opt-out"):
                scope_type, scope = "all", "*"
            elif rng.random() < 0.5:
                scope_type, scope = "agreement", rng.choice(("DARS-1", "DARS-2"))
            else:
                scope_type, scope = "purpose", rng.choice(vocabulary().codes)
            when = T0 + timedelta(days=rng.randint(0, 40))
            value = "withdrawn" if rng.random() < 0.2 else "set"
            history.append(ChoiceVersion(next_id, kind, scope_type, scope, value, when, when))
            next_id += 1
        out[number] = history
    return out


def _rows(population: dict[str, list[ChoiceVersion]]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "nhs_number": n,
                "kind": v.kind,
                "scope_type": v.scope_type,
                "scope": v.scope,
                "value": v.value,
                "effective_from": v.effective_from,
                "recorded_at": v.recorded_at,
                "id": v.id,
            }
            for n, history in population.items()
            for v in history
        ],
        schema=ROW_SCHEMA,
    )


def _warehouse(numbers: list[str]) -> DuckDBWarehouse:
    wh = DuckDBWarehouse(None)
    table = wh.ensure_table("Patient")
    rows = [
        (
            f"p{i}",
            orjson.dumps(
                {
                    "resourceType": "Patient",
                    "id": f"p{i}",
                    "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": n}],
                }
            ).decode(),
        )
        for i, n in enumerate(numbers)
    ]
    wh.conn.executemany(f'INSERT INTO "{table}" (id, resource) VALUES (?, ?)', rows)
    return wh


def _released(wh: DuckDBWarehouse, table: pa.Table) -> set[str]:
    snap = Snapshot("s", "x", None, AT, False, "v", table, "h")
    name = register(wh.conn, snap, "consent_snapshot")
    rows = wh.conn.execute(
        f"SELECT {PATIENT_NHS_NUMBER_SQL} FROM fhir_Patient p JOIN {name} c "
        f"ON c.nhs_number = {PATIENT_NHS_NUMBER_SQL} AND c.decision = 'permit'"
    ).fetchall()
    return {r[0] for r in rows}


@pytest.mark.parametrize("anonymised", [False, True])
def test_denied_patients_never_appear_in_a_snapshot_joined_query(anonymised: bool) -> None:
    population = _population(seed=3, size=300)
    numbers = list(population)
    late = nhs_numbers(5, start=90_000)  # loaded after the snapshot was taken
    wh = _warehouse(numbers + late)
    rows = _rows(population)
    for code in vocabulary().codes:
        p = vocabulary().get(code)
        for agreement in (None, "DARS-1"):
            table = compute(
                rows, code, agreement=agreement, at=AT, anonymised=anonymised, patients=numbers
            )
            released = _released(wh, table)
            assert not released & set(late), "patients outside the snapshot must not pass"
            for number, history in population.items():
                d = evaluate(history, code, agreement=agreement, at=AT, anonymised=anonymised)
                assert (number in released) == d.permitted, (code, agreement, d.reason)
            if p.refused:
                assert released == set()
            opted = {
                n
                for n, h in population.items()
                if any(v.kind == "national-opt-out" and v.value == "set" for v in h)
                and evaluate(h, code, agreement=agreement, at=AT).reason == "national-opt-out"
            }
            if p.national_opt_out and not anonymised:
                assert not released & opted


def test_snapshot_from_the_registry_excludes_opted_out_patients(control: ControlPlane) -> None:
    a, b = nhs_numbers(2)
    with control.session() as s:
        change = new_choice(a, "national-opt-out", channel="app", actor="t", effective_from=T0)
        set_choice(s, change, recorded_at=T0)
        snap = take_snapshot(s, "research", at=AT, patients=[a, b])
    wh = _warehouse([a, b])
    assert _released(wh, snap.table) == {b}


def test_every_decision_carries_its_reason() -> None:
    population = _population(seed=11, size=120)
    for history in population.values():
        for code in vocabulary().codes:
            for agreement in (None, "DARS-2"):
                d = evaluate(history, code, agreement=agreement, at=AT)
                assert d.reason in REASONS
                doc = d.as_dict()
                assert doc["decision"] in ("permit", "deny") and doc["reason"]
                assert any(s["verdict"] == "satisfied" for s in doc["reason_chain"])
                assert {s["rule"] for s in doc["reason_chain"]} >= {
                    "refused-purpose",
                    "lawful-override",
                    "national-opt-out",
                    "default",
                }
