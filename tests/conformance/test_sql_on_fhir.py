"""Every case of the official suite on every engine (Spark marked ``spark``)."""

from __future__ import annotations

import pytest

from caldicott.views.engines import get_engine
from caldicott.views.engines.base import Engine
from caldicott.views.suite import SuiteCase, run_case
from tests.conformance.conftest import require_suite, suite_cases

pytestmark = pytest.mark.conformance

CASES = suite_cases()
IDS = [f"{c.file}:{c.title}" for c in CASES]
ENGINES = ["memory", "duckdb", pytest.param("spark", marks=pytest.mark.spark)]
_engines: dict[str, Engine] = {}


def test_suite_is_present() -> None:
    folder = require_suite()
    assert len(CASES) == 144, f"{folder} should hold the 144 official cases"


@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_case(engine_name: str, case: SuiteCase) -> None:
    if engine_name == "spark":
        pytest.importorskip("pyspark")
    engine = _engines.setdefault(engine_name, get_engine(engine_name))
    result = run_case(engine, case)
    # Every engine passes every case: a declared gap (Unsupported) here is a failure too.
    assert result.passed, f"{case.file}: {case.title}: {result.error} {result.details}"
