"""Reading files: NDJSON, gzip (whole, multi-member, truncated), huge lines, Bundles."""

import gzip
import os
import tracemalloc
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests import fhirdata as fd

from caldicott.errors import NotFound
from caldicott.ingest.bundles import read_json
from caldicott.ingest.examine import split_lines
from caldicott.ingest.parse import MAX_RECORD_BYTES
from caldicott.ingest.sources import discover, read_ndjson


@given(st.lists(st.sampled_from([b"\n", b"\r", b" ", b"{}", b"x" * 40]), max_size=30))
def test_the_workers_split_of_a_block_is_its_lines(parts: list[bytes]) -> None:
    data = b"".join(parts)
    assert split_lines(data) == data.split(b"\n")


def test_lines_are_numbered_physically_and_blank_lines_skipped(tmp_path: Path) -> None:
    path = tmp_path / "a.ndjson"
    path.write_bytes(
        b"\xef\xbb\xbf" + fd.line(fd.patient("a")) + b"\r\n\n  \n" + fd.line(fd.patient("b"))
    )
    records = list(read_ndjson(path, "ndjson", tmp_path / "spill"))
    assert [r.number for r in records] == [1, 4]
    assert all(orjson.loads(r.data)["resourceType"] == "Patient" for r in records)


def test_gzip_multi_member(tmp_path: Path) -> None:
    path = tmp_path / "a.ndjson.gz"
    path.write_bytes(
        gzip.compress(fd.line(fd.patient("a")) + b"\n") + gzip.compress(fd.line(fd.patient("b")))
    )
    records = list(read_ndjson(path, "ndjson.gz", tmp_path))
    assert [orjson.loads(r.data)["id"] for r in records] == ["a", "b"]
    assert all(r.problem is None for r in records)


def test_truncated_gzip_keeps_what_came_before(tmp_path: Path) -> None:
    whole = gzip.compress(b"\n".join(fd.line(fd.patient(f"p{i}", i)) for i in range(200)))
    path = tmp_path / "cut.ndjson.gz"
    path.write_bytes(whole[: len(whole) * 2 // 3])
    records = list(read_ndjson(path, "ndjson.gz", tmp_path))
    assert records[-1].problem is not None and records[-1].problem.code == "truncated-gzip"
    good = records[:-1]
    assert good and all(r.problem is None for r in good)
    assert [r.number for r in records] == list(range(1, len(records) + 1))


def test_corrupt_gzip(tmp_path: Path) -> None:
    path = tmp_path / "bad.ndjson.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage-that-is-not-deflate")
    records = list(read_ndjson(path, "ndjson.gz", tmp_path))
    assert [r.problem.code for r in records if r.problem] == ["truncated-gzip"]


def test_a_50_mb_line_is_spilled_not_held(tmp_path: Path) -> None:
    path = tmp_path / "big.ndjson"
    with path.open("wb") as fh:
        fh.write(fd.line(fd.patient("before")) + b"\n")
        fh.write(b'{"resourceType":"Patient","id":"big","text":"')
        chunk = b"x" * (1 << 20)
        for _ in range(50):
            fh.write(chunk)
        fh.write(b'"}\n')
        fh.write(fd.line(fd.patient("after")) + b"\n")
    tracemalloc.start()
    records = list(read_ndjson(path, "ndjson", tmp_path / "spill"))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 3 * MAX_RECORD_BYTES  # bounded: never the whole 50 MB line
    assert [r.number for r in records] == [1, 2, 3]
    big = records[1]
    assert big.problem is not None and big.problem.code == "line-too-long"
    assert big.spill is not None and big.spill.stat().st_size == big.size > 50 * (1 << 20)
    assert records[2].problem is None


def test_discover_skips_unrelated_and_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    fd.write_ndjson(tmp_path / "data" / "Patient.ndjson", [fd.patient("a")])
    (tmp_path / "data" / "README.txt").write_text("notes")
    (tmp_path / "data" / "defects.csv").write_text("file,line\n")
    (tmp_path / "data" / ".hidden.ndjson").write_text("{}")
    (tmp_path / "data" / "gone.ndjson").symlink_to(tmp_path / "nowhere.ndjson")
    found, skipped = discover([tmp_path / "data"])
    assert [p.name for p, _ in found] == ["Patient.ndjson"]
    assert sorted((Path(s.path).name, s.note) for s in skipped) == [
        (".hidden.ndjson", "not a FHIR file type"),
        ("README.txt", "not a FHIR file type"),
        ("defects.csv", "not a FHIR file type"),
        ("gone.ndjson", "a link that leads nowhere"),
    ]


def test_discover_names_a_file_as_the_system_finds_it_through_links_and_dots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``data/../Patient.ndjson`` with ``data`` a link is the file beside the link's
    target: taking ``..`` out by text would name (and read) another file, or none."""
    (tmp_path / "real" / "sub").mkdir(parents=True)
    (tmp_path / "real" / "Patient.ndjson").write_text("{}\n")
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "data").symlink_to(tmp_path / "real" / "sub")
    (tmp_path / "work" / "Patient.ndjson").write_text("other\n")
    monkeypatch.chdir(tmp_path / "work")
    found, skipped = discover([Path("data/../Patient.ndjson")])
    assert skipped == [] and len(found) == 1
    assert found[0][0].is_absolute()
    assert found[0][0].resolve() == (tmp_path / "real" / "Patient.ndjson").resolve()


def test_discover_refuses_a_missing_path_before_reading(tmp_path: Path) -> None:
    fd.write_ndjson(tmp_path / "Patient.ndjson", [fd.patient("a")])
    with pytest.raises(NotFound, match=r"missing\.ndjson") as caught:
        discover([tmp_path / "Patient.ndjson", tmp_path / "missing.ndjson"])
    assert caught.value.detail == {"paths": [str(tmp_path / "missing.ndjson")]}


def test_discover_reads_a_file_reached_twice_once(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / "Patient.ndjson"
    fd.write_ndjson(path, [fd.patient("a")])
    (tmp_path / "alias.ndjson").symlink_to(path)
    given = [path, tmp_path / "in", tmp_path / "in" / ".." / "in" / "Patient.ndjson"]
    found, skipped = discover([*given, tmp_path / "alias.ndjson"])
    assert found == [(path, "ndjson")]
    assert skipped == []


def test_discover_reads_an_own_store_file_named_on_its_own(tmp_path: Path) -> None:
    store = tmp_path / "home" / "quarantine"
    store.mkdir(parents=True)
    fd.write_ndjson(store / "q1.ndjson", [fd.patient("a")])
    found, skipped = discover([tmp_path / "home"], exclude=[store])
    assert found == [] and [s.note for s in skipped] == ["caldicott's own store; not input"]
    found, skipped = discover([store / "q1.ndjson"], exclude=[store])
    assert found == [(store / "q1.ndjson", "ndjson")] and skipped == []


def test_discover_reads_an_own_store_folder_named_on_its_own(tmp_path: Path) -> None:
    """``caldicott quarantine export --out HOME/exports`` says to run ``caldicott ingest
    HOME/exports``: that folder, or one inside it, is read; met inside the data folder, not."""
    store = tmp_path / "home" / "exports"
    (store / "batch").mkdir(parents=True)
    fd.write_ndjson(store / "q1.ndjson", [fd.patient("a")])
    fd.write_ndjson(store / "batch" / "q2.ndjson", [fd.patient("b")])
    found, _ = discover([store], exclude=[store])
    assert found == [(store / "batch" / "q2.ndjson", "ndjson"), (store / "q1.ndjson", "ndjson")]
    found, _ = discover([store / "batch"], exclude=[store])
    assert found == [(store / "batch" / "q2.ndjson", "ndjson")]
    found, skipped = discover([tmp_path / "home"], exclude=[store])
    assert found == [] and len(skipped) == 2


@pytest.mark.parametrize("kind", ["collection", "transaction", "batch", "searchset"])
def test_each_bundle_type(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "b.json"
    path.write_bytes(orjson.dumps(fd.bundle(kind, [fd.patient("a"), fd.observation("o", "a")])))
    records = list(read_json(path))
    assert [r.number for r in records] == [1, 2]
    assert [orjson.loads(r.data)["resourceType"] for r in records] == ["Patient", "Observation"]


def test_bundle_urn_references_are_rewritten(tmp_path: Path) -> None:
    pat = fd.patient("11111111-2222-3333-4444-555555555555")
    del pat["id"]
    obs = fd.observation(
        "o", "x", subject={"reference": "urn:uuid:11111111-2222-3333-4444-555555555555"}
    )
    doc = fd.bundle(
        "transaction", [{**pat, "id": "11111111-2222-3333-4444-555555555555"}, obs], urn=True
    )
    del doc["entry"][0]["resource"]["id"]
    path = tmp_path / "t.json"
    path.write_bytes(orjson.dumps(doc))
    first, second = (orjson.loads(r.data) for r in read_json(path))
    assert first["id"] == "11111111-2222-3333-4444-555555555555"
    assert second["subject"]["reference"] == "Patient/11111111-2222-3333-4444-555555555555"


def test_rewriting_urn_references_keeps_the_rest_as_written(tmp_path: Path) -> None:
    """1.10 is not 1.1 in FHIR: a resource whose references are made global keeps every
    other byte, and one given its id from its fullUrl gains only that id."""
    text = (
        '{"resourceType": "Bundle", "type": "transaction", "entry": [\n'
        '  {"fullUrl": "urn:uuid:aa-1", "resource": {"resourceType": "Patient"}},\n'
        '  {"fullUrl": "urn:uuid:bb-2", "resource": {\n'
        '    "resourceType": "Observation", "id": "o1",\n'
        '    "subject": { "reference" : "urn:\\u0075uid:aa-1" },\n'
        '    "note": [{"text": "\\"reference\\": \\"urn:uuid:aa-1\\""}],\n'
        '    "valueQuantity": {"value": 1.10, "unit": "mmol/L"},\n'
        '    "performer": [{"reference": "Practitioner/x"}, {"reference": "urn:uuid:aa-1"}]}}\n'
        "]}"
    )
    path = tmp_path / "t.json"
    path.write_text(text, encoding="utf-8")
    patient, observation = read_json(path)
    assert patient.data == b'{"id":"aa-1","resourceType": "Patient"}'
    assert b'"value": 1.10' in observation.data
    assert observation.data.startswith(b'{\n    "resourceType": "Observation", "id": "o1",\n')
    obs = orjson.loads(observation.data)
    assert obs["subject"] == {"reference": "Patient/aa-1"}
    assert obs["note"][0]["text"] == '"reference": "urn:uuid:aa-1"'
    assert obs["performer"] == [{"reference": "Practitioner/x"}, {"reference": "Patient/aa-1"}]


def test_unsupported_bundles_and_bad_entries(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_bytes(orjson.dumps({"resourceType": "Bundle", "type": "document", "entry": []}))
    [rec] = list(read_json(path))
    assert rec.problem is not None and rec.problem.code == "invalid-bundle"
    path.write_bytes(
        orjson.dumps({"resourceType": "Bundle", "type": "batch", "entry": [{"request": {}}]})
    )
    [rec] = list(read_json(path))
    assert rec.problem is not None and rec.problem.code == "invalid-bundle"


def test_single_resource_json_and_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(fd.line(fd.patient("a")))
    [rec] = list(read_json(path))
    assert rec.number == 1 and rec.problem is None
    path.write_bytes(b"   \n")
    assert list(read_json(path)) == []
    empty = tmp_path / "e.ndjson"
    empty.write_bytes(b"")
    assert list(read_ndjson(empty, "ndjson", tmp_path)) == []


def test_exports_inside_the_data_folder_are_read_but_its_own_stores_are_not(
    tmp_path: Path,
) -> None:
    from caldicott.ingest.sources import own_stores

    home = tmp_path / "home"
    (home / "synthetic-export").mkdir(parents=True)
    (home / "synthetic-export" / "Patient.ndjson").write_text("{}\n")
    (home / "quarantine" / "originals").mkdir(parents=True)
    (home / "quarantine" / "originals" / "x.ndjson").write_text("{}\n")
    found, skipped = discover([home], exclude=own_stores(home))
    assert [p.name for p, _ in found] == ["Patient.ndjson"]
    assert any(r.path.endswith("x.ndjson") and "own store" in r.note for r in skipped), (
        "files in caldicott's own stores are reported as skipped"
    )


def test_a_fifo_is_skipped_never_read(tmp_path: Path) -> None:
    """Reading a FIFO waits for a writer that may never come: named or in a folder, it
    is listed as skipped."""
    folder = tmp_path / "in"
    folder.mkdir()
    fd.write_ndjson(folder / "a.ndjson", [fd.patient("a")])
    os.mkfifo(folder / "pipe.ndjson")
    found, skipped = discover([folder])
    assert found == [(folder / "a.ndjson", "ndjson")]
    assert [(Path(s.path).name, s.note) for s in skipped] == [("pipe.ndjson", "not a regular file")]
    found, skipped = discover([folder / "pipe.ndjson"])
    assert found == [] and [s.note for s in skipped] == ["not a regular file"]


def test_a_file_that_is_not_gzip_says_no_record_could_be_read(tmp_path: Path) -> None:
    path = tmp_path / "a.ndjson.gz"
    path.write_bytes(b'{"resourceType":"Patient","id":"a"}\n')
    [record] = list(read_ndjson(path, "ndjson.gz", tmp_path))
    assert record.problem is not None and record.problem.code == "truncated-gzip"
    assert "no record could be read" in record.problem.message
