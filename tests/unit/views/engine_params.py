"""The engines a view test runs on: memory and DuckDB always, Spark where it is marked in."""

from __future__ import annotations

import pytest

ENGINES = ["memory", "duckdb", pytest.param("spark", marks=[pytest.mark.spark, pytest.mark.slow])]
