"""Reading a ViewDefinition's columns (with full paths) and codes for the checks."""

from caldicott.governance.viewspec import columns, mentioned_codes

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


def test_a_view_lists_its_columns_with_full_paths() -> None:
    found = {c.name: c.path for c in columns(VIEW)}
    assert found == {
        "id": "getResourceKey()",
        "family": "name.family",
        "given": "name.given.first()",
        "u": "a",
    }


def test_codes_in_filters_and_constants_are_found() -> None:
    assert mentioned_codes(VIEW) == {"86406008", "165816005"}
