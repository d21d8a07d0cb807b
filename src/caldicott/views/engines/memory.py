"""The in-memory reference engine: the processing algorithm of the specification, in Python.

It is slow and simple on purpose: the DuckDB and Spark engines are tested against it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from caldicott.errors import ValidationFailed
from caldicott.store.warehouse import DuckDBWarehouse
from caldicott.views.engines.base import (
    Capabilities,
    ResourceList,
    Source,
    ViewResult,
    Warehouse,
    at,
    ensure_supported,
    not_of_type,
    wide_integer,
    widened,
)
from caldicott.views.engines.memory_eval import Env, Evaluator, to_bool
from caldicott.views.engines.memory_values import unwrap
from caldicott.views.fhirpath.types import INTEGER_TYPES, STRING_TYPES
from caldicott.views.model import Column, Path, Select, ViewDefinition

Row = dict[str, Any]


def load_json(text: bytes | str) -> Any:
    """Parse resource JSON keeping decimals exact (lowBoundary needs their precision),
    an integer beyond 64 bits a decimal as on the SQL engines."""
    import json

    return json.loads(text, parse_float=Decimal, parse_int=wide_integer)


def _output(value: Any) -> Any:
    value = unwrap(value)
    if isinstance(value, list):
        return [_output(v) for v in value]
    return value


class MemoryEngine:
    name = "memory"
    capabilities = Capabilities()

    def run(self, view: ViewDefinition, source: Source) -> ViewResult:
        ensure_supported(self, view)
        columns = view.column_names
        rows = [tuple(row.get(c) for c in columns) for row in self.rows(view, source)]
        return ViewResult(columns, rows)

    def rows(self, view: ViewDefinition, source: Source) -> Iterator[Row]:
        constants = {c.name: c.value for c in view.constants}
        for resource in _resources(view.resource, source):
            env = Env(resource, constants)
            if not self._included(view, env):
                continue
            yield from _process(view.select, resource, env, 0)

    @staticmethod
    def _included(view: ViewDefinition, env: Env) -> bool:
        evaluator = Evaluator(env)
        for where in view.where:
            result = _eval_at(evaluator, where, [env.resource])
            if len(result) > 1 or (result and not isinstance(unwrap(result[0]), bool)):
                raise ValidationFailed(
                    f"{where.location}: must evaluate to a boolean", path=where.location
                )
            if to_bool(result, where.location) is not True:
                return False
        return True


def _eval_at(evaluator: Evaluator, path: Path, focus: list[Any]) -> list[Any]:
    """A path of the view evaluated; an error it raises names where the path sits."""
    try:
        return evaluator.eval(path.expr, focus)
    except ValidationFailed as exc:
        if "path" in exc.detail:
            raise
        raise ValidationFailed(at(path.location, exc.message), path=path.location) from None


def _resources(resource_type: str, source: Source) -> Iterator[Mapping[str, Any]]:
    if isinstance(source, ResourceList):
        yield from map(widened, source.of_type(resource_type))
        return
    assert isinstance(source, Warehouse)
    with DuckDBWarehouse(source.path, read_only=True) as store:
        for text in store.iter_texts(resource_type):
            yield load_json(text)  # as loaded: 1.50 keeps its two places


def _column_value(col: Column, values: list[Any]) -> Any:
    if col.collection:
        return [_typed(col, _output(v)) for v in values]
    if not values:
        return None
    if len(values) > 1:
        raise ValidationFailed(
            f"{col.path.location}: column {col.name!r} found several values; "
            "set collection: true or narrow the path",
            path=col.path.location,
        )
    return _typed(col, _output(values[0]))


def _typed(col: Column, value: Any) -> Any:
    """A value of the column's declared type as it is; any other is an error, as on the
    SQL engines (which would otherwise cast it: 1.50 to 2 on one, 1 on another)."""
    kind = col.type
    if value is None or kind is None:
        return value
    if kind in INTEGER_TYPES:
        ok = type(value) is int
    elif kind == "decimal":
        ok = type(value) in (int, float, Decimal)
    elif kind == "boolean":
        ok = type(value) is bool
    elif kind in STRING_TYPES:
        ok = type(value) is str
    else:
        return value  # a complex type: given as its JSON
    if not ok:
        raise ValidationFailed(
            not_of_type(col.path.location, col.name, kind), path=col.path.location
        )
    return value


def _foci(select: Select, node: Any, env: Env) -> list[Any]:
    evaluator = Evaluator(env)
    if select.repeat:
        found: list[Any] = []

        def traverse(item: Any, root: bool) -> None:
            if not root:
                found.append(item)
            for path in select.repeat:
                for child in _eval_at(evaluator, path, [item]):
                    traverse(child, False)

        traverse(node, True)
        return found
    assert select.for_each is not None
    return _eval_at(evaluator, select.for_each, [node])


def _process(select: Select, node: Any, env: Env, row_index: int) -> Iterator[Row]:
    if select.iterates:
        foci = _foci(select, node, env)
        if not foci:
            if select.or_null:
                yield {
                    c.name: (0 if c.path.text.strip() == "%rowIndex" else None)
                    for c in select.all_columns()
                }
            return
        for i, focus in enumerate(foci):
            yield from _body(select, focus, env, i)
        return
    yield from _body(select, node, env, row_index)


def _body(select: Select, focus: Any, env: Env, row_index: int) -> Iterator[Row]:
    scoped = Env(env.resource, env.constants, row_index)
    evaluator = Evaluator(scoped)
    parts: list[list[Row]] = []
    for col in select.columns:
        parts.append([{col.name: _column_value(col, _eval_at(evaluator, col.path, [focus]))}])
    for sub in select.selects:
        parts.append(list(_process(sub, focus, scoped, row_index)))
    if select.union_all:
        union: list[Row] = []
        for branch in select.union_all:
            union.extend(_process(branch, focus, scoped, row_index))
        parts.append(union)
    for combo in itertools.product(*parts):
        row: Row = {}
        for part in combo:
            row.update(part)
        yield row
