"""A load's quality report, and loads that never finished, say what they cover."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests import fhirdata as fd
from tests.integration.ingest_helpers import run_load

from caldicott.ingest import quality
from caldicott.ingest.tables import IngestLoad
from caldicott.store.control import ControlPlane
from caldicott.store.warehouse import DuckDBWarehouse


def _report(control: ControlPlane, home: Path, load_id: str | None = None) -> dict:  # type: ignore[type-arg]
    with DuckDBWarehouse(home / "warehouse.duckdb", read_only=True) as w:
        return quality.report(control, w, load_id)


def test_a_loads_open_quarantine_holds_what_it_refused_though_found_again_later(
    control: ControlPlane, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    data = fd.write_ndjson(tmp_path / "a.ndjson", [fd.patient("p1", 1), b"{oops"])
    first = run_load(control, home, data)
    again = run_load(control, home, data)  # the same record found open again
    for load in (first, again):
        assert _report(control, home, load.load_id)["quarantine_open"] == {
            "(unparsed)/malformed-json": 1
        }


def test_a_load_killed_before_it_ended_is_counted_as_unfinished(
    control: ControlPlane, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    run_load(control, home, fd.write_ndjson(tmp_path / "a.ndjson", [fd.patient("p1", 1)]))
    assert _report(control, home)["unfinished_loads"] == 0
    with control.session() as s:  # what a SIGKILLed load leaves, once the next one starts
        s.add(IngestLoad(id="killed", status="interrupted", started_at=datetime.now(UTC)))
    doc = _report(control, home)
    assert (doc["loads"], doc["unfinished_loads"], doc["totals"]["read"]) == (2, 1, 1)
    assert _report(control, home, "killed")["unfinished_loads"] == 1
    # the same command run again, as the report asks, ends it
    run_load(control, home, fd.write_ndjson(tmp_path / "a.ndjson", [fd.patient("p1", 1)]))
    assert _report(control, home)["unfinished_loads"] == 0
