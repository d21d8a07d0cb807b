"""FHIR R4 elements whose shape the views may rely on: the element tables ingest enforces.

The warehouse holds only resources that passed ingest's validation, whose element tables
(``caldicott.ingest.validate.datatypes`` and ``.resources``) say, for each tabled type,
which elements repeat (a JSON array, never empty) and which do not (never an array), and
the FHIR type of each. The SQL engines use these to navigate with plain JSON paths
instead of testing every value's JSON type at run time. Only what those tables state is
relied on: an element they do not name (kept by ingest with an ``unknown-element``
warning), a BackboneElement, an Extension's content or a contained resource is navigated
generically, as if no table existed.

Resources given directly (the conformance suite, tests) were never validated;
:func:`conforms` checks the same facts on them so an engine can tell whether it may rely
on the tables for a run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from caldicott.ingest.validate.datatypes import ALIASES, DATATYPES, ELEMENT_BASE, RESOURCE_BASE
from caldicott.ingest.validate.resources import RESOURCES
from caldicott.views.fhirpath.types import INTEGER_TYPES, PRIMITIVES, STRING_TYPES


@dataclass(frozen=True)
class Element:
    """One JSON key of a tabled type: its FHIR type and whether it repeats."""

    type: str
    many: bool

    @property
    def known(self) -> bool:
        """Whether the type's own shape is known (a primitive or a tabled type)."""
        return self.type in PRIMITIVES or self.type in TABLES


def _table(text: str) -> tuple[dict[str, Element], dict[str, tuple[str, ...]]]:
    elements: dict[str, Element] = {}
    choices: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        name, types, many = parts[0], parts[1].split("|"), parts[2].endswith("..*")
        if name.endswith("[x]"):
            base = name[:-3]
            keys = []
            for t in types:
                key = base + t[0].upper() + t[1:]
                elements[key] = Element(t, many)
                keys.append(key)
            choices[base] = tuple(keys)
        else:
            elements[name] = Element(types[0], many)
    return elements, choices


TABLES: dict[str, dict[str, Element]] = {}
#: type -> choice element base name (``value``) -> its JSON keys (``valueQuantity`` ...)
CHOICES: dict[str, dict[str, tuple[str, ...]]] = {}
for _name, _text in DATATYPES.items():
    TABLES[_name], CHOICES[_name] = _table(ELEMENT_BASE + _text)
for _alias, _target in ALIASES.items():
    TABLES[_alias], CHOICES[_alias] = TABLES[_target], CHOICES[_target]
for _name, _text in RESOURCES.items():
    TABLES[_name], CHOICES[_name] = _table(RESOURCE_BASE + _text)
# ``resourceType`` is checked by ingest against the type, not as a code element.
for _elements in TABLES.values():
    _elements.pop("resourceType", None)


def element(owner: str | None, key: str) -> Element | None:
    """The element ``key`` of type ``owner`` where the tables state it, else None."""
    if owner is None:
        return None
    table = TABLES.get(owner)
    return None if table is None else table.get(key)


def choice_keys(owner: str | None, base: str) -> tuple[str, ...] | None:
    """The JSON keys of the choice element ``base`` of ``owner`` (None: not a choice)."""
    if owner is None:
        return None
    return CHOICES.get(owner, {}).get(base)


def _primitive_ok(kind: str, value: Any) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in INTEGER_TYPES:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "decimal":
        return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    if kind in STRING_TYPES:
        return isinstance(value, str)
    return False


def _item_ok(el: Element, value: Any) -> bool:
    if el.type in PRIMITIVES:
        return _primitive_ok(el.type, value)
    if not isinstance(value, Mapping):
        return False
    return el.type not in TABLES or _object_ok(value, el.type)


def _object_ok(node: Mapping[str, Any], kind: str) -> bool:
    table = TABLES[kind]
    choices = CHOICES[kind]
    for key, value in node.items():
        el = table.get(key)
        if el is None:
            if key in choices:  # a choice element under its bare name is not FHIR JSON
                return False
            continue
        if el.many:
            if not isinstance(value, list) or not all(_item_ok(el, v) for v in value):
                return False
        elif isinstance(value, list) or not _item_ok(el, value):
            return False
    return True


def conforms(resource: Mapping[str, Any]) -> bool:
    """Whether a resource has the shape the tables state (true of any validated resource).

    Only the facts the engines rely on are checked: repeating elements are arrays, the
    others are not, primitives have their JSON type, tabled types are objects, and no
    choice element appears under its bare name. Elements the tables do not name pass.
    """
    kind = resource.get("resourceType")
    if not isinstance(kind, str) or kind not in RESOURCES:
        return True  # nothing is relied on for an untabled type
    return _object_ok(resource, kind)
