"""Imports every module that declares control-plane tables, so the metadata is complete.

Add a capability's ``tables`` module here when it gains tables; the migration test compares
this metadata with what the migrations build, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import importlib

TABLE_MODULES: tuple[str, ...] = (
    "caldicott.store.control.instance",
    "caldicott.consent.tables",
    "caldicott.transparency.tables",
    "caldicott.ingest.tables",
    "caldicott.governance.tables",
)


def load_all_tables() -> None:
    for name in TABLE_MODULES:
        importlib.import_module(name)
