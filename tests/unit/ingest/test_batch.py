"""Batches as columns: blocks' findings in slices, records held out, and the writer."""

from __future__ import annotations

import orjson
import pytest
from tests import fhirdata as fd

from caldicott.ingest import batch as batch_module
from caldicott.ingest.batch import Batch
from caldicott.ingest.examine import examine_block
from caldicott.ingest.reasons import reason
from caldicott.ingest.references import Pending
from caldicott.ingest.sources import Block
from caldicott.store.warehouse import Columns, DuckDBWarehouse


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
    assert [i for i, *_ in found.refused] == [3]
    lines = block.lines()
    texts = [lines[i] for i in found.accepted]
    for pos in found.trimmed:
        texts[pos] = texts[pos].strip()
    numbers = [block.number(i) for i in found.accepted]
    assert numbers == [10, 12, 14, 15]
    whole, sliced = Batch(), Batch()
    args = {"file": block.file, "numbers": numbers, "texts": texts, "export_id": None}
    whole.add_found(found, 0, 4, **args)
    for lo, hi in ((0, 1), (1, 3), (3, 4)):
        sliced.add_found(found, lo, hi, **args)
    assert whole == sliced
    assert whole.rids == ["p1", "o1", "o2", "c1"]
    assert whole.texts[1] == fd.line(fd.observation("o1", "p1"))  # spaces and CR gone
    assert whole.refs_of(0) == []
    assert ("Patient", "p1") in whole.refs_of(1)
    assert [whole.pending(n).refs for n in range(4)] == [whole.refs_of(n) for n in range(4)]


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
        [_doc(t, i, v) for t, i, v in records],
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
