"""A quarantined record is its bytes at its place; each exported original reloads as one record.

The same bytes at two places (two files, two lines) are two quarantine records, so that no
place is lost; loading the same file again reuses its open records. ``export`` writes each
original so that loading it after repair reads it as the one record it was: a line of an
NDJSON file as one NDJSON line; a record from a ``.json`` file (a resource, a Bundle entry,
a file refused whole) verbatim as ``q<id>.json``, unless it is a Bundle entry that is a Bundle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select
from tests import fhirdata as fd
from tests.integration.ingest_helpers import run_load

from caldicott.ingest import loader
from caldicott.ingest.exports import exported_id
from caldicott.ingest.quarantine import Quarantine
from caldicott.ingest.tables import QuarantineRecord
from caldicott.store.control import ControlPlane

BAD_NHS = [{"system": fd.NHS_SYSTEM, "value": "943 476 5919"}]
GOOD_NHS = [{"system": fd.NHS_SYSTEM, "value": "9434765919"}]


def _places(q: Quarantine, status: str | None = "open") -> list[tuple[str, int, str]]:
    return sorted(
        (Path(r["file"]).name, r["number"], r["reason"]) for r in q.records(status=status)
    )


def _pretty(resource: dict[str, Any]) -> bytes:
    return orjson.dumps(resource, option=orjson.OPT_INDENT_2)


def _observation(status: str) -> bytes:
    """A pretty-printed Observation with a decimal that must keep its digits (1.10)."""
    text = (
        "{\n"
        '  "resourceType": "Observation",\n'
        '  "id": "o1",\n'
        f'  "status": "{status}",\n'
        '  "code": {"text": "pulse"},\n'
        '  "valueQuantity": {"value": 1.10, "unit": "/min"}\n'
        "}\n"
    )
    return text.encode()


# -- 1. the same bytes at another place are a record of their own ---------------------------


def test_the_same_bytes_in_two_files_are_two_records(control: ControlPlane, tmp_path: Path) -> None:
    home, src = tmp_path / "home", tmp_path / "in"
    fd.write_ndjson(src / "a.ndjson", [fd.patient("a1", 1), b"{}"])
    fd.write_ndjson(src / "b.ndjson", [fd.patient("b1", 2), b"{oops", b"{oops", b"x", b"{}"])
    first = run_load(control, home, src)
    q = Quarantine(control, home)
    assert first.as_dict()["quarantined"] == 5
    expected = [
        ("a.ndjson", 2, "unknown-resource-type"),
        ("b.ndjson", 2, "malformed-json"),
        ("b.ndjson", 3, "malformed-json"),
        ("b.ndjson", 4, "malformed-json"),
        ("b.ndjson", 5, "unknown-resource-type"),
    ]
    assert _places(q) == expected
    assert sum(q.counts().values()) == 5
    again = run_load(control, home, src)  # the same files again: the same records
    assert again.as_dict()["quarantined"] == 5
    assert _places(q) == expected
    assert (
        q.counts(again.load_id) == q.counts() == {"unknown-resource-type": 2, "malformed-json": 3}
    )
    with control.session() as s:
        loads = s.execute(select(QuarantineRecord.load_id, QuarantineRecord.last_load_id)).all()
    assert {tuple(r) for r in loads} == {(first.load_id, again.load_id)}


def test_a_file_loaded_again_whole_resolves_the_records_it_no_longer_holds(
    control: ControlPlane, tmp_path: Path
) -> None:
    """A line repaired in place has no (type, id) of its own to be found by (it was not
    JSON), so reading the same file again to the end is what resolves it; a record still
    refused there stays open, and a load of another file resolves nothing here."""
    home, src = tmp_path / "home", tmp_path / "in"
    bad_nhs = fd.patient("a2", 2, identifier=BAD_NHS)
    target = fd.write_ndjson(src / "a.ndjson", [fd.patient("a1", 1), b"{oops", bad_nhs])
    run_load(control, home, target)
    q = Quarantine(control, home)
    assert [(n, r) for _, n, r in _places(q)] == [(2, "malformed-json"), (3, "bad-nhs-number")]
    other = fd.write_ndjson(src / "b.ndjson", [fd.patient("b1", 4)])
    assert run_load(control, home, other).as_dict()["resolved_quarantine"] == 0
    assert len(_places(q)) == 2

    fd.write_ndjson(target, [fd.patient("a1", 1), fd.patient("a3", 3), bad_nhs])  # line 2 fixed
    doc = run_load(control, home, target).as_dict()
    assert (doc["accepted"], doc["quarantined"], doc["resolved_quarantine"]) == (2, 1, 1)
    assert _places(q) == [("a.ndjson", 3, "bad-nhs-number")]
    assert _places(q, "resolved") == [("a.ndjson", 2, "malformed-json")]

    fd.write_ndjson(target, [fd.patient("a1", 1), fd.patient("a3", 3)])  # the bad line deleted
    doc = run_load(control, home, target).as_dict()
    assert (doc["quarantined"], doc["resolved_quarantine"]) == (0, 1)
    assert q.records() == []


def test_every_place_is_listed_by_the_cli(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "in"
    fd.write_ndjson(src / "a.ndjson", [b"{}", b"[]"] * 4)
    fd.write_ndjson(src / "b.ndjson", [b"[]", b"{}"] * 4)
    doc = cli("ingest", str(src), "--json").json()
    listing = cli("quarantine", "list", "--json").json()
    assert doc["quarantined"] == listing["count"] == 16
    assert len({(r["file"], r["number"]) for r in listing["records"]}) == 16
    shown = cli("quarantine", "show", str(listing["records"][-1]["id"]), "--json").json()
    assert (Path(shown["file"]).name, shown["number"]) == ("b.ndjson", 8)


def test_unreadable_files_keep_a_record_each(
    control: ControlPlane, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = loader.read_blocks

    def locked(path: Path, kind: str, spill: Path) -> Any:
        if path.name.startswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real(path, kind, spill)

    monkeypatch.setattr(loader, "read_blocks", locked)
    src = tmp_path / "in"
    for name in ("locked1.ndjson", "locked2.ndjson"):
        fd.write_ndjson(src / name, [fd.patient("p1", 1)])
    home = tmp_path / "home"
    doc = run_load(control, home, src).as_dict()
    q = Quarantine(control, home)
    assert doc["quarantined"] == 2
    assert _places(q) == [
        ("locked1.ndjson", 0, "unreadable-file"),
        ("locked2.ndjson", 0, "unreadable-file"),
    ]


def test_large_originals_alike_share_one_stored_file(control: ControlPlane, tmp_path: Path) -> None:
    home, src = tmp_path / "home", tmp_path / "in"
    big = {"resourceType": "Nonesuch", "id": "big", "note": "y" * 70_000}  # over 64 KB
    fd.write_ndjson(src / "a.ndjson", [big])
    fd.write_ndjson(src / "b.ndjson", [fd.patient("p2", 2), big])
    run_load(control, home, src)
    q = Quarantine(control, home)
    assert _places(q) == [
        ("a.ndjson", 1, "unknown-resource-type"),
        ("b.ndjson", 2, "unknown-resource-type"),
    ]
    with control.session() as s:
        stored = set(s.scalars(select(QuarantineRecord.original_path)))
    assert len(stored) == 1 and None not in stored
    files = q.export(tmp_path / "out")
    assert [f.read_bytes() for f in files] == [fd.line(big)] * 2


def test_a_stored_original_cut_short_or_too_open_is_written_again(
    control: ControlPlane, tmp_path: Path
) -> None:
    """A load killed while it wrote a large original left part of it under the final
    name; trusting that file by its name alone lost the record's bytes for good. A file
    kept by an earlier version, readable by all, is made its owner's only."""
    import hashlib

    home, src = tmp_path / "home", tmp_path / "in"
    big = {"resourceType": "Nonesuch", "id": "big", "note": "y" * 70_000}
    data = fd.line(big)
    originals = home / "quarantine" / "originals"
    originals.mkdir(parents=True)
    stored = originals / f"{hashlib.sha256(data).hexdigest()}.bin"
    stored.write_bytes(data[: len(data) // 2])  # what the killed load left
    stored.chmod(0o644)
    fd.write_ndjson(src / "a.ndjson", [big])
    run_load(control, home, src)
    assert stored.read_bytes() == data
    assert stored.stat().st_mode & 0o777 == 0o600
    (exported,) = Quarantine(control, home).export(tmp_path / "out")
    assert exported.read_bytes() == data
    assert [p.name for p in originals.iterdir()] == [stored.name]  # no partial file left

    stored.chmod(0o644)  # whole, but kept by an earlier version
    fd.write_ndjson(src / "b.ndjson", [big])
    run_load(control, home, src / "b.ndjson")
    assert stored.stat().st_mode & 0o777 == 0o600


# -- 2. each exported original loads again as the one record it was -------------------------


def test_a_pretty_printed_resource_is_exported_verbatim_and_resolved_after_repair(
    control: ControlPlane, tmp_path: Path
) -> None:
    home, src, out = tmp_path / "home", tmp_path / "in", tmp_path / "repair"
    src.mkdir()
    (src / "obs.json").write_bytes(_observation("bogus"))
    run_load(control, home, src)
    q = Quarantine(control, home)
    assert _places(q) == [("obs.json", 1, "invalid-code")]
    (exported,) = q.export(out)
    assert exported.name == f"q{q.records()[0]['id']}.json"
    assert exported.read_bytes() == _observation("bogus")  # indentation, 1.10 and all
    # loaded unrepaired it is the same record again, one record, not one per line
    doc = run_load(control, home, out).as_dict()
    assert (doc["read"], doc["quarantined"], doc["resolved_quarantine"]) == (1, 1, 0)
    assert _places(q) == [("obs.json", 1, "invalid-code")]
    exported.write_bytes(exported.read_bytes().replace(b'"bogus"', b'"final"'))  # the repair
    doc = run_load(control, home, out).as_dict()
    assert (doc["accepted"], doc["quarantined"], doc["resolved_quarantine"]) == (1, 0, 1)
    assert q.records() == []
    assert _places(q, "resolved") == [("obs.json", 1, "invalid-code")]


def test_malformed_json_over_lines_is_never_split(control: ControlPlane, tmp_path: Path) -> None:
    home, src, out = tmp_path / "home", tmp_path / "in", tmp_path / "repair"
    src.mkdir()
    broken = _observation("final").replace(b'"id": "o1",', b'"id": "o1"')  # a comma lost
    (src / "broken.json").write_bytes(broken)
    run_load(control, home, src)
    q = Quarantine(control, home)
    (exported,) = q.export(out)
    assert exported.suffix == ".json" and exported.read_bytes() == broken
    doc = run_load(control, home, out).as_dict()
    assert (doc["read"], doc["quarantined"]) == (1, 1)
    assert _places(q) == [("broken.json", 1, "malformed-json")]
    exported.write_bytes(_observation("final"))
    doc = run_load(control, home, out).as_dict()
    assert (doc["accepted"], doc["resolved_quarantine"], q.records()) == (1, 1, [])


def test_an_invalid_bundle_is_exported_whole_and_its_entries_load_after_repair(
    control: ControlPlane, tmp_path: Path
) -> None:
    home, src, out = tmp_path / "home", tmp_path / "in", tmp_path / "repair"
    src.mkdir()
    bundle = fd.bundle("document", [fd.patient("p1", 1), fd.patient("p2", 2)])
    (src / "bundle.json").write_bytes(_pretty(bundle))
    run_load(control, home, src)
    q = Quarantine(control, home)
    assert _places(q) == [("bundle.json", 1, "invalid-bundle")]
    (exported,) = q.export(out)
    assert exported.suffix == ".json" and exported.read_bytes() == _pretty(bundle)
    exported.write_bytes(_pretty({**bundle, "type": "collection"}))
    doc = run_load(control, home, out).as_dict()
    assert (doc["accepted"], doc["quarantined"], doc["resolved_quarantine"]) == (2, 0, 1)
    assert q.records() == []


@pytest.mark.parametrize("family", ["Testperson", "Y" * 70_000], ids=["small", "over-64-KB"])
def test_bundle_entries_are_exported_as_one_record_each(
    control: ControlPlane, tmp_path: Path, family: str
) -> None:
    """Whether its original is kept in the database or (over 64 KB) in a file, an entry
    that is a Bundle is exported on one line: as written, its line breaks would split it."""
    home, src, out = tmp_path / "home", tmp_path / "in", tmp_path / "repair"
    src.mkdir()
    # Bundles as entries: a .json file of one would be unpacked, or refused as a Bundle
    named = [{"family": family, "given": ["Alex"]}]
    inner = [
        {**fd.bundle(kind, [fd.patient(f"p{n}", n, name=named)]), "id": f"../in{n}"}
        for n, kind in ((8, "collection"), (9, "document"))
    ]
    entries = [fd.patient("p1", 1), fd.patient("p2", 2, identifier=BAD_NHS), *inner]
    (src / "bundle.json").write_bytes(_pretty(fd.bundle("collection", entries)))
    run_load(control, home, src)
    q = Quarantine(control, home)
    assert _places(q) == [
        ("bundle.json", 2, "bad-nhs-number"),
        ("bundle.json", 3, "invalid-id"),
        ("bundle.json", 4, "invalid-id"),
    ]
    files = q.export(out)
    assert [f.suffix for f in files] == [".json", ".ndjson", ".ndjson"]
    exported = files[0].read_bytes()  # the entry's resource, as written in the Bundle
    assert orjson.loads(exported) == entries[1] and b"\n" in exported
    assert exported in (src / "bundle.json").read_bytes()
    for f, b in zip(files[1:], inner, strict=True):  # one line each, the same JSON
        [line] = f.read_bytes().splitlines()
        assert orjson.loads(line) == b and b"    " in line
    files[0].write_bytes(_pretty({**entries[1], "identifier": GOOD_NHS}))
    for f, b in zip(files[1:], inner, strict=True):
        f.write_bytes(fd.line({**b, "id": b["id"][3:]}) + b"\n")
    doc = run_load(control, home, out).as_dict()
    assert (doc["accepted"], doc["quarantined"], doc["resolved_quarantine"]) == (3, 0, 3)
    assert doc["types"]["Bundle"]["accepted"] == 2  # each inner Bundle, as one resource
    assert q.records() == []


def test_the_same_bytes_at_two_places_round_trip(control: ControlPlane, tmp_path: Path) -> None:
    home, src, out = tmp_path / "home", tmp_path / "in", tmp_path / "repair"
    fd.write_ndjson(src / "a.ndjson", [fd.patient("p1", 1), b"{}"])
    fd.write_ndjson(src / "b.ndjson", [b"{}"])
    run_load(control, home, src)
    q = Quarantine(control, home)
    files = q.export(out)
    assert [f.read_bytes() for f in files] == [b"{}\n", b"{}\n"]
    assert run_load(control, home, out).as_dict()["quarantined"] == 2  # unrepaired
    assert len(q.records()) == 2
    files[0].write_bytes(fd.line(fd.patient("p2", 2)) + b"\n")
    files[1].write_bytes(fd.line(fd.patient("p3", 3)) + b"\n")
    doc = run_load(control, home, out).as_dict()
    assert (doc["accepted"], doc["resolved_quarantine"], q.records()) == (2, 2, [])
    assert _places(q, "resolved") == [
        ("a.ndjson", 2, "unknown-resource-type"),
        ("b.ndjson", 1, "unknown-resource-type"),
    ]


def test_an_ndjson_repair_may_be_pretty_printed_as_json(
    control: ControlPlane, tmp_path: Path
) -> None:
    home, src, out = tmp_path / "home", tmp_path / "in", tmp_path / "repair"
    fd.write_ndjson(src / "a.ndjson", [b'{"resourceType": "Patient", "id": "p1",'])
    run_load(control, home, src)
    q = Quarantine(control, home)
    (exported,) = q.export(out)
    assert exported.suffix == ".ndjson"
    exported.unlink()  # resolved by its name alone: the record has no type or id known
    exported.with_suffix(".json").write_bytes(_pretty(fd.patient("p1", 1)))
    doc = run_load(control, home, out).as_dict()
    assert (doc["accepted"], doc["resolved_quarantine"], q.records()) == (1, 1, [])


def test_exported_names() -> None:
    assert [exported_id(n) for n in ("q7.ndjson", "dir/q12.json", "q7.ndjson.gz", "x7.json")] == [
        7,
        12,
        None,
        None,
    ]
