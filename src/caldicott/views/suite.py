"""Run the official SQL on FHIR v2 test suite on an engine and write the official report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from caldicott.errors import CaldicottError, InvalidArgument, NotFound, ValidationFailed
from caldicott.views.engines.base import Engine, ResourceList
from caldicott.views.parse import parse_view


@dataclass(frozen=True)
class SuiteCase:
    file: str
    title: str
    tags: tuple[str, ...]
    view: Any
    resources: tuple[Any, ...]
    expect: list[dict[str, Any]] | None
    expect_error: bool
    expect_columns: tuple[str, ...] | None
    expect_count: int | None


@dataclass
class CaseResult:
    case: SuiteCase
    passed: bool
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def load_suite(folder: Path) -> list[SuiteCase]:
    """Every test case of every ``*.json`` test file in the folder (schemas excluded).

    A file that is not a test file of the suite's shape fails the whole run naming the
    file (and the test), rather than run some of the suite or fail as a bug.
    """
    if not folder.exists():
        raise NotFound(f"{folder}: no such folder")
    if not folder.is_dir():
        raise InvalidArgument(f"{folder}: not a folder holding SQL on FHIR test files")
    cases: list[SuiteCase] = []
    files = sorted(p for p in folder.glob("*.json") if not p.name.endswith(".schema.json"))
    for path in files:
        doc = _read(path)
        if not isinstance(doc, dict) or "tests" not in doc:
            continue
        tests, resources = doc["tests"], doc.get("resources", [])
        if not isinstance(tests, list) or not isinstance(resources, list):
            raise ValidationFailed(f"{path.name}: 'tests' and 'resources' must be lists")
        if not all(isinstance(r, dict) for r in resources):
            raise ValidationFailed(f"{path.name}: every one of 'resources' must be an object")
        cases.extend(_case(path.name, i, test, tuple(resources)) for i, test in enumerate(tests))
    if not cases:
        raise InvalidArgument(f"{folder}: no SQL on FHIR test files found")
    return cases


def _read(path: Path) -> Any:
    def not_a_number(name: str) -> Any:
        raise ValueError(f"{name} is not a JSON number")

    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text, parse_float=Decimal, parse_constant=not_a_number)
    except UnicodeDecodeError:
        raise ValidationFailed(f"{path.name}: not UTF-8 text") from None
    except ValueError as exc:  # json.JSONDecodeError is one
        raise ValidationFailed(f"{path.name}: not valid JSON ({exc})") from None
    except OSError as exc:
        raise InvalidArgument(f"{path.name}: cannot be read ({exc.strerror})") from None


def _case(file: str, index: int, test: Any, resources: tuple[Any, ...]) -> SuiteCase:
    where = f"{file}: tests[{index}]"
    if not isinstance(test, dict):
        raise ValidationFailed(f"{where}: must be an object")
    missing = [key for key in ("title", "view") if key not in test]
    if missing:
        raise ValidationFailed(f"{where}: has no {' or '.join(repr(k) for k in missing)}")
    if not isinstance(test["title"], str):
        raise ValidationFailed(f"{where}: 'title' must be a string")
    expect = test.get("expect")
    if expect is not None and not (
        isinstance(expect, list) and all(isinstance(row, dict) for row in expect)
    ):
        raise ValidationFailed(f"{where}: 'expect' must be a list of objects")
    tags, columns = test.get("tags", []), test.get("expectColumns")
    for key, value in (("tags", tags), ("expectColumns", columns)):
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            raise ValidationFailed(f"{where}: {key!r} must be a list of strings")
    count, error = test.get("expectCount"), test.get("expectError", False)
    if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
        raise ValidationFailed(f"{where}: 'expectCount' must be an integer")
    if not isinstance(error, bool):
        raise ValidationFailed(f"{where}: 'expectError' must be true or false")
    return SuiteCase(
        file=file,
        title=test["title"],
        tags=tuple(tags),
        view=test["view"],
        resources=resources,
        expect=expect,
        expect_error=error,
        expect_columns=None if columns is None else tuple(columns),
        expect_count=count,
    )


def normalise(value: Any) -> Any:
    """A comparable form of a cell: numbers to rounded floats, lists element-wise."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        number = round(float(value), 9)
        return int(number) if number.is_integer() else number
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    return str(value)


def _canonical(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(normalise(r), sort_keys=True) for r in rows)


def run_case(engine: Engine, case: SuiteCase) -> CaseResult:
    try:
        view = parse_view(case.view)
        result = engine.run(view, ResourceList(case.resources))
    except ValidationFailed as exc:  # the view is invalid, or fails on these resources
        if case.expect_error:
            return CaseResult(case, True)
        return CaseResult(case, False, f"{type(exc).__name__}: {exc.message}")
    except CaldicottError as exc:  # Unsupported, say: no answer, so never the one expected
        return CaseResult(case, False, f"{type(exc).__name__}: {exc.message}")
    if case.expect_error:
        return CaseResult(case, False, "an error was expected but the view ran")
    if case.expect_columns is not None and tuple(result.columns) != case.expect_columns:
        return CaseResult(
            case, False, f"columns {list(result.columns)} != expected {list(case.expect_columns)}"
        )
    rows = result.dicts()
    if case.expect_count is not None and len(rows) != case.expect_count:
        return CaseResult(case, False, f"{len(rows)} rows, expected {case.expect_count}")
    if case.expect is not None:
        got, want = _canonical(rows), _canonical(case.expect)
        if got != want:
            return CaseResult(case, False, "rows differ", {"expected": want, "actual": got})
    return CaseResult(case, True)


def run_suite(engine: Engine, cases: list[SuiteCase]) -> Iterator[CaseResult]:
    for case in cases:
        yield run_case(engine, case)


def report(results: list[CaseResult]) -> dict[str, Any]:
    """The report in the shape of the official test-report.schema.json."""
    doc: dict[str, Any] = {}
    for res in results:
        entry: dict[str, Any] = {"name": res.case.title, "result": {"passed": res.passed}}
        if res.error:
            entry["result"]["error"] = res.error
        if res.details:
            entry["result"]["details"] = res.details
        doc.setdefault(res.case.file, {"tests": []})["tests"].append(entry)
    return doc


def summary(results: list[CaseResult]) -> dict[str, Any]:
    failed = [f"{r.case.file}: {r.case.title}" for r in results if not r.passed]
    return {
        "total": len(results),
        "passed": len(results) - len(failed),
        "failed": len(failed),
        "failures": failed,
    }
