"""Bad input never crashes a load or loses a record; each gets a clear reason."""

import gzip
from pathlib import Path

import orjson
from tests import fhirdata as fd


def _write_bad_inputs(folder: Path) -> dict[str, str]:
    """One file per kind of bad input; returns file name -> the reason expected."""
    folder.mkdir(parents=True)
    expect: dict[str, str] = {}

    whole = gzip.compress(b"\n".join(fd.line(fd.patient(f"g{i}", i)) for i in range(300)))
    (folder / "truncated.ndjson.gz").write_bytes(whole[: len(whole) // 2])
    expect["truncated.ndjson.gz"] = "truncated-gzip"

    (folder / "utf8.ndjson").write_bytes(
        b'{"resourceType":"Patient","id":"u","name":[{"family":"\xc3\x28"}]}\n'
    )
    expect["utf8.ndjson"] = "invalid-utf8"

    with (folder / "huge.ndjson").open("wb") as fh:
        fh.write(b'{"resourceType":"Patient","id":"huge","text":{"status":"generated","div":"')
        for _ in range(50):
            fh.write(b"y" * (1 << 20))
        fh.write(b'"}}\n')
    expect["huge.ndjson"] = "line-too-long"

    deep = b'{"resourceType":"Patient","id":"d","extension":' + b"[" * 200 + b"]" * 200 + b"}"
    (folder / "deep.ndjson").write_bytes(deep + b"\n")
    expect["deep.ndjson"] = "too-deeply-nested"

    (folder / "dup.ndjson").write_bytes(b'{"resourceType":"Patient","id":"a","id":"b"}\n')
    expect["dup.ndjson"] = "duplicate-key"

    (folder / "nan.ndjson").write_bytes(
        b'{"resourceType":"Observation","id":"n","status":"final","code":{"text":"x"},'
        b'"valueQuantity":{"value":NaN}}\n'
    )
    expect["nan.ndjson"] = "not-a-number"

    fd.write_ndjson(
        folder / "strnum.ndjson", [fd.observation("s", "p", valueQuantity={"value": "72"})]
    )
    expect["strnum.ndjson"] = "wrong-type"

    fd.write_ndjson(folder / "pathid.ndjson", [fd.patient("../../etc/passwd")])
    expect["pathid.ndjson"] = "invalid-id"
    fd.write_ndjson(folder / "sqlid.ndjson", [fd.patient("x'); DROP TABLE fhir_Patient; --")])
    expect["sqlid.ndjson"] = "invalid-id"

    spaced = fd.patient("sp", identifier=[{"system": fd.NHS_SYSTEM, "value": "943 476 5919"}])
    fd.write_ndjson(folder / "nhs_spaces.ndjson", [spaced])
    expect["nhs_spaces.ndjson"] = "bad-nhs-number"
    arabic = fd.patient("ar", identifier=[{"system": fd.NHS_SYSTEM, "value": "٩٤٣٤٧٦٥٩١٩"}])
    fd.write_ndjson(folder / "nhs_digits.ndjson", [arabic])
    expect["nhs_digits.ndjson"] = "bad-nhs-number"

    (folder / "empty.ndjson").write_bytes(b"")
    (folder / "notes.txt").write_text("not FHIR")
    (folder / "export.csv").write_text("a,b\n")
    return expect


def test_every_bad_input_has_its_reason(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "bad"
    expect = _write_bad_inputs(folder)
    result = cli("ingest", str(folder), "--json")
    assert result.exit_code == 0, result.stderr
    doc = result.json()
    assert doc["read"] == doc["accepted"] + doc["quarantined"]
    files = {Path(f["path"]).name: f for f in doc["files"]}
    assert files["empty.ndjson"]["status"] == "empty"
    assert files["notes.txt"]["status"] == "skipped"
    assert files["export.csv"]["status"] == "skipped"
    for f in doc["files"]:
        assert f["read"] == f["accepted"] + f["quarantined"]
        # a file with records is never reported empty, even when its records were still
        # pending in an unflushed batch when the next file began
        assert (f["status"] == "empty") == (f["read"] == 0 and f["status"] != "skipped"), f
    listing = cli("quarantine", "list", "--json", "--limit", "100").json()
    by_file: dict[str, set[str]] = {}
    for rec in listing["records"]:
        by_file.setdefault(Path(rec["file"]).name, set()).add(rec["reason"])
    for name, reason in expect.items():
        assert reason in by_file.get(name, set()), (
            f"{name}: expected {reason}, got {by_file.get(name)}"
        )
    assert files["truncated.ndjson.gz"]["accepted"] > 0  # lines before the cut are kept
    # the huge original is kept whole in the data folder, not in the database
    huge = next(r for r in listing["records"] if Path(r["file"]).name == "huge.ndjson")
    shown = cli("quarantine", "show", str(huge["id"]), "--json").json()
    assert shown["original_stored"] == "file" and shown["size"] > 50 * (1 << 20)


def test_warehouse_tables_survive_sql_characters(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = fd.write_ndjson(
        tmp_path / "a.ndjson",
        [fd.patient("ok", 1), fd.patient("x'); DROP TABLE fhir_Patient; --", 2)],
    )
    assert cli("ingest", str(data), "--json").exit_code == 0
    doc = cli("ingest", str(data), "--json").json()
    assert doc["accepted"] == 1
    assert orjson.loads(orjson.dumps(doc))["written"]["unchanged"] == 1


def test_files_with_records_are_never_reported_empty(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "small"
    folder.mkdir()
    (folder / "a.ndjson").write_text('{"resourceType":"Patient","id":"p1","gender":"female"}\n')
    (folder / "b.ndjson").write_text('{"resourceType":"Patient","id":"p2","gender":"male"}\n')
    doc = cli("ingest", str(folder), "--json").json()
    assert doc["accepted"] == 2
    assert {Path(f["path"]).name: f["status"] for f in doc["files"]} == {
        "a.ndjson": "read",
        "b.ndjson": "read",
    }


def test_a_repaired_truncated_file_resolves_its_record(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A file-level problem has no resource to be accepted again; reading the same file
    to the end (repaired) resolves it, and only it."""
    folder = tmp_path / "in"
    folder.mkdir()
    whole = gzip.compress(b"\n".join(fd.line(fd.patient(f"g{i}", i)) for i in range(300)))
    target = folder / "export.ndjson.gz"
    target.write_bytes(whole[: len(whole) // 2])
    other = folder / "other.ndjson.gz"
    other.write_bytes(whole[: len(whole) // 3])
    first = cli("ingest", str(folder), "--json").json()
    assert first["quarantined"] == 2
    assert cli("quarantine", "list", "--json").json()["count"] == 2

    target.write_bytes(whole)  # the custodian fetches the export again
    again = cli("ingest", str(target), "--json").json()
    assert again["quarantined"] == 0 and again["resolved_quarantine"] == 1
    [left] = cli("quarantine", "list", "--json").json()["records"]
    assert Path(left["file"]).name == "other.ndjson.gz"  # still truncated, still open

    # a load that is itself cut short resolves nothing
    other.write_bytes(whole[: len(whole) // 4])
    assert cli("ingest", str(other), "--json").json()["resolved_quarantine"] == 0


def test_listing_a_load_shows_the_records_it_found_again(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "in" / "export.ndjson"
    target.parent.mkdir()
    target.write_bytes(b"\n".join([fd.line(fd.patient("p1", 1)), b"not json", b"nor this"]))
    assert cli("ingest", str(target), "--json").json()["quarantined"] == 2
    unchanged = cli("ingest", str(target), "--json").json()  # the same file again
    listed = cli("quarantine", "list", "--load", unchanged["load_id"], "--json").json()
    assert unchanged["quarantined"] == listed["count"] == 2  # what it refused, found again
