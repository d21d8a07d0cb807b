"""Every defect listed in a ledger is caught with the right reason, one for one."""

import csv
from pathlib import Path

import orjson
import pytest
from tests import fhirdata as fd
from tests.integration.ingest_helpers import run_load
from tests.integration.ledger import mismatches, read_ledger

from caldicott.ingest.quarantine import Quarantine
from caldicott.settings import load_settings
from caldicott.store.control import ControlPlane


def _full(control: ControlPlane, home: Path) -> list[dict[str, object]]:
    q = Quarantine(control, home)
    return [q.show(r["id"]) for r in q.records(limit=100_000)]


def _crafted_export(folder: Path) -> Path:
    """A small export with one record of each defect kind, in synth's ledger format."""
    good = [fd.patient(f"p{i}", i) for i in range(5)]
    bad_json = fd.line(fd.observation("x1", "p0"))[:40]
    unknown = {**fd.condition("x2", "p1"), "resourceType": "Conditon"}
    wrong = fd.patient("x3", 9, birthDate=19700517)
    missing = fd.observation("x4", "p2")
    del missing["code"]
    nhs = fd.patient("x5", 10, identifier=[{"system": fd.NHS_SYSTEM, "value": "9434765918"}])
    dangling = fd.condition("x6", "ghost")
    date = fd.encounter("x7", "p3", period={"start": "2020-02-30T09:00:00Z"})
    code = fd.condition("x8", "p4")
    code["code"]["coding"][0]["code"] = "38341009"
    bad_id = fd.observation("bad id/x9", "p0")
    rows = [
        ("Patient.ndjson", [*good, wrong, nhs]),
        ("Observation.ndjson", [fd.observation("o1", "p0"), bad_json, missing, bad_id]),
        ("Condition.ndjson", [unknown, dangling, code, fd.condition("c1", "p2")]),
        ("Encounter.ndjson", [date]),
    ]
    ledger = [
        ("Patient.ndjson", 6, "Patient", "x3", "wrong-type"),
        ("Patient.ndjson", 7, "Patient", "x5", "bad-nhs-number"),
        ("Observation.ndjson", 2, "Observation", "x1", "malformed-json"),
        ("Observation.ndjson", 3, "Observation", "x4", "missing-required"),
        ("Observation.ndjson", 4, "Observation", "bad id/x9", "invalid-id"),
        ("Condition.ndjson", 1, "Condition", "x2", "unknown-resource-type"),
        ("Condition.ndjson", 2, "Condition", "x6", "dangling-reference"),
        ("Condition.ndjson", 3, "Condition", "x8", "invalid-code"),
        ("Encounter.ndjson", 1, "Encounter", "x7", "impossible-date"),
    ]
    for name, records in rows:
        fd.write_ndjson(
            folder / name, [r if isinstance(r, bytes) else orjson.dumps(r) for r in records]
        )
    with (folder / "defects.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "line", "resource_type", "id", "kind"])
        writer.writerows(ledger)
    return folder


def test_crafted_ledger_one_for_one(control: ControlPlane, tmp_path: Path) -> None:
    export = _crafted_export(tmp_path / "export")
    ledger = read_ledger(export / "defects.csv")
    assert {r["kind"] for r in ledger} == {
        "malformed-json",
        "unknown-resource-type",
        "wrong-type",
        "missing-required",
        "bad-nhs-number",
        "dangling-reference",
        "impossible-date",
        "invalid-code",
        "invalid-id",
    }
    home = tmp_path / "home"
    doc = run_load(control, home, export, ingest_batch_size=3).as_dict()
    assert doc["quarantined"] == len(ledger)
    assert mismatches(ledger, _full(control, home)) == []


@pytest.mark.slow
def test_synth_ledger_one_for_one(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    export = tmp_path / "export"
    made = cli(
        "synth",
        "--patients",
        "120",
        "--seed",
        "7",
        "--invalid-rate",
        "0.08",
        "--out",
        str(export),
        "--json",
    )
    if made.exit_code != 0 and "No such command" in made.stderr:
        pytest.skip("caldicott synth is not on this branch yet")
    assert made.exit_code == 0, made.stderr
    ledger = read_ledger(export / "defects.csv")
    assert len({r["kind"] for r in ledger}) == 9, "the sample should hold every defect kind"
    loaded = cli("ingest", str(export), "--json")
    assert loaded.exit_code == 0, loaded.stderr
    doc = loaded.json()
    assert doc["quarantined"] == len(ledger)
    assert doc["read"] == doc["accepted"] + doc["quarantined"]
    settings = load_settings()
    control = ControlPlane(settings.control_url)
    try:
        assert mismatches(ledger, _full(control, settings.home)) == []
    finally:
        control.dispose()
