"""The structural check of inline ViewDefinitions (until caldicott.views offers its parser)."""

from caldicott.governance.viewspec import columns, mentioned_codes, structural_errors

VIEW = {
    "resourceType": "ViewDefinition",
    "resource": "Patient",
    "where": [{"path": "extension('x').value = '86406008'"}],
    "constant": [{"name": "hiv", "valueCode": "165816005"}],
    "select": [
        {"column": [{"name": "id", "path": "getResourceKey()"}]},
        {
            "forEach": "name",
            "column": [{"name": "family", "path": "family"}],
            "select": [{"column": [{"name": "given", "path": "given.first()"}]}],
        },
        {
            "unionAll": [
                {"column": [{"name": "u", "path": "a"}]},
                {"column": [{"name": "u", "path": "b"}]},
            ]
        },
    ],
}


def test_a_valid_view_has_no_errors_and_lists_its_columns() -> None:
    assert structural_errors(VIEW, "v") == []
    found = {c.name: c.path for c in columns(VIEW)}
    assert found == {
        "id": "getResourceKey()",
        "family": "name.family",
        "given": "name.given.first()",
        "u": "a",
    }


def test_codes_in_filters_and_constants_are_found() -> None:
    assert mentioned_codes(VIEW) == {"86406008", "165816005"}


def test_structural_errors_name_their_paths() -> None:
    bad = {
        "resourceType": "Patient",
        "resource": "patient",
        "select": [{"column": [{"name": "1st", "path": ""}, "x"]}, {"forEach": 3}, {"select": []}],
        "where": [{"path": 5}],
    }
    errors = structural_errors(bad, "data.views[0].inline")
    assert "data.views[0].inline.resourceType: must be 'ViewDefinition'" in errors
    assert any(e.startswith("data.views[0].inline.resource:") for e in errors)
    assert any(
        e.startswith("data.views[0].inline.select[0].column[0].name: must match") for e in errors
    )
    assert "data.views[0].inline.select[0].column[0].path: must be a FHIRPath string" in errors
    assert "data.views[0].inline.select[0].column[1]: expected an object" in errors
    assert "data.views[0].inline.select[1].forEach: must be a FHIRPath string" in errors
    assert "data.views[0].inline.select[2].select: must be a non-empty list" in errors
    assert "data.views[0].inline.where[0].path: must be a FHIRPath string" in errors
    assert structural_errors([], "v") == ["v: expected a ViewDefinition object"]
    assert structural_errors({"resourceType": "ViewDefinition", "resource": "Patient"}, "v") == [
        "v.select: must be a non-empty list"
    ]


def test_duplicate_column_names_are_refused() -> None:
    view = {
        "resourceType": "ViewDefinition",
        "resource": "Patient",
        "select": [{"column": [{"name": "a", "path": "x"}, {"name": "a", "path": "y"}]}],
    }
    assert structural_errors(view, "v") == ["v: column name 'a' is used twice"]
