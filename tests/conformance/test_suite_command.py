"""`caldicott view test` writes the report in the official format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conformance.conftest import require_suite

pytestmark = pytest.mark.conformance


def test_view_test_writes_the_official_report(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    suite = require_suite()
    report_file = tmp_path / "test_report.json"
    res = cli(
        "view", "test", str(suite), "--engine", "duckdb", "--report", str(report_file), "--json"
    )
    assert res.exit_code == 0, res.stdout
    assert res.json()["passed"] == 144
    report = json.loads(report_file.read_text())
    assert set(report) == {p.name for p in suite.glob("*.json") if "schema" not in p.name}
    for entry in report.values():
        assert set(entry) == {"tests"} and entry["tests"]
        for test in entry["tests"]:
            assert set(test) == {"name", "result"}
            assert test["result"]["passed"] is True
