"""The official SQL on FHIR v2 suite, found through CALDICOTT_SQL_ON_FHIR_SUITE."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from caldicott.views.suite import SuiteCase, load_suite
from tests.conftest import IN_CI

SUITE_ENV = "CALDICOTT_SQL_ON_FHIR_SUITE"


def suite_folder() -> Path | None:
    raw = os.environ.get(SUITE_ENV)
    if raw and Path(raw).is_dir():
        return Path(raw)
    return None


def suite_cases() -> list[SuiteCase]:
    folder = suite_folder()
    return load_suite(folder) if folder else []


def require_suite() -> Path:
    folder = suite_folder()
    if folder is None:
        message = (
            f"the SQL on FHIR suite is not available: set {SUITE_ENV} to "
            "../shared/conformance/sql-on-fhir (make and .ci/run do)"
        )
        if IN_CI:
            pytest.fail(f"{message}; CI requires the conformance suite")
        pytest.skip(message)
    return folder
