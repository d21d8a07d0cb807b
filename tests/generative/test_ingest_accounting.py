"""Property: for any mixture of valid and defective records in any files, every record read
is either accepted or quarantined, per file and per type, and defects are never accepted."""

from __future__ import annotations

import gzip
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests import fhirdata as fd

from caldicott.ingest.loader import Loader
from caldicott.settings import Settings
from caldicott.store.control import ControlPlane
from caldicott.store.warehouse import DuckDBWarehouse

Defect = Callable[[dict[str, Any]], bytes]


def _dumps(res: dict[str, Any]) -> bytes:
    return orjson.dumps(res)


DEFECTS: dict[str, Defect] = {
    "malformed": lambda r: _dumps(r)[:-3],
    "utf8": lambda r: _dumps(r)[:-2] + b'\xff"}',
    "nan": lambda r: _dumps(r).replace(b'"resourceType"', b'"x":NaN,"resourceType"', 1),
    "duplicate": lambda r: _dumps(r).replace(b'"resourceType"', b'"id":"z","resourceType"', 1),
    "unknown-type": lambda r: _dumps({**r, "resourceType": "Patientish"}),
    "bad-id": lambda r: _dumps({**r, "id": "a/../b"}),
    "no-id": lambda r: _dumps({k: v for k, v in r.items() if k != "id"}),
    "bad-date": lambda r: _dumps({**r, "birthDate": "2001-02-29"}),
    "bad-nhs": lambda r: _dumps(
        {**r, "identifier": [{"system": fd.NHS_SYSTEM, "value": "123 456 7890"}]}
    ),
    "wrong-type": lambda r: _dumps({**r, "gender": 1}),
}

record = st.one_of(
    st.tuples(st.just("ok"), st.integers(0, 10_000)),
    st.tuples(st.sampled_from(sorted(DEFECTS)), st.integers(0, 10_000)),
)
files = st.lists(
    st.tuples(
        st.sampled_from(["ndjson", "ndjson.gz", "json"]),
        st.lists(record, min_size=0, max_size=12),
    ),
    min_size=1,
    max_size=3,
)


@pytest.fixture(scope="module")
def plane(tmp_path_factory: pytest.TempPathFactory) -> ControlPlane:
    cp = ControlPlane(f"sqlite:///{tmp_path_factory.mktemp('cp') / 'control.db'}")
    cp.upgrade()
    return cp


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout=files, batch=st.integers(1, 7))
def test_read_equals_accepted_plus_quarantined(
    plane: ControlPlane, layout: list[tuple[str, list[tuple[str, int]]]], batch: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        expected_bad = 0
        expected_read = 0
        for n, (kind, records) in enumerate(layout):
            lines: list[bytes] = []
            resources: list[dict[str, Any]] = []
            for i, (what, seed) in enumerate(records):
                res = fd.patient(f"f{n}r{i}s{seed}", seed)
                if what == "ok":
                    lines.append(_dumps(res))
                    resources.append(res)
                else:
                    lines.append(DEFECTS[what](res))
                    expected_bad += 1
            path = root / "in" / f"file{n}.{kind}"
            path.parent.mkdir(parents=True, exist_ok=True)
            body = b"\n".join(lines) + b"\n"
            if kind == "json":
                # a Bundle carries only well-formed JSON, so only valid resources go in it
                expected_bad -= len(lines) - len(resources)
                path.write_bytes(orjson.dumps(fd.bundle("collection", resources)))
                expected_read += len(resources)
            else:
                path.write_bytes(gzip.compress(body) if kind == "ndjson.gz" else body)
                expected_read += len(lines)
        s = Settings(home=root / "home", ingest_batch_size=batch)
        with DuckDBWarehouse(s.warehouse_path) as w:
            result = Loader(s, plane, w).run([root / "in"])
            stored = sum(w.count(t) for t in w.resource_types())
        doc = result.as_dict()
        assert doc["read"] == doc["accepted"] + doc["quarantined"] == expected_read
        assert doc["quarantined"] == expected_bad
        assert stored == doc["accepted"]
        for f in doc["files"]:
            assert f["read"] == f["accepted"] + f["quarantined"]
        for c in doc["types"].values():
            assert c["read"] == c["accepted"] + c["quarantined"]
