"""A compact validator for the subset of JSON Schema (2020-12) that governance publishes.

The application schema is published as standard JSON Schema so anyone can validate with
their own tools; this module checks it here without a third-party dependency. It supports
exactly the keywords listed in :data:`SUPPORTED` and refuses to load a schema that uses any
other, so a keyword can never be silently ignored. Every problem is reported with the path
of the value that failed (``data.columns[2].justification``), all problems at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

VALIDATING = frozenset(
    {
        "type", "properties", "required", "additionalProperties", "enum", "const", "items",
        "minItems", "maxItems", "minLength", "maxLength", "pattern", "minimum", "maximum",
        "$ref", "anyOf", "oneOf", "format",
    }
)  # fmt: skip
ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "$comment", "title", "description", "examples", "default"}
)
SUPPORTED = VALIDATING | ANNOTATIONS
_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def check_schema(schema: Any, where: str = "#") -> None:
    """Raise ValueError if the schema uses a keyword this validator does not implement."""
    if isinstance(schema, bool):
        return
    if not isinstance(schema, dict):
        raise ValueError(f"{where}: a schema must be an object or a boolean")
    unknown = sorted(set(schema) - SUPPORTED)
    if unknown:
        raise ValueError(f"{where}: unsupported keyword {unknown[0]!r}")
    for key in ("properties", "$defs"):
        for name, sub in schema.get(key, {}).items():
            check_schema(sub, f"{where}/{key}/{name}")
    for key in ("items", "additionalProperties"):
        if key in schema:
            check_schema(schema[key], f"{where}/{key}")
    for key in ("anyOf", "oneOf"):
        for i, sub in enumerate(schema.get(key, [])):
            check_schema(sub, f"{where}/{key}/{i}")


def _is_type(value: Any, name: str) -> bool:
    if isinstance(value, bool) and name in ("integer", "number"):
        return False
    return isinstance(value, _TYPES[name])


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class Validator:
    def __init__(self, schema: dict[str, Any]) -> None:
        check_schema(schema)
        self.root = schema

    def errors(self, value: Any) -> list[str]:
        """Every problem as ``path: message`` (the document root's path is ``(document)``)."""
        return [f"{p or '(document)'}: {m}" for p, m in self._walk(self.root, value, "")]

    def _resolve(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported: {ref}")
        node: Any = self.root
        for part in ref[2:].split("/"):
            node = node[part]
        return node

    def _walk(self, schema: Any, value: Any, path: str) -> Iterator[tuple[str, str]]:
        if schema is True:
            return
        if schema is False:
            yield path, "is not allowed here"
            return
        if "$ref" in schema:
            yield from self._walk(self._resolve(schema["$ref"]), value, path)
        if "type" in schema:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(_is_type(value, n) for n in names):
                yield path, f"expected {' or '.join(names)}, got {_describe(value)}"
                return
        if "const" in schema and value != schema["const"]:
            yield path, f"must be {schema['const']!r}"
        if "enum" in schema and value not in schema["enum"]:
            yield path, f"must be one of {', '.join(map(str, schema['enum']))}"
        if isinstance(value, str):
            yield from self._string(schema, value, path)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if "minimum" in schema and value < schema["minimum"]:
                yield path, f"must be at least {schema['minimum']}"
            if "maximum" in schema and value > schema["maximum"]:
                yield path, f"must be at most {schema['maximum']}"
        if isinstance(value, list):
            yield from self._array(schema, value, path)
        if isinstance(value, dict):
            yield from self._object(schema, value, path)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                yield from self._choice(key, schema[key], value, path)

    def _string(self, schema: dict[str, Any], value: str, path: str) -> Iterator[tuple[str, str]]:
        if "minLength" in schema and len(value.strip()) < schema["minLength"]:
            yield path, f"must have at least {schema['minLength']} characters"
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            yield path, f"must have at most {schema['maxLength']} characters"
        if "pattern" in schema and not re.search(schema["pattern"], value):
            yield path, f"must match the pattern {schema['pattern']}"
        if schema.get("format") == "date":
            try:
                date.fromisoformat(value)
            except ValueError:
                yield path, "must be a date (YYYY-MM-DD)"

    def _array(
        self, schema: dict[str, Any], value: list[Any], path: str
    ) -> Iterator[tuple[str, str]]:
        if "minItems" in schema and len(value) < schema["minItems"]:
            yield path, f"must have at least {schema['minItems']} item(s)"
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            yield path, f"must have at most {schema['maxItems']} item(s)"
        if "items" in schema:
            for i, item in enumerate(value):
                yield from self._walk(schema["items"], item, _join(path, i))

    def _object(
        self, schema: dict[str, Any], value: dict[str, Any], path: str
    ) -> Iterator[tuple[str, str]]:
        for name in schema.get("required", []):
            if name not in value:
                yield _join(path, name), "is required"
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in props:
                yield from self._walk(props[name], item, _join(path, name))
            elif extra is False:
                yield _join(path, str(name)), "is not a known field"
            elif isinstance(extra, dict):
                yield from self._walk(extra, item, _join(path, str(name)))

    def _choice(
        self, key: str, options: list[Any], value: Any, path: str
    ) -> Iterator[tuple[str, str]]:
        results = [list(self._walk(option, value, path)) for option in options]
        passing = sum(1 for r in results if not r)
        if (key == "anyOf" and passing == 0) or (key == "oneOf" and passing != 1):
            if key == "oneOf" and passing > 1:
                yield path, "matches more than one of the allowed forms"
                return
            best = min(results, key=len)
            yield from best


def _describe(value: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _is_type(value, name):
            return name
    return type(value).__name__
