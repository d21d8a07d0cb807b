"""A structural check of ViewDefinitions given inline in an application.

Until the views capability offers its own parser, this checks what governance relies on:
``resourceType`` is ViewDefinition, ``resource`` names a FHIR resource type, and every
``select`` (with nested ``select``, ``unionAll``, ``forEach`` and ``forEachOrNull``) has
columns with a ``name`` matching ``^[A-Za-z][A-Za-z0-9_]*$`` and a ``path``. It also lists
each view's columns (with their paths) and the codes its filters mention, for the checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
RESOURCE = re.compile(r"^[A-Z][A-Za-z]+$")
_QUOTED_CODE = re.compile(r"'(\d{4,18})'")
_BARE_CODE = re.compile(r"^\d{6,18}$")


@dataclass(frozen=True)
class ViewColumn:
    name: str
    path: str


def structural_errors(view: Any, where: str) -> list[str]:
    """Every structural problem of a ViewDefinition, each as ``path: message``."""
    if not isinstance(view, dict):
        return [f"{where}: expected a ViewDefinition object"]
    errors = []
    if view.get("resourceType") != "ViewDefinition":
        errors.append(f"{where}.resourceType: must be 'ViewDefinition'")
    resource = view.get("resource")
    if not isinstance(resource, str) or not RESOURCE.match(resource):
        errors.append(f"{where}.resource: must name a FHIR resource type such as Patient")
    selects = view.get("select")
    if not isinstance(selects, list) or not selects:
        errors.append(f"{where}.select: must be a non-empty list")
    else:
        errors.extend(_selects(selects, f"{where}.select"))
    for i, clause in enumerate(view.get("where", []) or []):
        if not isinstance(clause, dict) or not isinstance(clause.get("path"), str):
            errors.append(f"{where}.where[{i}].path: must be a FHIRPath string")
    if errors:
        return errors
    seen: set[str] = set()
    for column in _columns(view):
        if column.name in seen:
            errors.append(f"{where}: column name {column.name!r} is used twice")
        seen.add(column.name)
    return errors


def _selects(selects: list[Any], where: str) -> Iterator[str]:
    for i, select in enumerate(selects):
        here = f"{where}[{i}]"
        if not isinstance(select, dict):
            yield f"{here}: expected an object"
            continue
        if not any(k in select for k in ("column", "select", "unionAll")):
            yield f"{here}: needs column, select or unionAll"
        for j, column in enumerate(select.get("column", []) or []):
            at = f"{here}.column[{j}]"
            if not isinstance(column, dict):
                yield f"{at}: expected an object"
                continue
            name = column.get("name")
            if not isinstance(name, str) or not NAME.match(name):
                yield f"{at}.name: must match {NAME.pattern}"
            if not isinstance(column.get("path"), str) or not column["path"].strip():
                yield f"{at}.path: must be a FHIRPath string"
        for key in ("forEach", "forEachOrNull"):
            if key in select and not isinstance(select[key], str):
                yield f"{here}.{key}: must be a FHIRPath string"
        for key in ("select", "unionAll"):
            if key in select:
                nested = select[key]
                if not isinstance(nested, list) or not nested:
                    yield f"{here}.{key}: must be a non-empty list"
                else:
                    yield from _selects(nested, f"{here}.{key}")


def _columns(view: dict[str, Any]) -> list[ViewColumn]:
    out: list[ViewColumn] = []

    def walk(selects: Any, prefix: str) -> None:
        if not isinstance(selects, list):
            return
        for select in selects:
            if not isinstance(select, dict):
                continue
            base = str(select.get("forEach") or select.get("forEachOrNull") or "")
            scope = ".".join(p for p in (prefix, base) if p)
            for column in select.get("column", []) or []:
                if isinstance(column, dict) and isinstance(column.get("name"), str):
                    path = str(column.get("path", ""))
                    out.append(ViewColumn(column["name"], ".".join(p for p in (scope, path) if p)))
            walk(select.get("select"), scope)
            if isinstance(select.get("unionAll"), list) and select["unionAll"]:
                walk(select["unionAll"][:1], scope)

    walk(view.get("select"), "")
    return out


def columns(view: dict[str, Any]) -> list[ViewColumn]:
    """The columns a (structurally valid) ViewDefinition produces, with full paths."""
    return _columns(view)


def mentioned_codes(view: dict[str, Any]) -> set[str]:
    """Codes quoted in the view's filters and paths (for the sensitive code check)."""
    texts: list[str] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)
        elif isinstance(node, str):
            texts.append(node)

    collect(view.get("where", []))
    collect(view.get("select", []))
    collect(view.get("constant", []))
    quoted = {code for text in texts for code in _QUOTED_CODE.findall(text)}
    return quoted | {text for text in texts if _BARE_CODE.match(text)}
