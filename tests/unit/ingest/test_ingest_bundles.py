"""Reading a Bundle entry by entry: each record is its resource's bytes as written."""

import json
import tracemalloc
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests import fhirdata as fd

from caldicott.ingest.bundles import NotFhir, read_json
from caldicott.ingest.outline import Malformed, outline
from caldicott.ingest.parse import parse_record


def _codes(path: Path) -> list[tuple[int, str | None]]:
    return [(r.number, r.problem.code if r.problem else None) for r in read_json(path)]


def test_entries_are_their_resources_as_written(tmp_path: Path) -> None:
    text = (
        '{"resourceType": "Bundle", "type": "collection", "entry": [\n'
        '  {"resource": {\n    "resourceType": "Observation", "id": "o",\n'
        '    "valueQuantity": {"value": 1.10, "unit": "mmol/L"}}},\n'
        '  {"fullUrl": "https://example.org/Patient/p", "resource": {"resourceType": "Patient",'
        ' "id": "p", "name": [{"family": "Ó Briain"}]}}\n]}'
    )
    path = tmp_path / "b.json"
    path.write_text(text, encoding="utf-8")
    first, second = read_json(path)
    assert b'"value": 1.10' in first.data
    assert first.data.decode() in text and second.data.decode() in text
    assert first.data.startswith(b"{\n    ") and first.data.endswith(b"}")
    assert orjson.loads(second.data)["name"][0]["family"] == "Ó Briain"


def test_a_bad_entry_is_refused_alone(tmp_path: Path) -> None:
    good = fd.line(fd.patient("p1")).decode()
    entries = [
        f'{{"resource": {good}}}',
        '{"resource": {"resourceType": "Patient", "id": "p2", "active": NaN}}',
        '{"resource": {"resourceType": "Patient", "id": "p3", "id": "p4"}}',
        f'{{"resource": {good}, "resource": {good}}}',
        '{"request": {"method": "GET"}}',
        "[1, 2]",
        '{"resource": {"resourceType": "Patient", "id": "p5", "gender": "\xff"}}',
    ]
    raw = ('{"resourceType":"Bundle","type":"batch","entry":[' + ",".join(entries) + "]}").encode(
        "latin-1"
    )
    path = tmp_path / "b.json"
    path.write_bytes(raw)
    records = list(read_json(path))
    assert [r.number for r in records] == [1, 2, 3, 4, 5, 6, 7]
    read = [(r.problem or parse_record(r.data)[1]) for r in records]
    assert [p.code if p else None for p in read] == [
        None,
        "not-a-number",
        "duplicate-key",
        "duplicate-key",
        "invalid-bundle",
        "invalid-bundle",
        "invalid-utf8",
    ]
    assert records[3].problem is not None and records[3].problem.path == "Bundle.entry[3]"
    assert records[6].data == raw[raw.rindex(b'{"resourceType"') : -3]  # the bad byte kept


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (
            b'{"resourceType":"Bundle","type":"batch","entry":[{"resource":{"id":"a"}',
            "malformed-json",
        ),
        (b'{"resourceType":"Bundle","type":"batch","entry":[],"type":"batch"}', "duplicate-key"),
        (b'{"resourceType":"Bundle","type":"batch","entry":[]} {}', "malformed-json"),
        (b'{"resourceType":"Bundle","type":"batch","entry":{}}', "invalid-bundle"),
        (b'{"resourceType":"Bundle","type":"history","entry":[]}', "invalid-bundle"),
        (
            b'{"resourceType":"Bundle","type":"batch","entry":[{"resource":'
            + b"[" * 5000
            + b"]" * 5000
            + b"}]}",
            "too-deeply-nested",
        ),
    ],
)
def test_a_bundle_that_cannot_be_read_entry_by_entry_is_refused_whole(
    tmp_path: Path, raw: bytes, code: str
) -> None:
    path = tmp_path / "b.json"
    path.write_bytes(raw)
    [record] = read_json(path)
    assert record.number == 1 and record.problem is not None
    assert record.problem.code == code


def test_single_resources_and_manifests(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(b'\xef\xbb\xbf{"resourceType": "Patient", "id": "a", "extra": [1.50]}')
    [record] = read_json(path)
    assert record.problem is None and record.data.endswith(b"[1.50]}")
    path.write_bytes(b'{"resourceType": "Patient", "id": "a", "id": "b"}')
    [record] = read_json(path)
    assert record.problem is not None and record.problem.code == "duplicate-key"
    path.write_bytes(orjson.dumps({"transactionTime": "2024", "request": "x", "output": []}))
    with pytest.raises(NotFhir):
        list(read_json(path))


def test_a_large_bundle_is_read_in_little_more_memory_than_its_size(tmp_path: Path) -> None:
    obs = [fd.observation(f"o{i}", f"p{i % 50}", note=[{"text": "x" * 200}]) for i in range(20_000)]
    path = tmp_path / "big.json"
    path.write_bytes(orjson.dumps(fd.bundle("collection", obs), option=orjson.OPT_INDENT_2))
    size = path.stat().st_size
    tracemalloc.start()
    count = sum(1 for _ in read_json(path))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 20_000
    # the bytes and their text (each ~the size), and one entry at a time; building the
    # Bundle as objects took ~25 times its size
    assert peak < 3 * size, (peak, size)


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(
    resources=st.lists(st.dictionaries(st.text(), _VALUES, max_size=4), max_size=4),
    extra=st.dictionaries(st.sampled_from(["id", "meta", "total", "link"]), _VALUES),
    indent=st.sampled_from([None, 1, 2, 4]),
    ascii_only=st.booleans(),
)
def test_outlined_spans_hold_exactly_each_resource(
    resources: list[dict[str, Any]], extra: dict[str, Any], indent: int | None, ascii_only: bool
) -> None:
    doc = {"resourceType": "Bundle", **extra, "type": "batch"}
    doc["entry"] = [{"fullUrl": f"urn:uuid:{i}", "resource": r} for i, r in enumerate(resources)]
    text = json.dumps(doc, indent=indent, ensure_ascii=ascii_only)
    shape = outline(text)
    assert shape.resource_type == "Bundle" and shape.bundle_type == "batch"
    assert shape.keys == set(doc) and shape.entries is not None
    assert [e.full_url for e in shape.entries] == [f"urn:uuid:{i}" for i in range(len(resources))]
    spans = [e.resource for e in shape.entries]
    assert all(span is not None for span in spans)
    assert [json.loads(text[a:b]) for a, b in spans if True] == resources  # type: ignore[misc]
    for entry, resource in zip(shape.entries, resources, strict=True):
        assert json.loads(text[entry.start : entry.end])["resource"] == resource


@pytest.mark.parametrize("text", ["", "[]", "{", '{"a" 1}', '{"a": 1,}', '{"a": 1} x', "{'a': 1}"])
def test_outline_refuses_text_that_is_not_an_object(text: str) -> None:
    with pytest.raises(Malformed):
        outline(text)
