"""SQL on FHIR v2 ViewDefinitions: parse to a frozen model, run on memory, DuckDB or Spark."""

from caldicott.views.model import ViewDefinition
from caldicott.views.parse import load_view, parse_view

__all__ = ["ViewDefinition", "load_view", "parse_view"]
