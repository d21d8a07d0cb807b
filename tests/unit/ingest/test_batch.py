"""Batches as columns: blocks' findings in slices, records held out, and the writer."""

from __future__ import annotations

from pathlib import Path

import duckdb
import orjson
import pyarrow as pa
import pytest
from tests import fhirdata as fd

from caldicott.errors import IntegrityError
from caldicott.ingest import batch as batch_module
from caldicott.ingest.batch import Batch
from caldicott.ingest.examine import examine_block
from caldicott.ingest.reasons import reason
from caldicott.ingest.references import Pending
from caldicott.ingest.sources import Block
from caldicott.store.warehouse import Columns, DuckDBWarehouse, Texts


def _block() -> Block:
    lines = [
        fd.line(fd.patient("p1", 1)),
        b"",
        b"  " + fd.line(fd.observation("o1", "p1")) + b"\r",
        b"{broken",
        fd.line(fd.observation("o2", "p1")),
        fd.line(fd.condition("c1", "p1")),
    ]
    return Block("f.ndjson", 10, b"\n".join(lines))


def test_a_block_in_slices_makes_the_same_batch_as_whole() -> None:
    block = _block()
    found = examine_block(block)
    assert found.records == 5  # the blank line is no record
    buffer = block.buffer()
    ((index, start, end, *_),) = found.refused
    assert (index, buffer[start:end]) == (3, b"{broken")
    numbers = [block.number(i) for i in found.accepted]
    assert numbers == [10, 12, 14, 15]
    whole, sliced = Batch(), Batch()
    args = {"file": block.file, "numbers": numbers, "buffer": buffer, "export_id": None}
    whole.add_found(found, 0, 4, **args)
    for lo, hi in ((0, 1), (1, 3), (3, 4)):
        sliced.add_found(found, lo, hi, **args)
    assert whole == sliced
    assert whole.rids == ["p1", "o1", "o2", "c1"]
    assert whole.text(1) == fd.line(fd.observation("o1", "p1"))  # spaces and CR gone
    texts = whole.columns().texts
    assert [texts[n] for n in range(4)] == [whole.text(n) for n in range(4)]
    assert texts.arrow().to_pylist() == [whole.text(n).decode() for n in range(4)]
    assert whole.refs_of(0) == []
    assert ("Patient", "p1") in whole.refs_of(1)
    assert [whole.pending(n).refs for n in range(4)] == [whole.refs_of(n) for n in range(4)]


def test_a_bundle_block_places_its_records_in_the_joined_entries() -> None:
    entries = [fd.line(fd.patient("p1", 1)), b'{"resourceType": 1}', b"{\n}", b" [] "]
    block = Block("b.json", 0, b"", entries, [1, 2, 5, 9])
    found = examine_block(block)
    buffer = block.buffer()
    assert [buffer[s:e] for s, e in zip(found.starts, found.ends, strict=True)] == [entries[0]]
    assert [(block.number(i), buffer[s:e]) for i, s, e, *_ in found.refused] == [
        (2, entries[1]),
        (5, entries[2]),
        (9, entries[3]),
    ]


def test_texts_view_their_buffers_and_refuse_a_place_outside_them() -> None:
    a = b"xx" + fd.line(fd.patient("a", 1)) + b"\n" + fd.line(fd.patient("b", 2))
    b = fd.line(fd.observation("o", "a"))
    cut = a.index(b"\n")
    # several records a buffer, as in a load (buffers of a record or two are copied)
    k = 4
    texts = Texts([a, b], [0, 1, 0] * k, [2, 0, cut + 1] * k, [cut, len(b), len(a)] * k)
    expected = [a[2:cut], b, a[cut + 1 :]] * k
    array = texts.arrow()
    assert array.type == pa.json_(pa.string_view())  # DuckDB takes it as JSON, unparsed
    array.storage.validate(full=True)  # prefixes and bounds as Arrow requires
    assert array.to_pylist() == [t.decode() for t in expected]
    assert Texts.of(expected).arrow().to_pylist() == array.to_pylist()
    short = Texts.of([b"{}", b"[1]"])  # inline in a view: copied instead
    assert short.arrow().to_pylist() == ["{}", "[1]"]
    with pytest.raises(IntegrityError):
        Texts([a], [0], [0], [len(a) + 1]).arrow()
    with pytest.raises(IntegrityError):
        Texts([a], [1], [0], [20]).arrow()
    with pytest.raises(IntegrityError):
        Texts([a], [0], [30], [20]).arrow()


@pytest.mark.parametrize("few", [64, 0])
def test_records_taken_out_leave_the_rest_with_its_warnings(
    monkeypatch: pytest.MonkeyPatch, few: int
) -> None:
    monkeypatch.setattr(batch_module, "FEW", few)  # one by one, and in one pass
    w1 = [reason("implausible-date", "x")]
    records = [
        Pending("f", 1, "Patient", "a", None, None, b"{}", []),
        Pending("f", 2, "Observation", "b", None, None, b"{}", [("Patient", "a")], w1),
        Pending("f", 3, "Observation", "c", None, None, b"{}", [("Patient", "z")]),
        Pending("f", 4, "Observation", "d", None, None, b"{}", [("Patient", "a")], list(w1)),
    ]
    batch = Batch.of(records)
    assert [batch.pending(n) for n in range(4)] == records
    held = [batch.pending(0), batch.pending(2)]
    kept = batch.without({0, 2})
    assert held == [records[0], records[2]]
    assert kept.rids == ["b", "d"] and kept.numbers == [2, 4]
    assert kept.warnings == {0: w1, 1: w1}
    assert kept.ref_owner == kept.ref_type == kept.ref_id == []  # resolved: not needed


def _doc(rtype: str, rid: str, version: str) -> bytes:
    return orjson.dumps({"resourceType": rtype, "id": rid, "meta": {"versionId": version}})


def _columns(*records: tuple[str, str, str]) -> Columns:
    return Columns(
        [t for t, _, _ in records],
        [i for _, i, _ in records],
        [v for _, _, v in records],
        [None] * len(records),
        Texts.of([_doc(t, i, v) for t, i, v in records]),
    )


def test_the_writer_inserts_fresh_types_whole_and_compares_the_rest() -> None:
    with DuckDBWarehouse(None) as w:
        first = w.write_batch("l1", _columns(("Patient", "a", "1"), ("Patient", "b", "1")))
        assert first["Patient"].inserted == 2
        # Patient: one stored id again, newer (compared); Observation: new, but one id
        # twice in the batch (compared); Condition: new and unique (inserted whole)
        counts = w.write_batch(
            "l2",
            _columns(
                ("Patient", "a", "2"),
                ("Patient", "c", "1"),
                ("Observation", "o", "1"),
                ("Observation", "o", "2"),
                ("Condition", "k", "1"),
            ),
        )
        assert (counts["Patient"].inserted, counts["Patient"].replaced) == (1, 1)
        assert (counts["Observation"].inserted, counts["Observation"].older) == (1, 0)
        assert counts["Condition"].inserted == 1
        assert {t: w.count(t) for t in ("Patient", "Observation", "Condition")} == {
            "Patient": 3,
            "Observation": 1,
            "Condition": 1,
        }
        assert w.history_count("Patient") == 1 and w.history_count("Observation") == 1
        (text,) = list(w.iter_texts("Observation"))
        assert orjson.loads(text)["meta"]["versionId"] == "2"
        again = w.write_batch("l3", _columns(("Condition", "k", "1")))
        assert (again["Condition"].inserted, again["Condition"].unchanged) == (0, 1)


def test_texts_are_stored_as_json_exactly_and_bad_bytes_are_still_refused() -> None:
    spaced = b'{"resourceType": "Patient", "id": "s",  "gender": "other"}'
    with DuckDBWarehouse(None) as w:
        w.write_batch("l1", Columns(["Patient"], ["s"], [None], [None], Texts.of([spaced])))
        rows = w.conn.execute("SELECT typeof(resource), resource FROM fhir_Patient").fetchall()
        assert rows == [("JSON", spaced.decode())]  # the bytes as read, not re-serialised
        bad = Texts.of([b'{"resourceType":"Patient","id":"t","gender":"\xff"}'])
        with pytest.raises(duckdb.Error):
            w.write_batch("l2", Columns(["Patient"], ["t"], [None], [None], bad))
        assert w.count("Patient") == 1  # the failed batch left nothing behind


def test_stored_texts_are_compressed_with_zstandard(tmp_path: Path) -> None:
    # DuckDB's automatic choice for the texts cost twice the checkpoint and three times
    # the file; a DuckDB that ignored the column's compression would store them raw
    with DuckDBWarehouse(tmp_path / "w.duckdb") as w:
        w.write_batch("l1", _columns(*[("Patient", f"p{i}", "1") for i in range(3000)]))
        w.write_batch("l2", _columns(*[("Patient", f"p{i}", "2") for i in range(3000)]))
        w.conn.execute("CHECKPOINT")
        for table in ("fhir_Patient", "fhir_history"):
            used = w.conn.execute(
                "SELECT DISTINCT compression FROM pragma_storage_info(?) "
                "WHERE column_name = 'resource' AND segment_type <> 'VALIDITY'",
                [table],
            ).fetchall()
            assert {c for (c,) in used} == {"ZSTD"}, table
