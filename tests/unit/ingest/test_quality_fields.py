"""The quality report's completeness and timeliness read FHIR as it is written.

A custodian acts on these figures: a red bar for valid data (a blood-pressure panel's
values in its components) sends them after a problem that is not there, and a loose test
(any identifier mentioning the NHS system) hides one that is.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from caldicott.ingest.quality import completeness, timeliness
from caldicott.store.warehouse import DuckDBWarehouse

NHS = "https://fhir.nhs.uk/Id/nhs-number"
LOAD = "load1"


def _store(path: Path, resources: list[dict[str, Any]]) -> DuckDBWarehouse:
    store = DuckDBWarehouse(path)
    for res in resources:
        table = store.ensure_table(res["resourceType"])
        store.conn.execute(
            f'INSERT INTO "{table}" (id, load_id, resource) VALUES (?, ?, ?)',
            [res["id"], LOAD, orjson.dumps(res).decode()],
        )
    return store


def _patient(pid: str, **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, **extra}


def _observation(oid: str, **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": oid, "status": "final", **extra}


QUANTITY = {"value": 120, "unit": "mmHg", "code": "mm[Hg]"}


@pytest.fixture
def store(tmp_path: Path) -> Any:
    resources = [
        _patient("p1", identifier=[{"system": NHS, "value": "9434765919"}], name=[{"family": "A"}]),
        _patient("p2", identifier=[{"system": NHS}], name=[{}]),  # no value; an empty name
        _patient("p3", identifier=[{"system": "local", "value": "1", "type": {"text": NHS}}]),
        _patient("p4", name=[{"given": ["B"]}], address=[{}]),
        _observation("o1", valueQuantity=QUANTITY),
        _observation("o2", component=[{"code": {"text": "sys"}, "valueQuantity": QUANTITY}]),
        _observation("o3", valueInteger=3),
        _observation("o4", valueCodeableConcept={"text": "positive"}),
        _observation("o5", dataAbsentReason={"text": "not done"}),
        _observation("o6", valueQuantity={"value": 1}),  # a quantity with no unit code
        {
            "resourceType": "Condition",
            "id": "c1",
            "onsetDateTime": "2020",
            "recordedDate": "2021-03-04",
        },
        _observation("o7", effectiveDateTime="2020-03"),
    ]
    with _store(tmp_path / "w.duckdb", resources) as opened:
        yield opened


def test_key_fields_hold_a_value_of_their_kind(store: DuckDBWarehouse) -> None:
    found = completeness(store)
    patient = found["Patient"]["fields"]
    assert (patient["NHS number"], patient["name"], patient["address"]) == (25.0, 50.0, 0.0)
    observation = found["Observation"]["fields"]
    assert observation["value"] == round(100 * 5 / 7, 1)  # all but o5 and o7
    assert observation["unit"] == round(100 * 2 / 3, 1)  # of the quantities: o1, o2, not o6


def test_partial_dates_count_from_their_first_day(store: DuckDBWarehouse) -> None:
    found = timeliness(store, {LOAD: datetime(2026, 1, 1, tzinfo=UTC)})
    assert found["Condition"]["dated_resources"] == 1
    assert found["Condition"]["newest_event"] == "2020-01-01"  # onset first, as written
    assert found["Observation"]["dated_resources"] == 1
    assert found["Observation"]["newest_event"] == "2020-03-01"


def test_a_field_asked_of_none_is_left_out_not_shown_as_none_holding_it(tmp_path: Path) -> None:
    coded = [_observation(f"o{i}", valueCodeableConcept={"text": "x"}) for i in range(3)]
    with _store(tmp_path / "w.duckdb", coded) as store:
        fields = completeness(store)["Observation"]["fields"]
    assert "unit" not in fields and fields["value"] == 100.0
