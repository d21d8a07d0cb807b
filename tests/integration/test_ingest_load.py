"""Loading into the warehouse with the control plane on SQLite and PostgreSQL."""

from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select
from tests import fhirdata as fd
from tests.integration.ingest_helpers import run_load, snapshot

from caldicott.ingest.quarantine import Quarantine
from caldicott.ingest.tables import QuarantineRecord
from caldicott.store.control import ControlPlane


def test_load_accounts_for_every_record(control: ControlPlane, tmp_path: Path) -> None:
    data = fd.write_ndjson(
        tmp_path / "in" / "mixed.ndjson",
        [
            fd.patient("p1", 1),
            fd.observation("o1", "p1"),
            b"{oops",
            fd.patient("p2", 2, gender="x"),
        ],
    )
    result = run_load(control, tmp_path / "home", data)
    doc = result.as_dict()
    assert (doc["read"], doc["accepted"], doc["quarantined"]) == (4, 2, 2)
    assert doc["reasons"] == {"invalid-code": 1, "malformed-json": 1}
    assert doc["files"][0]["read"] == 4
    assert doc["types"]["Patient"] == {"read": 2, "accepted": 1, "quarantined": 1, "warnings": 0}
    listed = Quarantine(control, tmp_path / "home").records()
    assert sorted((r["number"], r["reason"]) for r in listed) == [
        (3, "malformed-json"),
        (4, "invalid-code"),
    ]


def test_loading_twice_changes_nothing(control: ControlPlane, tmp_path: Path) -> None:
    data = fd.write_ndjson(
        tmp_path / "in" / "a.ndjson",
        [fd.patient("p1", 1), fd.observation("o1", "p1"), fd.patient("p1", 1), b"[]"],
    )
    home = tmp_path / "home"
    run_load(control, home, data)
    first = snapshot(home)
    again = run_load(control, home, data).as_dict()
    assert snapshot(home) == first
    assert again["written"]["inserted"] == 0
    assert len(Quarantine(control, home).records()) == 1


def test_a_refused_record_seen_again_is_kept_once_a_place_and_marked_by_the_later_load(
    control: ControlPlane, tmp_path: Path
) -> None:
    # the same bytes on lines 1 and 3 are two records (their places differ); loading the
    # file again adds none and marks both as seen by the later load
    data = fd.write_ndjson(tmp_path / "in" / "a.ndjson", [b"{oops", fd.patient("p1", 1), b"{oops"])
    home = tmp_path / "home"
    first = run_load(control, home, data)
    again = run_load(control, home, data)
    assert (again.as_dict()["quarantined"], len(Quarantine(control, home).records())) == (2, 2)
    with control.session() as s:
        rows = s.execute(select(QuarantineRecord.load_id, QuarantineRecord.last_load_id)).all()
    assert [tuple(r) for r in rows] == [(first.load_id, again.load_id)] * 2


def test_newer_versions_replace_and_older_go_to_history(
    control: ControlPlane, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    v1 = fd.patient("p1", 1, meta={"versionId": "1", "lastUpdated": "2024-01-01T00:00:00Z"})
    v2 = fd.patient(
        "p1", 1, gender="male", meta={"versionId": "2", "lastUpdated": "2024-02-01T00:00:00Z"}
    )
    run_load(control, home, fd.write_ndjson(tmp_path / "v1.ndjson", [v1]))
    run_load(control, home, fd.write_ndjson(tmp_path / "v2.ndjson", [v2]))
    state = snapshot(home)
    assert [r[1] for r in state["Patient"]] == ["2"]
    assert [r[2] for r in state["history"]] == ["1"]
    run_load(control, home, tmp_path / "v1.ndjson")  # an older version arrives late
    assert snapshot(home) == state


def test_references_resolve_whatever_the_file_order(control: ControlPlane, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    fd.write_ndjson(
        folder / "a_observations.ndjson", [fd.observation(f"o{i}", f"p{i}") for i in range(30)]
    )
    fd.write_ndjson(
        folder / "b_encounters.ndjson", [fd.encounter(f"e{i}", f"p{i}") for i in range(30)]
    )
    fd.write_ndjson(folder / "c_patients.ndjson", [fd.patient(f"p{i}", i) for i in range(30)])
    doc = run_load(control, tmp_path / "home", folder, ingest_batch_size=7).as_dict()
    assert (doc["accepted"], doc["quarantined"]) == (90, 0)


def test_chains_of_unresolved_references_are_quarantined(
    control: ControlPlane, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    fd.write_ndjson(
        folder / "a.ndjson",
        [
            fd.observation("o1", "p1", encounter={"reference": "Encounter/e1"}),
            fd.encounter("e1", "ghost"),
            fd.patient("p1", 1),
        ],
    )
    doc = run_load(control, tmp_path / "home", folder, ingest_batch_size=2).as_dict()
    assert doc["reasons"] == {"dangling-reference": 2}
    assert doc["accepted"] == 1


def test_unresolved_references_can_be_warnings(control: ControlPlane, tmp_path: Path) -> None:
    data = fd.write_ndjson(tmp_path / "a.ndjson", [fd.observation("o1", "nobody")])
    doc = run_load(control, tmp_path / "home", data, unresolved_references="warn").as_dict()
    assert (doc["accepted"], doc["quarantined"], doc["warnings"]) == (1, 0, 1)
    assert doc["warning_codes"] == {"unresolved-reference": 1}


def test_references_resolve_against_the_warehouse(control: ControlPlane, tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_load(control, home, fd.write_ndjson(tmp_path / "p.ndjson", [fd.patient("p1", 1)]))
    doc = run_load(
        control, home, fd.write_ndjson(tmp_path / "o.ndjson", [fd.observation("o", "p1")])
    ).as_dict()
    assert doc["accepted"] == 1


@pytest.mark.parametrize("kind", ["collection", "transaction", "batch", "searchset"])
def test_bundles_load(control: ControlPlane, tmp_path: Path, kind: str) -> None:
    path = tmp_path / "b.json"
    path.write_bytes(orjson.dumps(fd.bundle(kind, [fd.observation("o", "a"), fd.patient("a")])))
    doc = run_load(control, tmp_path / "home", path).as_dict()
    assert (doc["read"], doc["accepted"]) == (2, 2)
    assert doc["files"][0]["kind"] == "json"


def test_a_searchsets_outcome_entries_are_noted_not_loaded(
    control: ControlPlane, tmp_path: Path
) -> None:
    """search.mode=outcome entries say how the search went: not records, but reported."""
    doc = fd.bundle("searchset", [fd.patient("a"), fd.observation("o", "a")])
    for issues in ([{"severity": "error", "code": "too-costly"}], [{"code": "x"}]):
        outcome = {"resourceType": "OperationOutcome", "issue": issues}
        doc["entry"].append({"resource": outcome, "search": {"mode": "outcome"}})
    doc["entry"].append(
        {"resource": {"resourceType": "OperationOutcome"}, "search": {"mode": "match"}}
    )
    path = tmp_path / "s.json"
    path.write_bytes(orjson.dumps(doc))
    result = run_load(control, tmp_path / "home", path).as_dict()
    assert (result["read"], result["accepted"], result["quarantined"]) == (3, 2, 1)
    [file] = result["files"]
    assert file["note"] == (
        "search outcome not loaded (OperationOutcome issues: 1 error, 1 unknown); "
        "the search that made this Bundle may be incomplete"
    )
    collection = dict(doc, type="collection")
    path.write_bytes(orjson.dumps(collection))
    again = run_load(control, tmp_path / "home2", path).as_dict()
    assert (again["read"], again["files"][0]["note"]) == (5, "")


def test_events_before_birth_are_warned(control: ControlPlane, tmp_path: Path) -> None:
    data = fd.write_ndjson(
        tmp_path / "a.ndjson",
        [
            fd.patient("p1", 1, birthDate="2021-01-01"),
            fd.observation("o1", "p1"),
        ],
    )
    doc = run_load(control, tmp_path / "home", data).as_dict()
    assert doc["warning_codes"] == {"implausible-date": 1}
    assert doc["types"]["Observation"]["warnings"] == 1


def test_quarantine_round_trip(control: ControlPlane, tmp_path: Path) -> None:
    home = tmp_path / "home"
    bad = fd.patient("p1", 1, identifier=[{"system": fd.NHS_SYSTEM, "value": "943 476 5919"}])
    data = fd.write_ndjson(tmp_path / "in.ndjson", [bad, b"{broken"])
    run_load(control, home, data)
    q = Quarantine(control, home)
    assert {r["reason"] for r in q.records()} == {"bad-nhs-number", "malformed-json"}
    out = tmp_path / "repair"
    files = q.export(out)
    assert sorted(p.name for p in files) == ["q1.ndjson", "q2.ndjson"]
    assert orjson.loads(files[0].read_bytes()) == bad  # the original bytes
    repaired = orjson.loads(files[0].read_bytes())
    repaired["identifier"][0]["value"] = "9434765919"
    files[0].write_bytes(orjson.dumps(repaired) + b"\n")
    files[1].write_bytes(fd.line(fd.patient("p2", 2)) + b"\n")
    doc = run_load(control, home, out).as_dict()
    assert (doc["accepted"], doc["quarantined"], doc["resolved_quarantine"]) == (2, 0, 2)
    assert q.records() == []
    assert {r["status"] for r in q.records(status="resolved")} == {"resolved"}


@pytest.mark.parametrize("kept", [0, 200_000])
def test_events_before_birth_are_warned_batches_later(
    control: ControlPlane, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: int
) -> None:
    """The birth date comes from the loader's memory or (none kept) the warehouse."""
    from caldicott.ingest import loader

    monkeypatch.setattr(loader, "BIRTHS_KEPT", kept)
    records = [fd.patient(f"p{i}", i, birthDate="2021-01-01") for i in range(5)]
    records += [fd.observation(f"o{i}", f"p{i % 5}") for i in range(7)]
    data = fd.write_ndjson(tmp_path / "a.ndjson", records)
    doc = run_load(control, tmp_path / "home", data, ingest_batch_size=2).as_dict()
    assert doc["warning_codes"] == {"implausible-date": 7}


def test_progress_counts_every_record(
    control: ControlPlane, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from caldicott.ingest import sources
    from caldicott.ingest.loader import Loader
    from caldicott.settings import Settings
    from caldicott.store.warehouse import DuckDBWarehouse

    monkeypatch.setattr(sources, "CHUNK", 64 * 1024)  # blocks of about 300 records
    n = 2_007
    records: list[dict[str, Any] | bytes] = [fd.patient(f"p{i}", i) for i in range(n)]
    records[10] = b"{not json"
    data = fd.write_ndjson(tmp_path / "p.ndjson", records)
    reports: list[float] = []
    s = Settings(home=tmp_path / "home")
    with DuckDBWarehouse(s.warehouse_path) as w:
        Loader(s, control, w, advance=reports.append).run([data])
    assert sum(reports) == n  # refused records too
    assert 5 < len(reports) < n / 100  # a block at a time, not a record


def test_a_validator_failure_costs_one_record_not_the_load(
    control: ControlPlane, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from caldicott.ingest.validate import engine

    # a broken structure definition makes the check itself fail on one record; the
    # compiled validator calls its functions directly, so the failure is put in its data
    monkeypatch.setitem(engine.SPECS, "Observation", object())  # type: ignore[arg-type]
    records = [fd.patient(f"p{i}", i) for i in range(3)] + [fd.observation("o1", "p1")]
    data = fd.write_ndjson(tmp_path / "a.ndjson", records)
    doc = run_load(control, tmp_path / "home", data, ingest_workers=1).as_dict()
    assert (doc["read"], doc["accepted"], doc["quarantined"]) == (4, 3, 1)
    assert doc["reasons"] == {"validator-failed": 1}
