"""Navigation the FHIR R4 element tables make static: plain JSON paths, no run-time type tests.

Where the type of a focus is known (the view's resource, or what a tabled element holds),
``a.b.c`` over elements the tables state (:mod:`caldicott.views.fhirpath.elements`) is one
JSON path: ``$."a"."b"`` for elements that do not repeat, ``[*]`` after those that do.
Such a path yields at most one item when no step repeats; the compiled expression then
also carries that item (``Sql.opt``: JSON, or NULL for none) and, for primitives, its
plain SQL value (``Sql.scalar``), which columns, comparisons and ``first()`` use directly.

Paths from the resource are read from one multi-path extraction per row, as text (a
string's characters, any other value's JSON): each path here is a marker replaced, at
the end, by its place in that list, so only the paths the final query uses are extracted
and the resource is parsed once.

Everything else (unknown elements, untabled types, a choice element by its bare name)
returns None and the generic navigation is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from caldicott.views.engines.sql_dialect import element_key
from caldicott.views.fhirpath import elements
from caldicott.views.fhirpath.types import INTEGER_TYPES, STRING_TYPES

if TYPE_CHECKING:
    from caldicott.views.engines.sql_expr import ExprCompiler, Sql

TEMPORAL = frozenset({"date", "dateTime", "instant", "time"})
#: Primitive types whose values compare as plain strings (dates compare by precision).
PLAIN_STRINGS = STRING_TYPES - TEMPORAL
MARKER = re.compile("\u27e6pre([0-9]+)\u27e7")


@dataclass(frozen=True)
class JsonPath:
    """``base`` (SQL of one JSON item) followed by ``steps`` (JSON path text after ``$``)."""

    base: str
    steps: str
    many: bool
    nullable: bool = False  # whether ``base`` may be NULL (an item that may be absent)


class TypedPaths:
    def __init__(self, compiler: ExprCompiler) -> None:
        self.c = compiler
        self.d = compiler.d
        self.prefetched: dict[str, int] = {}

    # the prefetch ----------------------------------------------------------------------
    def marker(self, path: str) -> str:
        n = self.prefetched.setdefault(path, len(self.prefetched))
        return f"\u27e6pre{n}\u27e7"

    def finish(self, sql: str, prefix: str) -> tuple[str, list[str]]:
        """The query with markers replaced by columns ``<prefix>1``, ``<prefix>2`` ... (in
        the order of the paths returned, which the caller extracts)."""
        by_number = {n: p for p, n in self.prefetched.items()}
        used: dict[int, int] = {}
        for found in MARKER.finditer(sql):
            used.setdefault(int(found.group(1)), len(used))
        paths = [by_number[n] for n in used]

        def place(found: re.Match[str]) -> str:
            return f"{prefix}{used[int(found.group(1))] + 1}"

        return MARKER.sub(place, sql), paths

    # navigation ------------------------------------------------------------------------
    def nav(self, source: Sql, key: str) -> Sql | None:
        """``source.key`` where the tables state ``key`` for the source's type."""
        el = elements.element(source.fhir, key)
        if el is None:
            return None
        return self.step(source, key, el)

    def choice(self, source: Sql, base: str, wanted: str) -> Sql | None:
        """``base.ofType(wanted)`` where ``base`` is a tabled choice element of the source."""
        keys = elements.choice_keys(source.fhir, base)
        if keys is None:
            return None
        key = base + wanted[0].upper() + wanted[1:] if wanted else ""
        el = elements.element(source.fhir, key) if key in keys else None
        if el is None or el.type != wanted:
            return None  # not a form the tables allow: the generic search decides
        return self.step(source, key, el)

    def step(self, source: Sql, key: str, el: elements.Element) -> Sql:
        from caldicott.views.engines.sql_expr import Sql

        d = self.d
        fhir = el.type if el.known else None
        part = f'."{element_key(key)}"' + ("[*]" if el.many else "")
        if source.path is not None:
            p = source.path
            path = JsonPath(p.base, p.steps + part, p.many or el.many, p.nullable)
            return self.emit(path, fhir)
        if source.opt is not None:
            return self.emit(JsonPath(source.opt, part, el.many, True), fhir)
        v, w = self.c.var(), self.c.var()
        if el.many:
            coll = d.flatten(d.transform(source.sql, v, self.extract(v, "$" + part)))
        else:
            got = d.transform(source.sql, v, self.extract(v, "$" + part))
            coll = d.filter(got, w, f"{w} IS NOT NULL")
        return Sql(coll, "coll", fhir=fhir)

    def extract(self, item: str, path: str) -> str:
        return f"json_extract({item}, {self.d.quote(path)})"

    def emit(self, p: JsonPath, fhir: str | None) -> Sql:
        from caldicott.views.engines.sql_expr import Sql

        d = self.d
        base, steps = self.located(p)
        text = base != p.base  # read from the prefetched text of a part of the resource
        if p.many:
            coll = self.extract(base, "$" + steps)
            if text or p.nullable:  # a part or an item that may be absent
                coll = f"coalesce({coll}, {d.empty()})"
            return Sql(coll, "coll", fhir=fhir, path=p)
        if not steps and text:
            strings = fhir in STRING_TYPES
            opt = d.to_json(base) if strings else f"CAST({base} AS {d.json_type_name})"
            scalar = base if strings else self.scalar(base, fhir)
            return Sql(self.coll_of(opt), "coll", fhir=fhir, opt=opt, path=p, scalar=scalar)
        if not steps:
            scalar = self.scalar(base, fhir)
            return Sql(self.coll_of(base), "coll", fhir=fhir, opt=base, path=p, scalar=scalar)
        opt = self.extract(base, "$" + steps)
        scalar = self.scalar(opt, fhir)
        if fhir in STRING_TYPES:
            scalar = f"json_extract_string({base}, {d.quote('$' + steps)})"
        return Sql(self.coll_of(opt), "coll", fhir=fhir, opt=opt, path=p, scalar=scalar)

    def located(self, p: JsonPath) -> tuple[str, str]:
        """Where a path is read from: paths from the resource start at a prefetched part."""
        if p.base != self.c.root_item or not p.steps:
            return p.base, p.steps
        head, star, rest = p.steps.partition("[*]")
        return self.marker(self.d.quote("$" + head)), star + rest

    def coll_of(self, opt: str) -> str:
        d = self.d
        return f"(CASE WHEN {opt} IS NULL THEN {d.empty()} ELSE {d.list_of(opt)} END)"

    def scalar(self, opt: str, fhir: str | None) -> str | None:
        """The plain SQL value of one primitive item of a known type, or None (the casts
        read JSON or, for all but strings, the same value's text)."""
        d = self.d
        if fhir in STRING_TYPES:
            return d.string(opt)
        if fhir == "boolean":
            return d.boolean(opt)
        if fhir in INTEGER_TYPES:
            return d.integer(opt)
        if fhir == "decimal":
            return d.number(opt)
        return None

    # what the other functions make of a known item -------------------------------------
    def one(
        self, sql: str, fhir: str | None, type_: str | None = None, scalar: str | None = None
    ) -> Sql:
        """A collection of at most one item given as that item's SQL (JSON or NULL)."""
        from caldicott.views.engines.sql_expr import Sql

        if scalar is None:
            scalar = self.scalar(sql, fhir)
        return Sql(self.coll_of(sql), "coll", type_, fhir=fhir, opt=sql, scalar=scalar)

    def first(self, source: Sql, coll: str, type_: str | None) -> Sql:
        """``first()``: the first item, kept as one item (no list is built)."""
        d = self.d
        if source.opt is not None:
            return self.one(source.opt, source.fhir, type_, source.scalar)
        scalar = None
        p = source.path
        if p is not None and p.many and source.fhir in STRING_TYPES:
            base, steps = self.located(p)
            strings = f"json_extract_string({base}, {d.quote('$' + steps)})"
            scalar = d.at(strings, "1")
        return self.one(d.at(coll, "1"), source.fhir, type_, scalar)

    def column(self, col_type: str | None, e: Sql) -> str | None:
        """A column's value straight from a single item whose type is known, if it can be."""
        if e.scalar is None or e.fhir is None:
            return None
        same = (
            (col_type in STRING_TYPES and e.fhir in STRING_TYPES)
            or (col_type == "boolean" and e.fhir == "boolean")
            or (col_type in INTEGER_TYPES and e.fhir in INTEGER_TYPES)
            or (col_type == "decimal" and e.fhir == "decimal")
        )
        return e.scalar if same else None

    def compare(self, op: str, left: Sql, right: Sql) -> Sql | None:
        """``=``, ``!=``, ``<`` ... of two single primitives whose JSON types are known."""
        from caldicott.views.engines.sql_expr import Sql

        a, b = _plain(left), _plain(right)
        if a is None or b is None or a[1] != b[1]:
            return None
        sql_op = "<>" if op == "!=" else op
        return Sql(f"({a[0]} {sql_op} {b[0]})", "bool", "boolean")

    def exists(self, source: Sql) -> str | None:
        return None if source.opt is None else f"({source.opt} IS NOT NULL)"


def _plain(e: Sql) -> tuple[str, str] | None:
    """(plain SQL value, how it compares) of a single item, where no test is needed."""
    if e.kind == "bool":
        return (e.sql, "boolean")
    if e.scalar is None or e.fhir is None:
        return None
    if e.fhir in PLAIN_STRINGS:
        return (e.scalar, "string")
    if e.fhir == "boolean":
        return (e.scalar, "boolean")
    if e.fhir in INTEGER_TYPES or e.fhir == "decimal":
        return (e.scalar, "number")
    return None
