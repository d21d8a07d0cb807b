"""Which version of a resource is current: the order of versions, ties, and what a load
of versions resolves in the quarantine."""

import random
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests import fhirdata as fd
from tests.integration.ingest_helpers import run_load, snapshot

from caldicott.ingest.quarantine import Quarantine
from caldicott.store.control import ControlPlane
from caldicott.store.warehouse import Columns, DuckDBWarehouse, Texts


def _meta(version: str | None = None, updated: str | None = None) -> dict[str, Any]:
    meta = {"versionId": version, "lastUpdated": updated}
    return {"meta": {k: v for k, v in meta.items() if v is not None}}


def _written(doc: dict[str, Any]) -> dict[str, int]:
    """What a load did to the warehouse, without the zero counts."""
    return {k: n for k, n in doc["written"].items() if n}


def _current(home: Path, rid: str = "p1") -> tuple[Any, ...]:
    (row,) = [r for r in snapshot(home)["Patient"] if r[0] == rid]
    return row


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        # fractional seconds: .500 is after the whole second (as text, "." < "Z")
        ({"updated": "2024-01-01T10:00:00Z"}, {"updated": "2024-01-01T10:00:00.500Z"}),
        # offsets: 10:00+02:00 is 08:00Z, before 09:00Z
        ({"updated": "2024-01-01T10:00:00+02:00"}, {"updated": "2024-01-01T09:00:00Z"}),
        ({"updated": "2024-01-01T23:30:00-05:00"}, {"updated": "2024-01-02T05:00:00+00:00"}),
        # the same versionId: the instant decides, to the last fractional digit
        (
            {"version": "1", "updated": "2024-01-01T10:00:00.1234567891Z"},
            {"version": "1", "updated": "2024-01-01T10:00:00.12345678911+00:00"},
        ),
        # a version without lastUpdated is compared by its versionId, as a number
        ({"version": "9", "updated": "2024-01-01T09:00:00Z"}, {"version": "10"}),
        ({"version": "9"}, {"version": "10", "updated": "2024-01-01T09:00:00Z"}),
        ({"version": "9"}, {"version": "10"}),
    ],
)
@pytest.mark.parametrize("newer_first", [False, True])
def test_the_newer_version_is_current_whatever_the_order_of_loads(
    control: ControlPlane,
    tmp_path: Path,
    older: dict[str, str],
    newer: dict[str, str],
    newer_first: bool,
) -> None:
    home = tmp_path / "home"
    old = fd.write_ndjson(tmp_path / "old.ndjson", [fd.patient("p1", 1, **_meta(**older))])
    new = fd.write_ndjson(
        tmp_path / "new.ndjson", [fd.patient("p1", 1, gender="male", **_meta(**newer))]
    )
    first, second = (new, old) if newer_first else (old, new)
    run_load(control, home, first)
    doc = run_load(control, home, second).as_dict()
    assert _written(doc) == ({"older": 1} if newer_first else {"replaced": 1})
    state = snapshot(home)
    assert [orjson.loads(r[3])["gender"] for r in state["Patient"]] == ["male"]
    assert [orjson.loads(r[3])["gender"] for r in state["history"]] == ["female"]
    again = run_load(control, home, old, new, ingest_batch_size=1).as_dict()
    assert snapshot(home) == state
    assert _written(again) == {"older": 1, "unchanged": 1}


def test_the_same_instant_written_differently_is_one_instant(
    control: ControlPlane, tmp_path: Path
) -> None:
    # equal instants fall through to the content: whichever sorts last is current (here
    # "other", the gender being the first difference), in any order of arrival
    spellings = [
        "2024-01-01T10:00:00Z",
        "2024-01-01T10:00:00.000+00:00",
        "2024-01-01T12:00:00+02:00",
    ]
    records = [
        fd.patient("p1", 1, gender=g, **_meta("1", u))
        for g, u in zip(["other", "male", "female"], spellings, strict=True)
    ]
    for n, order in enumerate([records, records[::-1]]):
        home = tmp_path / f"home{n}"
        for k, record in enumerate(order):
            run_load(control, home, fd.write_ndjson(tmp_path / f"{n}-{k}.ndjson", [record]))
        assert orjson.loads(_current(home)[3])["gender"] == "other"
        assert len(snapshot(home)["history"]) == 2


@pytest.mark.parametrize("batch_size", [1, 50_000])
def test_two_unversioned_contents_of_one_id_settle_and_reloading_changes_nothing(
    control: ControlPlane, tmp_path: Path, batch_size: int
) -> None:
    # no versionId, no lastUpdated: whichever content sorts last is current, whatever the
    # order of arrival and however the records fall in batches
    a, b = fd.patient("p1", 1), fd.patient("p1", 1, gender="male")
    forward = fd.write_ndjson(tmp_path / "ab.ndjson", [a, b])
    backward = fd.write_ndjson(tmp_path / "ba.ndjson", [b, a])
    home = tmp_path / "home"
    run_load(control, home, forward, ingest_batch_size=batch_size)
    state = snapshot(home)
    assert len(state["history"]) == 1
    for _ in range(2):
        doc = run_load(control, home, forward, ingest_batch_size=batch_size).as_dict()
        assert snapshot(home) == state
        assert set(_written(doc)) <= {"unchanged", "older"}
    run_load(control, tmp_path / "other", backward, ingest_batch_size=batch_size)
    assert snapshot(tmp_path / "other") == state
    with DuckDBWarehouse(home / "warehouse.duckdb", read_only=True) as w:
        assert w.history_count() == 1


#: Versions of one id: some whose versionId and lastUpdated disagree, two with neither,
#: an opaque versionId, a lastUpdated that is not an instant, and two newest ones alike
#: but for their content.
VERSIONS: list[tuple[str | None, str | None]] = [
    ("1", "2024-01-01T10:00:00Z"),
    ("2", "2024-01-01T09:00:00Z"),
    ("3", None),
    (None, "2024-01-01T11:00:00.25+01:00"),
    (None, None),
    (None, None),
    ("abc", "2024-01-01T10:00:00.5Z"),
    ("4", "1 Jan 2024"),
    ("04", "2024-01-01T10:00:00Z"),
    ("5", "2025-01-01T00:00:00Z"),
    ("5", "2025-01-01T00:00:00Z"),
]


def _columns(versions: list[tuple[int, tuple[str | None, str | None]]]) -> Columns:
    texts = [orjson.dumps({"resourceType": "Patient", "id": "p", "n": n}) for n, _ in versions]
    return Columns(
        ["Patient"] * len(versions),
        ["p"] * len(versions),
        [v for _, (v, _u) in versions],
        [u for _, (_v, u) in versions],
        Texts.of(texts),
    )


def test_the_order_of_versions_is_total_whatever_the_arrival() -> None:
    numbered = list(enumerate(VERSIONS))
    rng = random.Random(20240101)
    currents = set()
    for trial in range(8):
        order = rng.sample(numbered, len(numbered))
        with DuckDBWarehouse(None) as w:
            if trial % 3 == 0:  # all in one batch
                w.write_batch("l1", _columns(order))
            else:
                for one in order:
                    w.write_batch("l1", _columns([one]))
            (current,) = list(w.iter_texts("Patient"))
            history = w.history_count()
            counts = [w.write_batch("l2", _columns([one]))["Patient"] for one in numbered]
            assert sum(c.inserted + c.replaced for c in counts) == 0
            assert w.history_count() == history == len(VERSIONS) - 1
            assert list(w.iter_texts("Patient")) == [current]
        currents.add(current)
    assert len(currents) == 1


def test_a_last_updated_that_is_not_an_instant_does_not_stop_the_writer() -> None:
    with DuckDBWarehouse(None) as w:
        w.write_batch("l1", _columns([(0, ("1", "2024-13-45T99:00:00Z"))]))
        w.write_batch("l1", _columns([(1, ("1", "not a time"))]))
        w.write_batch("l1", _columns([(2, ("1", "2024-01-01T10:00:00Z"))]))
        (current,) = list(w.iter_texts("Patient"))
        assert orjson.loads(current)["n"] == 2  # an instant is after none


def _bad_nhs(record: dict[str, Any]) -> dict[str, Any]:
    record["identifier"] = [{"system": fd.NHS_SYSTEM, "value": "9434765918"}]
    return record


def test_reloading_an_unchanged_or_older_version_leaves_a_newer_quarantined_one_open(
    control: ControlPlane, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    day1 = fd.write_ndjson(tmp_path / "day1.ndjson", [fd.patient("p1", 1, **_meta("2"))])
    day0 = fd.write_ndjson(tmp_path / "day0.ndjson", [fd.patient("p1", 1, **_meta("1"))])
    day2 = fd.write_ndjson(tmp_path / "day2.ndjson", [_bad_nhs(fd.patient("p1", 1, **_meta("3")))])
    run_load(control, home, day1)
    assert run_load(control, home, day2).as_dict()["quarantined"] == 1
    again = run_load(control, home, day1).as_dict()  # unchanged
    assert (_written(again), again["resolved_quarantine"]) == ({"unchanged": 1}, 0)
    late = run_load(control, home, day0).as_dict()  # older than current
    assert (_written(late), late["resolved_quarantine"]) == ({"older": 1}, 0)
    (still,) = Quarantine(control, home).records()
    assert (still["resource_type"], still["resource_id"]) == ("Patient", "p1")
    # the repaired version becomes current, and that resolves it
    fixed = fd.write_ndjson(tmp_path / "fixed.ndjson", [fd.patient("p1", 1, **_meta("3"))])
    doc = run_load(control, home, fixed).as_dict()
    assert (_written(doc), doc["resolved_quarantine"]) == ({"replaced": 1}, 1)
    assert Quarantine(control, home).records() == []


def test_a_quarantined_id_accepted_for_the_first_time_is_resolved(
    control: ControlPlane, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    bad = fd.write_ndjson(tmp_path / "bad.ndjson", [_bad_nhs(fd.patient("p1", 1))])
    run_load(control, home, bad)
    good = fd.write_ndjson(tmp_path / "good.ndjson", [fd.patient("p1", 1), fd.patient("p2", 2)])
    doc = run_load(control, home, good).as_dict()
    assert (_written(doc), doc["resolved_quarantine"]) == ({"inserted": 2}, 1)


def test_a_version_already_in_history_is_not_added_again_when_replaced() -> None:
    # a warehouse written before versions were ordered totally can hold its current
    # version in history too; replacing it leaves one copy there
    with DuckDBWarehouse(None) as w:
        w.write_batch("l1", _columns([(0, (None, None))]))
        w.conn.execute(
            "INSERT INTO fhir_history SELECT 'Patient', id, version_id, last_updated, load_id, "
            "resource, now() FROM fhir_Patient"
        )
        counts = w.write_batch("l2", _columns([(1, ("1", None)), (2, ("2", None))]))
        assert (counts["Patient"].replaced, counts["Patient"].current) == (1, ["p"])
        assert w.history_count() == 2  # version 1 (lost in the batch) and the first, once
