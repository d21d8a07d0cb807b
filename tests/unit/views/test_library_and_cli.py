"""Built-in views and the `caldicott view` commands over a small warehouse."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from tests.unit.views.engine_params import ENGINES
from tests.unit.views.ukdata import make_warehouse, patient

from caldicott.views import library
from caldicott.views.engines import get_engine
from caldicott.views.engines.base import ResourceList, Warehouse


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return make_warehouse(tmp_path / "home" / "warehouse.duckdb")


def test_every_builtin_view_parses_and_is_documented() -> None:
    docs = (Path(__file__).parents[3] / "docs" / "views.md").read_text()
    for name in library.names():
        view = library.load(name)
        assert view.name == name
        assert f"`{name}`" in docs, f"{name} missing from docs/views.md"


@pytest.mark.parametrize("engine", ["memory", "duckdb"])
def test_patient_demographics(warehouse: Path, engine: str) -> None:
    result = get_engine(engine).run(library.load("patient_demographics"), Warehouse(warehouse))
    rows = {r["patient_id"]: r for r in result.dicts()}
    assert rows["p1"]["nhs_number"] == "9434765919"
    assert rows["p1"]["ethnic_category"] == "A"
    assert rows["p1"]["postcode"] == "LS1 4AP"
    assert rows["p1"]["gp_practice_ods"] == "B86001"
    assert rows["p1"]["deceased"] is False  # not known to have died: not empty
    assert rows["p2"]["deceased"] is True
    assert rows["p2"]["postcode"] is None
    assert rows["p2"]["deceased_date"] == "2020-01-01"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("deceased", "value"),
    [
        ({}, False),
        ({"deceasedBoolean": False}, False),
        ({"deceasedBoolean": True}, True),
        ({"deceasedDateTime": "2021-03"}, True),
    ],
)
def test_deceased_is_true_or_false(engine: str, deceased: dict[str, Any], value: bool) -> None:
    """A researcher filtering deceased = false must get the living, not nobody."""
    view = library.load("patient_demographics")
    one = patient("p9", "9434765919", **deceased)
    (row,) = get_engine(engine).run(view, ResourceList([one])).dicts()
    assert row["deceased"] is value


@pytest.mark.parametrize("name", library.names())
def test_builtin_views_agree_across_engines(warehouse: Path, name: str) -> None:
    view = library.load(name)
    memory = get_engine("memory").run(view, Warehouse(warehouse))
    duck = get_engine("duckdb").run(view, Warehouse(warehouse))
    key = lambda r: json.dumps(r, sort_keys=True, default=float)  # noqa: E731
    assert sorted(map(key, duck.dicts())) == sorted(map(key, memory.dicts()))


def test_view_run_writes_a_file_and_reports_counts(cli, warehouse: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "home" / "obs.csv"
    res = cli("view", "run", "observations", "--out", str(out), "--json")
    assert res.exit_code == 0, res.stderr
    doc = res.json()
    assert doc["rows"] == 2 and doc["engine"] == "duckdb"
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    assert {r["code"] for r in rows} == {"8480-6", "271649006"}
    assert "9434765919" not in res.stdout


def test_view_run_parquet_and_ndjson(cli, warehouse: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import pyarrow.parquet as pq

    res = cli(
        "view",
        "run",
        "conditions",
        "--format",
        "parquet",
        "--engine",
        "memory",
        "--out",
        str(tmp_path / "home" / "c.parquet"),
    )
    assert res.exit_code == 0, res.stderr
    assert (
        pq.read_table(tmp_path / "home" / "c.parquet").to_pylist()[0]["snomed_code"] == "44054006"
    )
    res = cli("view", "run", "patient_demographics", "--format", "ndjson", "--json")
    assert res.exit_code == 0, res.stderr
    lines = Path(res.json()["out"]).read_text().splitlines()
    assert len(lines) == 2


def test_view_run_errors(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {"resource": "Patient", "select": [{"column": [{"name": "x", "path": "name.nope()"}]}]}
        )
    )
    res = cli("view", "run", str(bad))
    assert res.exit_code == 9
    assert "select[0].column[0].path: unknown function nope()" in res.stderr
    res = cli("view", "run", "no_such_view")
    assert res.exit_code == 4


def test_view_list_and_show(cli) -> None:  # type: ignore[no-untyped-def]
    res = cli("view", "list", "--json")
    assert {v["name"] for v in res.json()} == set(library.names())
    res = cli("view", "show", "conditions")
    assert res.json()["resource"] == "Condition"


@pytest.mark.spark
@pytest.mark.parametrize("name", library.names())
def test_builtin_views_agree_on_spark_from_the_warehouse(warehouse: Path, name: str) -> None:
    pytest.importorskip("pyspark")
    view = library.load(name)
    memory = get_engine("memory").run(view, Warehouse(warehouse))
    spark = get_engine("spark").run(view, Warehouse(warehouse))
    key = lambda r: json.dumps(r, sort_keys=True, default=float)  # noqa: E731
    assert sorted(map(key, spark.dicts())) == sorted(map(key, memory.dicts()))


def test_unreadable_view_files_are_user_errors(cli, warehouse: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "views"
    folder.mkdir()
    res = cli("view", "run", str(folder), "--json")
    assert res.exit_code == 2, res.stderr
    assert "is a folder" in res.json()["error"]["detail"]  # type: ignore[index]
    missing = cli("view", "run", str(tmp_path / "missing.json"))
    assert missing.exit_code == 4, missing.stderr  # not found, as an unknown built-in is
    assert cli("view", "run", "no_such_view").exit_code == 4
    bom = tmp_path / "bom.json"
    view = {"resourceType": "ViewDefinition", "resource": "Patient"}
    view["select"] = [{"column": [{"name": "id", "path": "id"}]}]  # type: ignore[list-item]
    bom.write_bytes(b"\xef\xbb\xbf" + json.dumps(view).encode())
    out = tmp_path / "home" / "bom.csv"
    assert cli("view", "run", str(bom), "--out", str(out)).exit_code == 0


@pytest.mark.parametrize("engine", ["memory", "duckdb"])
def test_parquet_schema_is_the_declared_types(  # type: ignore[no-untyped-def]
    cli, warehouse: Path, tmp_path: Path, engine: str
) -> None:
    """Whatever the rows hold (here: no values at all in some columns, whole numbers in a
    decimal one), the file's schema is the view's, on every engine."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = [
        ("s", "telecom.where(system = 'none').value.first()", "string", False),
        ("i", "telecom.where(system = 'none').rank.first()", "integer", False),
        ("b", "active", "boolean", False),
        ("d", "multipleBirth.ofType(integer) * 1", "decimal", False),
        ("n", "name.where(use = 'none').given", "string", True),
        ("born", "birthDate", "date", False),
        ("ks", "%k | 2.25", "decimal", True),  # Decimals in a list (memory, written digits)
        ("ids", "identifier", "Identifier", True),  # objects in a list: JSON text
    ]
    view = {
        "resourceType": "ViewDefinition",
        "name": "typed",
        "resource": "Patient",
        "constant": [{"name": "k", "valueDecimal": 1.50}],
        "select": [
            {
                "column": [
                    {"name": n, "path": p, "type": t, **({"collection": True} if c else {})}
                    for n, p, t, c in columns
                ]
            }
        ],
    }
    spec = tmp_path / "typed.json"
    spec.write_text(json.dumps(view))
    out = tmp_path / "home" / f"typed-{engine}.parquet"
    args = ("--engine", engine, "--format", "parquet", "--out", str(out))
    res = cli("view", "run", str(spec), *args)
    assert res.exit_code == 0, res.stderr
    schema = pq.read_schema(out)
    assert {n: schema.field(n).type for n, *_ in columns} == {
        "s": pa.string(),
        "i": pa.int64(),
        "b": pa.bool_(),
        "d": pa.float64(),
        "n": pa.list_(pa.string()),
        "born": pa.string(),
        "ks": pa.list_(pa.float64()),
        "ids": pa.list_(pa.string()),
    }
    [row, *_] = pq.read_table(out).to_pylist()
    assert row["ks"] == [1.5, 2.25] and "nhs-number" in row["ids"][0]


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
@pytest.mark.parametrize("engine", ENGINES[1:])
def test_text_formats_write_decimals_alike_on_every_engine(  # type: ignore[no-untyped-def]
    cli, warehouse: Path, tmp_path: Path, engine: str, fmt: str
) -> None:
    """A decimal column holding a whole number (a count), and exact decimal
    arithmetic on the memory engine (1.50 + 1.00 is 2.50 there, 2.5 in a double), are
    written as the SQL engines' doubles are: the same file from every engine."""
    view = {
        "resourceType": "ViewDefinition",
        "name": "decimals",
        "resource": "Patient",
        "constant": [{"name": "k", "valueDecimal": 1.50}],
        "select": [
            {
                "column": [
                    {"name": "id", "path": "id"},
                    {"name": "d", "path": "name.count()", "type": "decimal"},
                    {"name": "sum", "path": "%k + 1.00", "type": "decimal"},
                    {"name": "ks", "path": "%k | 2", "type": "decimal", "collection": True},
                ]
            }
        ],
    }
    spec = tmp_path / "decimals.json"
    spec.write_text(json.dumps(view))
    files = {}
    for name in ("memory", engine):
        out = tmp_path / "home" / f"decimals-{name}.{fmt}"
        res = cli("view", "run", str(spec), "--engine", name, "--format", fmt, "--out", str(out))
        assert res.exit_code == 0, res.stderr
        files[name] = out.read_text()
    assert files["memory"] == files[engine]
    assert "2.5" in files["memory"] and "2.50" not in files["memory"]
    assert "[1.5,2.0]" in files["memory"]


def test_a_decimal_constant_in_a_view_file_keeps_its_written_digits(  # type: ignore[no-untyped-def]
    cli, warehouse: Path, tmp_path: Path
) -> None:
    spec = tmp_path / "k.json"
    spec.write_text(
        '{"resourceType": "ViewDefinition", "name": "k", "resource": "Patient",'
        ' "constant": [{"name": "k", "valueDecimal": 1.50}],'
        ' "select": [{"column": [{"name": "low", "path": "%k.lowBoundary()"}]}]}'
    )
    for engine in ("memory", "duckdb"):
        out = tmp_path / "home" / f"k-{engine}.csv"
        res = cli("view", "run", str(spec), "--engine", engine, "--out", str(out))
        assert res.exit_code == 0, res.stderr
        assert out.read_text().splitlines()[1:] == ["1.495", "1.495"]  # not 1.45
    spec.write_text('{"resourceType": "ViewDefinition", "resource": "Patient", "x": NaN}')
    assert cli("view", "run", str(spec)).exit_code == 9


@pytest.mark.parametrize(
    ("file", "default"), [("my view.json", "my_view"), ("2026 cohort.json", "view_2026_cohort")]
)
def test_a_view_without_a_name_gets_a_default_file_named_by_the_name_rule(  # type: ignore[no-untyped-def]
    cli, warehouse: Path, tmp_path: Path, file: str, default: str
) -> None:
    spec = tmp_path / file
    view = {"resourceType": "ViewDefinition", "resource": "Patient"}
    view["select"] = [{"column": [{"name": "id", "path": "id"}]}]  # type: ignore[list-item]
    spec.write_text(json.dumps(view))
    res = cli("view", "run", str(spec), "--json")
    assert res.exit_code == 0, res.stderr
    assert Path(res.json()["out"]).name == f"{default}.csv"  # type: ignore[index]
