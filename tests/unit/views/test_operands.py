"""An operator given several values on a side is an error on every engine (FHIRPath), not
the first value, nor nothing: either would be a wrong answer that looks like a right one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from caldicott.errors import Unsupported, ValidationFailed
from caldicott.views import parse_view
from caldicott.views.engines import get_engine
from caldicott.views.engines.base import ResourceList, several_booleans, single_values

#: Two names: ``name.family`` has two values.
PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "name": [{"family": "Ash"}, {"family": "Birch"}],
    "birthDate": "1970-01-01",
}
ENGINES = ["memory", "duckdb", pytest.param("spark", marks=pytest.mark.spark)]


def _view(path: str) -> Any:
    return parse_view(
        {
            "resourceType": "ViewDefinition",
            "resource": "Patient",
            "select": [{"column": [{"name": "c", "path": path}]}],
        }
    )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("path", "op"),
    [
        ("name.family + 'x'", "+"),
        ("name.family < 'Z'", "<"),
        ("'A' >= name.family", ">="),
        ("name.family & 'x'", "&"),
        ("'x' & name.family", "&"),
    ],
)
def test_several_values_beside_an_operator_are_an_error(engine: str, path: str, op: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        get_engine(engine).run(_view(path), ResourceList([PATIENT]))
    # Spark puts its error class first
    assert info.value.message.endswith(single_values(op, "select[0].column[0].path"))
    assert "Ash" not in info.value.message and "Birch" not in info.value.message


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("name.first().family & 'x'", "Ashx"),
        ("name.first().family < 'B'", True),
        ("name.where(family = 'Nobody').family & 'x'", "x"),
        ("name.where(family = 'Nobody').family < 'B'", None),
        ("birthDate + 1", None),  # not numbers: nothing, as before
    ],
)
def test_single_or_no_values_still_work(engine: str, path: str, value: Any) -> None:
    result = get_engine(engine).run(_view(path), ResourceList([PATIENT]))
    assert [tuple(r) for r in result.rows] == [(value,)]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("view", "message"),
    [
        (
            {
                "where": [{"path": "name.exists(given)"}],
                "select": [{"column": [{"name": "c", "path": "id"}]}],
            },
            several_booleans("exists()", "where[0].path"),
        ),
        (
            {
                "select": [
                    {
                        "forEach": "name.where(given)",
                        "column": [{"name": "c", "path": "family"}],
                    }
                ]
            },
            several_booleans("where()", "select[0].forEach"),
        ),
        (
            {
                "where": [{"path": "name.exists()"}, {"path": "name.family + 'x' = 'Ashx'"}],
                "select": [{"column": [{"name": "c", "path": "id"}]}],
            },
            single_values("+", "where[1].path"),
        ),
        (
            {
                "where": [
                    {"path": "name.exists()"},
                    {"path": "name.family.exists()"},
                    {"path": "name.given"},
                ],
                "select": [{"column": [{"name": "c", "path": "id"}]}],
            },
            "where[2].path: must evaluate to a boolean",
        ),
    ],
)
def test_errors_at_run_time_name_the_path_in_the_view(
    engine: str, view: dict[str, Any], message: str
) -> None:
    parsed = parse_view({"resourceType": "ViewDefinition", "resource": "Patient", **view})
    two = {**PATIENT, "name": [{"family": "Ash", "given": ["A", "B"]}, {"family": "Birch"}]}
    with pytest.raises(ValidationFailed) as info:
        get_engine(engine).run(parsed, ResourceList([two]))
    assert info.value.message.endswith(message)  # Spark puts its error class first


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("-5 div 2", -2),
        ("5 div -2", -2),
        ("-5 mod 2", -1),
        ("5 mod -2", 1),
        ("5 mod 2", 1),
        ("7 div 7", 1),
        ("5 mod 0", None),
        ("5 div 0", None),
        ("{} div 2", None),
    ],
)
def test_div_and_mod_truncate_together(engine: str, path: str, value: Any) -> None:
    """(a div b) * b + (a mod b) = a: both round toward zero, on every engine."""
    (row,) = get_engine(engine).run(_view(path), ResourceList([PATIENT])).dicts()
    assert row["c"] == value


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "path",
    [
        "9223372036854775807 + 1",
        "(-9223372036854775807 - 2)",
        "4611686018427387904 * 2",
        "3000000000 * 3000000000 * 3000000000",
        "-(-9223372036854775807 - 1)",
        "(-9223372036854775807 - 1) div -1",
    ],
)
def test_integer_arithmetic_beyond_64_bits_is_an_error_on_every_engine(
    engine: str, path: str
) -> None:
    """The SQL engines' integers are 64-bit: past them no engine answers (the memory
    engine, whose integers have no end, included), and none fails as if it were a bug."""
    with pytest.raises(ValidationFailed, match="integer arithmetic beyond 64 bits"):
        get_engine(engine).run(_view(path), ResourceList([PATIENT]))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("id", "p1"),  # a view not touching the number runs at all
        ("multipleBirth", 10**20),
        ("multipleBirth > 5", True),
        ("multipleBirth.ofType(integer).exists()", True),  # its key says integer
    ],
)
def test_an_integer_in_the_data_beyond_64_bits_is_read_as_a_decimal_everywhere(
    engine: str, path: str, value: Any
) -> None:
    """Spark cannot take such a number at all and DuckDB reads it as a double: one record
    holding one (in a decimal such as a quantity's value, which ingest accepts) made every
    view of its type fail on Spark, and the memory engine call it an integer."""
    wide = {**PATIENT, "multipleBirthInteger": 10**20}
    (row,) = get_engine(engine).run(_view(path), ResourceList([wide])).dicts()
    assert row["c"] == value


def test_the_memory_engine_reads_stored_text_the_same_way() -> None:
    from caldicott.views.engines.memory import load_json

    parsed = load_json('{"a": 100000000000000000000, "b": 9223372036854775807, "c": 1.50}')
    assert parsed == {"a": Decimal(10**20), "b": 2**63 - 1, "c": Decimal("1.50")}
    assert [type(v) for v in parsed.values()] == [Decimal, int, Decimal]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("9223372036854775806 + 1", 2**63 - 1),
        ("(-9223372036854775807 - 1)", -(2**63)),
        ("(-9223372036854775807 - 1) mod -1", 0),
        ("(-9223372036854775807 - 1) div 1", -(2**63)),
    ],
)
def test_integer_arithmetic_to_the_edge_of_64_bits(engine: str, path: str, value: int) -> None:
    (row,) = get_engine(engine).run(_view(path), ResourceList([PATIENT])).dicts()
    assert row["c"] == value


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("-5.5 mod 2", Decimal("-1.5")),
        ("5.5 mod 0.7", Decimal("0.6")),
        ("2.1 mod 0.7", Decimal("0.0")),
        ("0.3 div 0.1", 3),
    ],
)
@pytest.mark.parametrize("sql_engine", [e for e in ENGINES if e != "memory"])
def test_decimal_div_and_mod_are_exact_or_refused(sql_engine: str, path: str, value: Any) -> None:
    """The memory engine computes them exactly; the SQL engines, whose numbers are
    DOUBLEs (0.3 / 0.1 is 2.9999999999999996 there), refuse rather than answer wrong."""
    (row,) = get_engine("memory").run(_view(path), ResourceList([PATIENT])).dicts()
    assert row["c"] == value
    with pytest.raises(Unsupported, match=r"column\[0\]\.path: the \w+ engine does not support"):
        get_engine(sql_engine).run(_view(path), ResourceList([PATIENT]))
