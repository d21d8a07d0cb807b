"""Engines that run a validated view: memory (reference), DuckDB and Spark."""

from __future__ import annotations

from caldicott.errors import InvalidArgument
from caldicott.views.engines.base import Engine

ENGINE_NAMES = ("memory", "duckdb", "spark")


def get_engine(name: str) -> Engine:
    """A new engine by name (Spark starts its session lazily, on first run)."""
    if name == "memory":
        from caldicott.views.engines.memory import MemoryEngine

        return MemoryEngine()
    if name == "duckdb":
        from caldicott.views.engines.duckdb import DuckDBEngine

        return DuckDBEngine()
    if name == "spark":
        from caldicott.views.engines.spark import SparkEngine

        return SparkEngine()
    raise InvalidArgument(f"unknown engine {name!r}: choose one of {', '.join(ENGINE_NAMES)}")
