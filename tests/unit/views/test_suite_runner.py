"""The conformance runner: only a view refused as invalid meets a test's expectError."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from caldicott.errors import (
    EXIT_TESTS_FAILED,
    CaldicottError,
    IntegrityError,
    NotFound,
    Unsupported,
    ValidationFailed,
)
from caldicott.views.engines.memory import MemoryEngine
from caldicott.views.suite import SuiteCase, run_case

VIEW = {"resource": "Patient", "select": [{"column": [{"name": "id", "path": "id"}]}]}


def _case(view: Any = VIEW, *, expect_error: bool) -> SuiteCase:
    expect = None if expect_error else [{"id": "a"}]
    resources = ({"resourceType": "Patient", "id": "a"},)
    return SuiteCase("f.json", "t", (), view, resources, expect, expect_error, None, None)


class _Failing:
    name = "failing"

    def __init__(self, error: CaldicottError) -> None:
        self.error = error

    def run(self, view: Any, source: Any) -> Any:
        raise self.error


def test_an_invalid_view_meets_expect_error() -> None:
    bad = {**VIEW, "select": [{"column": [{"name": "no spaces", "path": "id"}]}]}
    assert run_case(MemoryEngine(), _case(bad, expect_error=True)).passed
    assert run_case(_Failing(ValidationFailed("x")), _case(expect_error=True)).passed
    assert run_case(MemoryEngine(), _case(expect_error=False)).passed
    failed = run_case(MemoryEngine(), _case(expect_error=True))
    assert not failed.passed and failed.error == "an error was expected but the view ran"


@pytest.mark.parametrize(
    "error", [Unsupported("cannot"), IntegrityError("broken"), CaldicottError("bug")]
)
def test_an_engine_that_cannot_answer_never_meets_expect_error(error: CaldicottError) -> None:
    result = run_case(_Failing(error), _case(expect_error=True))
    assert not result.passed
    assert result.error == f"{type(error).__name__}: {error.message}"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"tests": [', "bad.json: not valid JSON"),
        (b'{"tests": [{"view": {}}]}', "bad.json: tests[0]: has no 'title'"),
        (b'{"tests": {}}', "bad.json: 'tests' and 'resources' must be lists"),
        (b'{"resources": [5], "tests": []}', "every one of 'resources' must be an object"),
        (b'{"tests": [{"title": "t", "view": {}, "expect": [1]}]}', "'expect' must be a list"),
        (b'{"tests": [], "resources": [{"x": NaN}]}', "NaN is not a JSON number"),
        (b'{"title": "\xff"}', "bad.json: not UTF-8 text"),
        (b'{"tests": [{"title": "t", "view": {}, "tags": 5}]}', "'tags' must be a list"),
        (b'{"tests": [{"title": "t", "view": {}, "expectColumns": "id"}]}', "'expectColumns'"),
        (b'{"tests": [{"title": "t", "view": {}, "expectCount": "2"}]}', "'expectCount'"),
        (b'{"tests": [{"title": "t", "view": {}, "expectError": "false"}]}', "'expectError'"),
    ],
)
def test_a_file_not_of_the_suites_shape_fails_the_run_naming_it(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, content: bytes, message: str
) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "bad.json").write_bytes(content)
    res = cli("view", "test", str(suite), "--engine", "memory")
    assert res.exit_code == ValidationFailed.kind.exit_code, res.stderr
    assert message in " ".join(res.stderr.split())


def test_a_suite_folder_that_does_not_exist_is_not_found(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = cli("view", "test", str(tmp_path / "nowhere"))
    assert res.exit_code == NotFound.kind.exit_code, res.stderr


def test_failing_cases_exit_12_not_the_code_of_a_bug(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    suite = tmp_path / "suite"
    suite.mkdir()
    view = {"resource": "Patient", "select": [{"column": [{"name": "id", "path": "id"}]}]}
    case = {"title": "wrong", "view": view, "expect": [{"id": "other"}]}
    doc = {"resources": [{"resourceType": "Patient", "id": "p1"}], "tests": [case]}
    (suite / "one.json").write_text(json.dumps(doc))
    res = cli("view", "test", str(suite), "--engine", "memory", "--json")
    assert res.exit_code == EXIT_TESTS_FAILED == 12, res.stderr
    assert res.json()["failures"]  # type: ignore[index]
