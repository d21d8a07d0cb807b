"""The ingest, quarantine and quality commands end to end (control plane on both backends)."""

import os
from pathlib import Path

import pytest
from tests import fhirdata as fd


@pytest.fixture
def on_backend(control_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CALDICOTT_DATABASE_URL", control_url)
    return control_url


def test_ingest_json_summary_and_quarantine_commands(cli, on_backend, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = fd.write_ndjson(
        tmp_path / "in" / "a.ndjson",
        [
            fd.patient("p1", 1),
            fd.observation("o1", "p1"),
            fd.patient("p2", 2, birthDate="1970-02-30"),
        ],
    )
    result = cli("ingest", str(data), "--source", "gp-system", "--json")
    assert result.exit_code == 0, result.stderr
    doc = result.json()
    for key in ("read", "accepted", "quarantined", "warnings", "files", "types"):
        assert key in doc
    assert (doc["read"], doc["accepted"], doc["quarantined"]) == (3, 2, 1)
    assert doc["source"] == "gp-system"

    listing = cli("quarantine", "list", "--json").json()
    assert listing["count"] == 1
    [rec] = listing["records"]
    assert rec["reason"] == "impossible-date" and rec["number"] == 3
    shown = cli("quarantine", "show", str(rec["id"]), "--json").json()
    assert shown["reasons"][0]["path"] == "Patient.birthDate"
    assert cli("quarantine", "show", "999", "--json").exit_code == 4

    # into the data folder's exports/: the folder the hint names is read, though ingest
    # skips caldicott's own stores when it meets them inside a folder given
    out = Path(os.environ["CALDICOTT_HOME"]) / "exports"
    exported = cli("quarantine", "export", "--out", str(out), "--json").json()
    assert exported["count"] == 1
    (out / f"q{rec['id']}.ndjson").write_bytes(fd.line(fd.patient("p2", 2)) + b"\n")
    again = cli("ingest", str(out), "--json").json()
    assert again["resolved_quarantine"] == 1
    assert cli("quarantine", "list", "--json").json()["count"] == 0
    assert cli("quarantine", "list", "--status", "resolved", "--json").json()["count"] == 1

    report = cli("quality", "report", "--format", "json").json()
    assert report["totals"]["read"] == 4
    assert report["completeness"]["Patient"]["fields"]["NHS number"] == 100.0
    html = tmp_path / "q.html"
    made = cli(
        "quality",
        "report",
        "--format",
        "html",
        "--out",
        str(html),
        "--load",
        doc["load_id"],
        "--json",
    )
    assert made.exit_code == 0, made.stderr
    text = html.read_text()
    assert "<svg" in text and "<script" not in text
    assert cli("quality", "report", "--load", "nope").exit_code == 4


def test_human_output(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = fd.write_ndjson(tmp_path / "a.ndjson", [fd.patient("p1", 1), b"nope"])
    result = cli("ingest", str(data))
    assert result.exit_code == 0
    assert "Resource types" in result.stdout and "malformed-json" in result.stdout
    assert "quarantine list" in result.stdout
    assert "Quarantine" in cli("quarantine", "list").stdout


def test_human_output_says_why_a_file_gave_no_records(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    manifest = tmp_path / "manifest.json"
    manifest.write_text('{"transactionTime": "2026-01-01T00:00:00Z", "output": []}')
    result = cli("ingest", str(manifest))
    assert result.exit_code == 0
    assert f"{manifest}: a FHIR Bulk Data export manifest" in result.stdout


def test_a_missing_path_refuses_the_load_and_a_repeated_file_is_read_once(  # type: ignore[no-untyped-def]
    cli, on_backend, tmp_path: Path
) -> None:
    data = fd.write_ndjson(tmp_path / "in" / "a.ndjson", [fd.patient("p1", 1), {"x": 1}])
    refused = cli("ingest", str(data), str(tmp_path / "in" / "b.ndjson"), "--json")
    assert refused.exit_code == 4
    assert "b.ndjson" in refused.json()["error"]["detail"]
    assert cli("quality", "report", "--format", "json").json()["totals"]["read"] == 0

    twice = cli("ingest", str(data), str(tmp_path / "in"), str(data), "--json").json()
    assert (twice["read"], twice["accepted"], twice["quarantined"]) == (2, 1, 1)
    assert [f["path"] for f in twice["files"]] == [str(data)]
    assert cli("quarantine", "list", "--json").json()["count"] == 1


def test_the_warehouse_report_counts_each_file_once_however_often_loaded(  # type: ignore[no-untyped-def]
    cli, on_backend, tmp_path: Path
) -> None:
    a = fd.write_ndjson(
        tmp_path / "in" / "a.ndjson",
        [fd.patient("p1", 1), fd.patient("p2", 2, birthDate="1970-02-30")],
    )
    hot = fd.observation("o1", "p1", valueQuantity={"value": 900, "unit": "/min", "code": "/min"})
    fd.write_ndjson(tmp_path / "in" / "b.ndjson", [hot])
    for _ in range(3):
        assert cli("ingest", str(tmp_path / "in"), "--json").exit_code == 0
    report = cli("quality", "report", "--format", "json").json()
    assert report["loads"] == 3
    assert report["totals"] == {"read": 3, "accepted": 2, "quarantined": 1, "warnings": 1}
    assert report["validity"]["Patient"] == {
        "read": 2,
        "accepted": 1,
        "quarantined": 1,
        "warnings": 0,
        "valid_percent": 50.0,
    }
    assert report["quarantine_reasons"] == {"impossible-date": 1}
    assert report["plausibility"] == {"implausible-value": 1}

    fd.write_ndjson(a, [fd.patient("p1", 1), fd.patient("p2", 2)])  # repaired in place
    load = cli("ingest", str(a), "--json").json()
    report = cli("quality", "report", "--format", "json").json()
    assert report["totals"] == {"read": 3, "accepted": 3, "quarantined": 0, "warnings": 1}
    assert report["validity"]["Observation"]["read"] == 1  # b.ndjson: its earlier reading
    one = cli("quality", "report", "--format", "json", "--load", load["load_id"]).json()
    assert one["totals"] == {"read": 2, "accepted": 2, "quarantined": 0, "warnings": 0}
    assert "Observation" not in one["validity"]  # b.ndjson was not in that load


def test_a_file_is_known_by_its_absolute_path_however_it_was_named(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two sites' Patient.ndjson, each loaded from its own folder by a relative path, are
    two files; one file loaded by a relative path and then an absolute one is one."""
    for site, n in (("siteA", 2), ("siteB", 3)):
        folder = tmp_path / site
        fd.write_ndjson(folder / "Patient.ndjson", [fd.patient(f"{site}{i}", i) for i in range(n)])
        monkeypatch.chdir(folder)
        assert cli("ingest", "Patient.ndjson", "--json").json()["accepted"] == n
    report = cli("quality", "report", "--format", "json").json()
    assert report["totals"]["accepted"] == 5 == report["completeness"]["Patient"]["resources"]
    doc = cli("ingest", str(tmp_path / "siteB" / "Patient.ndjson"), "--json").json()
    assert doc["files"][0]["path"] == str(tmp_path / "siteB" / "Patient.ndjson")
    assert cli("quality", "report", "--format", "json").json()["totals"]["accepted"] == 5


def test_export_is_private_and_never_replaces_a_repair(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = fd.write_ndjson(tmp_path / "a.ndjson", [fd.patient("p1", 1), b"nope"])
    assert cli("ingest", str(data), "--json").json()["quarantined"] == 1
    out = tmp_path / "repair"
    [written] = cli("quarantine", "export", "--out", str(out), "--json").json()["files"]
    assert Path(written).stat().st_mode & 0o777 == 0o600  # patient-level data
    assert cli("quarantine", "export", "--out", str(out)).exit_code == 0  # unchanged: fine
    Path(written).write_bytes(fd.line(fd.patient("p2", 2)) + b"\n")  # a repair under way
    again = cli("quarantine", "export", "--out", str(out), "--json")
    assert again.exit_code == 5, again.stderr  # conflict: nothing replaced
    assert again.json()["error"]["extra"]["files"] == [Path(written).name]  # type: ignore[index]
    assert b"p2" in Path(written).read_bytes()
