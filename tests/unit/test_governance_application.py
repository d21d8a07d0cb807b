"""The application document: its published schema, the compact validator and the parser."""

import json
from pathlib import Path

import pytest
from tests.governance_setup import COMMERCIAL, EXAMPLES, MARKETING, RESEARCH, document

from caldicott.errors import NotFound, ValidationFailed
from caldicott.governance.application import load_file, parse, schema, shape_errors
from caldicott.governance.jsonschema_subset import Validator, check_schema
from caldicott.governance.sensitive import sensitive_codes

VALID = [RESEARCH, COMMERCIAL, MARKETING, EXAMPLES / "sensitive-justified.yaml"]


@pytest.mark.parametrize("path", VALID + sorted((EXAMPLES / "failing").glob("*.yaml")))
def test_every_example_but_bad_shape_parses(path: Path) -> None:
    if path.name == "bad-shape.yaml":
        with pytest.raises(ValidationFailed):
            load_file(path)
    else:
        assert load_file(path).title


def test_schema_uses_only_supported_keywords() -> None:
    check_schema(schema())  # raises on any keyword the validator would ignore


def test_validator_refuses_unsupported_keyword() -> None:
    with pytest.raises(ValueError, match="unsupported keyword 'patternProperties'"):
        Validator({"type": "object", "patternProperties": {}})


def test_bad_shape_names_the_path_of_each_problem() -> None:
    with pytest.raises(ValidationFailed) as caught:
        load_file(EXAMPLES / "failing" / "bad-shape.yaml")
    errors = caught.value.detail["errors"]
    assert "lay_summary: is required" in errors
    assert any(e.startswith("identifiability: must be one of") for e in errors)
    assert "duration_months: expected integer, got string" in errors
    assert "bad-shape.yaml" in caught.value.message


def test_cross_references_are_checked_with_paths() -> None:
    doc = document()
    doc["data"]["columns"][0]["view"] = "nowhere"
    doc["data"]["columns"][1]["column"] = "shoe_size"
    doc["data"]["views"][1]["inline"]["select"][0]["column"][0]["name"] = "patient id"
    doc["purpose"] = "astrology"
    errors = shape_errors(doc)
    assert "data.columns[0].view: no view named 'nowhere' in data.views" in errors
    assert "data.columns[1].column: view 'patients' has no column 'shoe_size'" in errors
    assert any(
        e.startswith("data.views[1].inline.select[0].column[0].name: required") for e in errors
    )
    assert any(e.startswith("purpose: unknown purpose 'astrology'") for e in errors)


def test_nested_and_typed_errors() -> None:
    doc = document()
    doc["applicant"]["people"][1]["email"] = "not-an-email"
    doc["data"]["period"]["start"] = "2015-13-01"
    doc["surprise"] = True
    doc["data"]["views"].append({"name": "both", "library": "x", "inline": {}})
    errors = shape_errors(doc)
    assert any(e.startswith("applicant.people[1].email: must match") for e in errors)
    assert "data.period.start: must be a date (YYYY-MM-DD)" in errors
    assert "surprise: is not a known field" in errors
    assert "data.views[3]: matches more than one of the allowed forms" in errors


def test_period_order_and_duplicate_views() -> None:
    doc = document()
    doc["data"]["period"] = {"start": "2025-01-01", "end": "2020-01-01"}
    doc["data"]["views"][2]["name"] = "patients"
    errors = shape_errors(doc)
    assert "data.period: start is after end" in errors
    assert "data.views[2].name: view name 'patients' is used twice" in errors


def test_json_and_yaml_documents_are_equivalent(tmp_path: Path) -> None:
    as_json = tmp_path / "app.json"
    as_json.write_text(json.dumps(document()))
    assert load_file(as_json) == load_file(RESEARCH)


def test_library_views_parse_and_codes_are_collected() -> None:
    doc = document()
    doc["data"]["views"].append({"name": "demographics", "library": "patient_demographics"})
    doc["data"]["columns"].append(
        {
            "view": "demographics",
            "column": "ethnic_category",
            "justification": "Kidney risk differs.",
        }
    )
    app = parse(doc)
    assert app.views[-1].library == "patient_demographics" and app.views[-1].inline is None
    assert "44054006" in app.all_codes()
    assert app.columns[0].path == "getResourceKey()"
    assert app.period[0].isoformat() == "2015-01-01"


def test_unreadable_inputs(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        load_file(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("title: [unclosed\n")
    with pytest.raises(ValidationFailed, match=r"broken.yaml:\d+: not valid YAML or JSON"):
        load_file(broken)
    listy = tmp_path / "list.yaml"
    listy.write_text("- a\n- b\n")
    with pytest.raises(ValidationFailed, match="mapping of fields"):
        load_file(listy)


def test_schema_sensitive_categories_match_the_code_file() -> None:
    enum = schema()["properties"]["data"]["properties"]["sensitive"]["items"]["properties"][
        "category"
    ]["enum"]
    assert tuple(enum) == sensitive_codes().names


def test_library_views_are_resolved_by_name() -> None:
    doc = document()
    doc["data"]["views"].append({"name": "demo", "library": "no_such_view"})
    doc["data"]["views"].append({"name": "demo2", "library": "patient_demographics"})
    doc["data"]["columns"].append({"view": "demo2", "column": "shoe_size", "justification": "x"})
    errors = shape_errors(doc)
    assert any(
        e.startswith("data.views[3].library: no built-in view named 'no_such_view'") for e in errors
    )
    assert "data.columns[7].column: view 'demo2' has no column 'shoe_size'" in errors
