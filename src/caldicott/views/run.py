"""Running a view over the warehouse and running the suite: what the CLI calls."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from caldicott.errors import NotFound
from caldicott.views import library
from caldicott.views.engines import get_engine
from caldicott.views.engines.base import ViewResult, Warehouse
from caldicott.views.model import ViewDefinition
from caldicott.views.parse import load_view


@dataclass(frozen=True)
class ViewRun:
    view: ViewDefinition
    engine: str
    result: ViewResult
    seconds: float


def resolve(spec: str) -> ViewDefinition:
    """A view from a JSON file path, or a built-in view by name."""
    path = Path(spec)
    if path.suffix == ".json" or path.exists():
        return load_view(path)
    if spec in library.names():
        return library.load(spec)
    raise NotFound(f"{spec}: neither a ViewDefinition file nor a built-in view name")


def output_name(view: ViewDefinition, spec: str) -> str:
    """What names a view's default output file: its ``name`` (a sql-name, checked when
    it was read), or for a view without one its file's name made one (``my view.json``
    gives ``my_view``), so no default file is named by what the name rule refuses."""
    if view.name:
        return view.name
    stem = re.sub(r"[^A-Za-z0-9_]", "_", Path(spec).stem)
    return stem if stem[:1].isalpha() else f"view_{stem}"


def run_view(view: ViewDefinition, engine_name: str, warehouse: Path) -> ViewRun:
    """Run a view over the warehouse file with the named engine."""
    if not warehouse.exists():
        raise NotFound(f"no warehouse at {warehouse}: load data first (caldicott ingest)")
    engine = get_engine(engine_name)
    started = time.perf_counter()
    result = engine.run(view, Warehouse(warehouse))
    return ViewRun(view, engine_name, result, time.perf_counter() - started)
