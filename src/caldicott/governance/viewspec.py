"""What the checks need from a ViewDefinition's JSON: its columns' full paths and its codes.

Validation is :func:`caldicott.views.parse.parse_view`'s job; this reads an already valid
view's JSON for the columns (with ``forEach`` prefixes joined on, so a column's FHIRPath can
be recognised as a direct identifier) and the codes its filters and constants mention
(for the sensitive code check).
"""

from __future__ import annotations

import re
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
    return quoted | {text for text in texts if _BARE_CODE.fullmatch(text)}
