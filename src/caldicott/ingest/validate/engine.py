"""The validator: element tables compiled once into dictionaries of fast checks.

:func:`validate` returns the reasons found in a resource and the references it makes
(``(path, type, id)``), which the loader resolves across the whole load and the warehouse.
The BackboneElements of the tabled types have tables of their own (:mod:`.backbones`).
Resources of other types and extensions are walked generically so that references, codes
and NHS numbers anywhere in a resource are still checked.

The walk visits every object and array of a resource it finds no error in (a container
in a place that wants a primitive is a ``wrong-type`` error), so it bounds their nesting
too: a container deeper than :data:`~caldicott.ingest.parse.MAX_DEPTH` is
``too-deeply-nested``, and an accepted resource nests no deeper (the Spark engine's
``repeat`` relies on it). Ingest therefore leaves the depth to this walk rather than
counting every record's brackets as it parses (:func:`~caldicott.ingest.parse.parse_record`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from caldicott.fhir.codes import code_problem
from caldicott.fhir.nhs_number import nhs_number_problem
from caldicott.ingest.parse import MAX_DEPTH, TOO_DEEP
from caldicott.ingest.reasons import Reason, reason, shown_key
from caldicott.ingest.validate.backbones import BACKBONE_BASE, BACKBONES
from caldicott.ingest.validate.datatypes import (
    ALIASES,
    DATATYPES,
    ELEMENT_BASE,
    RESOURCE_BASE,
)
from caldicott.ingest.validate.primitives import PRIMITIVES, Checker, Problem, is_id
from caldicott.ingest.validate.resources import RESOURCE_TYPES, RESOURCES

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
#: (lazy path of the reference element, target type, target id); see :func:`render`.
Ref = tuple[Any, str, str]


#: A path to an element, built only when a reason needs it: a root string, or
#: ``(parent, key)`` / ``(parent, key, index)`` tuples.
Path = Any


def render(path: Path) -> str:
    """``Patient.identifier[0].value`` from a lazy path."""
    parts: list[str] = []
    while type(path) is tuple:
        parts.append(f".{path[1]}[{path[2]}]" if len(path) == 3 else f".{path[1]}")
        path = path[0]
    return str(path) + "".join(reversed(parts))


@dataclass(slots=True)
class Elem:
    type: str
    many: bool
    allowed: frozenset[str] | None
    choice: str | None
    check: Checker | None = None
    spec: Spec | None = None


@dataclass(slots=True)
class Spec:
    name: str
    elems: dict[str, Elem] = field(default_factory=dict)
    required: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: required elements that are not choices: (element name, key)
    required_keys: tuple[str, ...] = ()
    #: required choice elements: (base name, its keys)
    required_choices: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: the particular check of the type (Coding, Identifier, Reference), if any
    special: int = 0


_CODING, _IDENTIFIER, _REFERENCE = 1, 2, 3
_SPECIAL = {"Coding": _CODING, "Identifier": _IDENTIFIER, "Reference": _REFERENCE}


def _compile(name: str, text: str) -> Spec:
    spec = Spec(name)
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        elem, types, card = parts[0], parts[1].split("|"), parts[2]
        allowed = frozenset(parts[3].split("|")) if len(parts) > 3 else None
        lo, hi = card.split("..")
        many = hi == "*"
        if elem.endswith("[x]"):
            base = elem[:-3]
            keys = tuple(base + t[0].upper() + t[1:] for t in types)
            for key, t in zip(keys, types, strict=True):
                spec.elems[key] = Elem(t, many, allowed, base)
            spec.choices[base] = keys
        else:
            keys = (elem,)
            spec.elems[elem] = Elem(types[0], many, allowed, None)
        if lo != "0":
            spec.required.append((elem, keys))
    return spec


SPECS: dict[str, Spec] = {}
for _name, _text in DATATYPES.items():
    SPECS[_name] = _compile(_name, ELEMENT_BASE + _text)
for _name, _text in BACKBONES.items():
    SPECS[_name] = _compile(_name, BACKBONE_BASE + _text)
for _alias, _target in ALIASES.items():
    SPECS[_alias] = SPECS[_target]
for _name, _text in RESOURCES.items():
    SPECS[_name] = _compile(_name, RESOURCE_BASE + _text)
RESOURCE_SPEC = _compile("Resource", RESOURCE_BASE)
for _spec in [*SPECS.values(), RESOURCE_SPEC]:
    for _el in _spec.elems.values():
        _el.check = PRIMITIVES.get(_el.type)
        _el.spec = SPECS.get(_el.type)
    _spec.required_keys = tuple(keys[0] for name, keys in _spec.required if name == keys[0])
    _spec.required_choices = tuple((n, k) for n, k in _spec.required if n != k[0])
    _spec.special = _SPECIAL.get(_spec.name, 0)


def _checked_before(_value: Any) -> Problem:
    """The check of a resource's own id in the walk: none, since :func:`validate` (the
    resource) and :meth:`_Run.resource` (a contained one) check and report it first."""
    return None


for _name in RESOURCES:
    SPECS[_name].elems["id"].check = _checked_before
RESOURCE_SPEC.elems["id"].check = _checked_before


#: References of the form Type/id seen valid lately, with their target: records of one
#: patient follow each other and name the same patient, practitioner and organisation,
#: so most references are found here instead of split and matched again.
KNOWN_REFS = 4096
_KNOWN_REFS: dict[str, tuple[str, str]] = {}


class _Run:
    """The findings of one validation."""

    __slots__ = ("reasons", "refs")

    def __init__(self) -> None:
        self.reasons: list[Reason] = []
        self.refs: list[tuple[Path, str, str]] = []

    def add(self, code: str, message: str, path: Path) -> None:
        self.reasons.append(reason(code, message, render(path)))

    def too_deep(self, path: Path) -> None:
        self.add("too-deeply-nested", TOO_DEEP, path)

    # -- objects described by a Spec (``depth``: the object's own, the resource's is 1) --
    def obj(
        self, node: dict[str, Any], spec: Spec, path: Path, depth: int, open_: bool = False
    ) -> None:
        if depth > MAX_DEPTH:
            self.too_deep(path)
            return
        elems = spec.elems
        chosen: list[str] | None = None
        for key, value in node.items():
            el = elems.get(key)
            if el is None:
                if not (key[:1] == "_" or open_):  # "" is a key too
                    base = _choice_base(spec, key)
                    shown = shown_key(key)
                    if base is not None:
                        self.add(
                            "invalid-choice",
                            f"{shown} is not an allowed form of {base}[x] in {spec.name}",
                            path,
                        )
                    else:
                        self.add(
                            "unknown-element", f"{shown} is not an element of {spec.name}", path
                        )
                self.generic(value, (path, key), depth + 1)
                continue
            if el.choice is not None:
                if chosen is None:
                    chosen = [el.choice]
                else:
                    chosen.append(el.choice)
            check = el.check
            if el.many:
                if type(value) is not list:
                    self.add("cardinality", f"{key} must be an array", (path, key))
                elif not value:
                    self.add("cardinality", f"{key} must not be an empty array", (path, key))
                elif depth >= MAX_DEPTH:  # the array itself is one level deeper
                    self.too_deep((path, key))
                elif check is not None:
                    allowed = el.allowed
                    for i, item in enumerate(value):
                        problem = check(item)
                        if problem is not None:
                            self.add(problem[0], problem[1], (path, key, i))
                        elif allowed is not None and item not in allowed:
                            self.add("invalid-code", "not an allowed code here", (path, key, i))
                else:
                    sub = el.spec
                    for i, item in enumerate(value):
                        if sub is not None and type(item) is dict:
                            self.obj(item, sub, (path, key, i), depth + 2)
                        else:
                            self.complex(item, el, (path, key, i), depth + 2)
            elif type(value) is list:
                self.add("cardinality", f"{key} must not repeat", (path, key))
            elif check is not None:
                problem = check(value)
                if problem is not None:
                    self.add(problem[0], problem[1], (path, key))
                elif el.allowed is not None and value not in el.allowed:
                    self.add("invalid-code", "not an allowed code for this element", (path, key))
            elif el.spec is not None and type(value) is dict:
                self.obj(value, el.spec, (path, key), depth + 1)
            else:
                self.complex(value, el, (path, key), depth + 1)
        for key in spec.required_keys:
            if key not in node:
                self.add("missing-required", f"required element {key} is missing", path)
        for name, keys in spec.required_choices:
            if not any(k in node for k in keys):
                self.add("missing-required", f"required element {name} is missing", path)
        if chosen is not None and len(chosen) > 1:
            for base in spec.choices:
                if chosen.count(base) > 1:
                    self.add("invalid-choice", f"{base}[x] is given in more than one form", path)
        special = spec.special
        if special:
            if special == _CODING:
                self.coding(node, path)
            elif special == _IDENTIFIER:
                self.identifier(node, path)
            else:
                self.reference(node.get("reference"), path)

    def complex(self, value: Any, el: Elem, path: Path, depth: int) -> None:
        if type(value) is not dict:
            self.add("wrong-type", f"must be a JSON object ({el.type})", path)
            return
        spec = el.spec
        if spec is not None:
            self.obj(value, spec, path, depth)
        elif el.type == "Resource":
            self.resource(value, path, depth)
        else:  # Extension, SampledData: checked generically
            if el.type == "Extension" and type(value.get("url")) is not str:
                self.add("missing-required", "an extension needs a url", path)
            self.generic(value, path, depth)

    # -- checks of particular data types -------------------------------------------------
    def coding(self, node: dict[str, Any], path: Path) -> None:
        system, code = node.get("system"), node.get("code")
        if type(system) is str and type(code) is str:
            problem = code_problem(system, code)
            if problem is not None:
                self.add("invalid-code", f"code {problem}", (path, "code"))

    def identifier(self, node: dict[str, Any], path: Path) -> None:
        if node.get("system") == NHS_NUMBER_SYSTEM:
            value = node.get("value")
            if type(value) is not str:
                return  # reported as wrong-type by the element check
            problem = nhs_number_problem(value)
            if problem is not None:
                self.add("bad-nhs-number", f"NHS number {problem}", (path, "value"))

    def reference(self, ref: Any, path: Path) -> None:
        if type(ref) is not str:
            return
        known = _KNOWN_REFS.get(ref)
        if known is not None:
            self.refs.append(((path, "reference"), known[0], known[1]))
            return
        if ref.startswith("#"):
            self.refs.append(((path, "reference"), "#", ref[1:]))
            return
        if "://" in ref:
            return  # an absolute URL: outside this environment, not checked
        parts = ref.split("/")
        if len(parts) in (2, 4) and parts[0] in RESOURCE_TYPES and is_id(parts[1]):
            if len(_KNOWN_REFS) >= KNOWN_REFS:
                _KNOWN_REFS.clear()
            _KNOWN_REFS[ref] = (parts[0], parts[1])
            self.refs.append(((path, "reference"), parts[0], parts[1]))
            return
        self.add("dangling-reference", "reference is not of the form Type/id", path)

    # -- generic walk (``depth``: the node's own, if it is an object or array) -----------
    def generic(self, node: Any, path: Path, depth: int) -> None:
        if depth > MAX_DEPTH and (type(node) is dict or type(node) is list):
            self.too_deep(path)
            return
        if type(node) is dict:
            if "reference" in node:
                self.reference(node["reference"], path)
            if "system" in node:
                if "code" in node:
                    self.coding(node, path)
                elif "value" in node:
                    self.identifier(node, path)
            for key, value in node.items():
                t = type(value)
                if t is dict or t is list:
                    self.generic(value, (path, key), depth + 1)
        elif type(node) is list:
            for i, item in enumerate(node):
                t = type(item)
                if t is dict or t is list:
                    self.generic(
                        item, (path[0], path[1], i) if type(path) is tuple else path, depth + 1
                    )

    def resource(self, res: dict[str, Any], path: Path, depth: int) -> str | None:
        rtype = res.get("resourceType")
        if type(rtype) is not str or rtype not in RESOURCE_TYPES:
            self.add("unknown-resource-type", "resourceType is not a FHIR R4 type", path)
            return None
        rid = res.get("id")
        if rid is not None and not (type(rid) is str and is_id(rid)):
            self.add("invalid-id", "id is not a FHIR id", (path, "id"))
            res = _without_id(res)  # reported once, as above
        spec = SPECS.get(rtype)
        if spec is None:
            self.obj(res, RESOURCE_SPEC, path, depth, open_=True)
        else:
            self.obj(res, spec, path, depth)
        return rtype


def _choice_base(spec: Spec, key: str) -> str | None:
    """The choice element ``key`` is a form of, by its name (``valueDecimal``: ``value``),
    though not one of its allowed types; None for any other unknown key."""
    for base in spec.choices:
        if len(key) > len(base) and key.startswith(base) and key[len(base)].isupper():
            return base
    return None


def _without_id(res: dict[str, Any]) -> dict[str, Any]:
    """The resource as the walk sees it once its id has been reported: without the id."""
    return {k: v for k, v in res.items() if k != "id"}


def validate(res: dict[str, Any]) -> tuple[list[Reason], list[Ref]]:
    """Check one resource; return its reasons and the references it makes."""
    run = _Run()
    rtype = res.get("resourceType")
    if type(rtype) is not str or rtype not in RESOURCE_TYPES:
        run.add("unknown-resource-type", "resourceType is missing or not a FHIR R4 type", "")
        return run.reasons, run.refs
    rid = res.get("id")
    if rid is None or rid == "":
        run.add("missing-required", "the resource has no id", f"{rtype}.id")
    elif type(rid) is not str:
        run.add("wrong-type", "id must be a JSON string", f"{rtype}.id")
    elif not is_id(rid):
        run.add("invalid-id", "id is not a FHIR id (1-64 of A-Z a-z 0-9 - .)", f"{rtype}.id")
        return run.reasons, run.refs
    # the element walk does not see an id found wrong above ("", null, not a string):
    # it would report it again
    walked = res if not run.reasons or "id" not in res else _without_id(res)
    spec = SPECS.get(rtype)
    if spec is None:
        run.obj(walked, RESOURCE_SPEC, rtype, 1, open_=True)
    else:
        run.obj(walked, spec, rtype, 1)
    contained = res.get("contained")
    # ids of contained resources that are strings (any other is reported, and unhashable)
    local = (
        {c["id"] for c in contained if type(c) is dict and type(c.get("id")) is str}
        if type(contained) is list
        else set()
    )
    refs = []
    for where, target, rid in run.refs:
        if target == "#":
            if rid and rid not in local:
                run.add("dangling-reference", "no contained resource has this id", where)
        else:
            refs.append((where, target, rid))  # the path is rendered only if needed
    return run.reasons, refs
