"""What every engine offers: run a view over resources, and say what it cannot do."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from caldicott.errors import Unsupported
from caldicott.views.fhirpath import ast
from caldicott.views.model import Select, ViewDefinition


@dataclass(frozen=True)
class ResourceList:
    """Resources given directly (the conformance suite, tests)."""

    resources: tuple[Mapping[str, Any], ...]

    def of_type(self, resource_type: str) -> Iterator[Mapping[str, Any]]:
        return (r for r in self.resources if r.get("resourceType") == resource_type)


@dataclass(frozen=True)
class Warehouse:
    """The DuckDB warehouse file (one ``fhir_<Type>`` table per resource type)."""

    path: Path


Source = ResourceList | Warehouse


@dataclass(frozen=True)
class ViewResult:
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class Capabilities:
    """Features an engine does not support, each with its reason. Everything else works."""

    unsupported: Mapping[str, str] = field(default_factory=dict)


class Engine(Protocol):
    name: str
    capabilities: Capabilities

    def run(self, view: ViewDefinition, source: Source) -> ViewResult: ...


def features(view: ViewDefinition) -> set[str]:
    """The features a view uses: function names, operators and selection keywords."""
    found: set[str] = set()

    def visit_path(expr: ast.Expr) -> None:
        for node in ast.walk(expr):
            if isinstance(node, ast.Call):
                found.add(f"fn:{node.name}")
            elif isinstance(node, ast.Binary | ast.TypeTest):
                found.add(f"op:{node.op}")

    def visit(select: Select) -> None:
        if select.for_each is not None:
            found.add("forEachOrNull" if select.or_null else "forEach")
            visit_path(select.for_each.expr)
        for rep in select.repeat:
            found.add("repeat")
            visit_path(rep.expr)
        if select.union_all:
            found.add("unionAll")
        for col in select.columns:
            if col.collection:
                found.add("collection")
            visit_path(col.path.expr)
        for sub in (*select.selects, *select.union_all):
            visit(sub)

    for where in view.where:
        visit_path(where.expr)
    visit(view.select)
    return found


def ensure_supported(engine: Engine, view: ViewDefinition) -> None:
    """Raise Unsupported naming the first feature the engine declares it cannot do."""
    gaps = sorted(features(view) & set(engine.capabilities.unsupported))
    if gaps:
        reason = engine.capabilities.unsupported[gaps[0]]
        raise Unsupported(
            f"the {engine.name} engine does not support {gaps[0]}: {reason}",
            feature=gaps[0],
            engine=engine.name,
        )


def resources_by_type(items: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    out: dict[str, list[Mapping[str, Any]]] = {}
    for item in items:
        out.setdefault(str(item.get("resourceType")), []).append(item)
    return out


#: The error of integer arithmetic whose result a 64-bit integer cannot hold, on every
#: engine alike (the SQL engines' integers are 64-bit; FHIR's are 32-bit).
INTEGER_OVERFLOW = "integer arithmetic beyond 64 bits: no engine gives its result"
INTEGER_RANGE = range(-(2**63), 2**63)


def wide_integer(text: str) -> int | Decimal:
    """A JSON integer as every engine reads it: an integer, or, beyond 64 bits (which
    DuckDB and Spark cannot hold as one), a decimal of the same value."""
    value = int(text)
    return value if value in INTEGER_RANGE else Decimal(text)


def widened(node: Any) -> Any:
    """Resource JSON given as objects (the suite, tests) with each integer beyond 64 bits
    a decimal, as :func:`wide_integer` reads them from text; the rest as it was."""
    kind = type(node)
    if kind is int:
        return node if node in INTEGER_RANGE else Decimal(node)
    if kind is list:
        return [widened(v) for v in node]
    if isinstance(node, Mapping):
        return {k: widened(v) for k, v in node.items()}
    return node


def single_values(op: str, location: str = "") -> str:
    """The error of an operator given several values on a side (FHIRPath makes it an
    error, not the first of them nor nothing); every engine raises it in these words,
    after the place in the view of the path holding the operator."""
    return at(location, f"operator {op}: operands must be single values")


def several_booleans(what: str, location: str = "") -> str:
    """The error of several values where ``what`` (``and``, ``where()``, ...) wants one
    boolean; every engine raises it in these words."""
    return at(location, f"{what}: several values where one boolean was expected")


def at(location: str, message: str) -> str:
    """A message placed at a path of the view (``select[0].column[1].path: ...``)."""
    return f"{location}: {message}" if location else message


def not_of_type(location: str, name: str, kind: str) -> str:
    """The error of a value that is not of its column's declared type: every engine raises
    it in these words (a value is neither cast nor passed through, and never quoted)."""
    return f"{location}: column {name!r} is declared {kind} but a value is not of that type"
