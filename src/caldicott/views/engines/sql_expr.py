"""FHIRPath -> a SQL expression over JSON items, through a :class:`Dialect`.

A compiled expression is either a collection (a SQL list of JSON items) or a boolean
(SQL BOOLEAN where NULL stands for the empty collection).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from decimal import Decimal

import orjson

from caldicott.errors import Unsupported
from caldicott.ingest.validate.resources import RESOURCE_TYPES
from caldicott.views.engines.base import at, several_booleans, single_values
from caldicott.views.engines.sql_dialect import Dialect, element_key
from caldicott.views.engines.sql_temporal import in_utc, temporal_compare
from caldicott.views.engines.sql_typed import JsonPath, TypedPaths
from caldicott.views.fhirpath import ast
from caldicott.views.fhirpath.parser import type_argument
from caldicott.views.fhirpath.types import (
    CHOICE_ELEMENTS,
    CHOICE_SUFFIXES,
    COMPLEX,
    INTEGER_TYPES,
    STRING_TYPES,
    normalise_type,
    temporal_kind,
)
from caldicott.views.model import ConstantValue, Path

# Patterns end with \z, not $ (see sql_temporal).
REFERENCE = r"^(?:.*/)?([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/.*)?\z"
CHOICE_PATTERN = "(" + "|".join(sorted(CHOICE_SUFFIXES)) + ")"


@dataclass(frozen=True)
class Sql:
    sql: str
    kind: str  # "coll" or "bool"
    type: str | None = None  # a FHIR type known statically (from ofType or a literal)
    # Known from the FHIR R4 element tables (typed navigation, ``sql_typed``): the type of
    # every item; the single item (JSON, NULL for none) where there is at most one; the
    # JSON path it was reached by; and a single primitive's plain SQL value.
    fhir: str | None = None
    opt: str | None = None
    path: JsonPath | None = None
    scalar: str | None = None
    #: a string literal's or constant's own value, known when the SQL is made
    text: str | None = None

    def may_look_temporal(self) -> bool:
        """Whether an item could be a string that reads as a date, dateTime or time,
        which the engines compare precision by precision (see :meth:`ExprCompiler.compare`)."""
        if self.kind == "bool":
            return False
        known = self.type or self.fhir
        if known is not None and known not in STRING_TYPES:
            return False
        return self.text is None or temporal_kind(self.text) is not None


#: Functions whose items are (some of) their input's, so keep the type a choice
#: element's key gave them (the memory engine's ``Typed``).
_PASSING = frozenset({"first", "last", "where", "ofType"})


def carries_choice_types(expr: ast.Expr | None) -> bool:
    """Whether items of ``expr`` may be choice values past their element, whose type the
    memory engine knows from its key and the SQL engines do not (``$this`` may be one)."""
    if expr is None or isinstance(expr, ast.This):
        return True
    if isinstance(expr, ast.Member):
        return expr.name in CHOICE_ELEMENTS
    if isinstance(expr, ast.Call) and expr.name in _PASSING:
        return carries_choice_types(expr.source)
    if isinstance(expr, ast.Index):
        return carries_choice_types(expr.source)
    if isinstance(expr, ast.TypeTest) and expr.op == "as":
        return carries_choice_types(expr.source)
    if isinstance(expr, ast.Binary) and expr.op == "|":
        return carries_choice_types(expr.left) or carries_choice_types(expr.right)
    return False


@dataclass(frozen=True)
class Scope:
    focus: str  # collection SQL of the input focus
    row_index: str  # BIGINT SQL
    resource: str  # the resource, in the dialect's carried form
    item: str | None = None  # the single focus item, when the focus is exactly one item
    fhir: str | None = None  # the FHIR type of the focus items, where the tables are relied on


class ExprCompiler:
    def __init__(
        self, dialect: Dialect, constants: dict[str, tuple[str, ConstantValue]], resource_type: str
    ) -> None:
        self.d = dialect
        self.constants = constants
        self.resource_type = resource_type
        self._vars = itertools.count()
        #: where in the view the path being compiled sits (see :meth:`compile_at`)
        self.location = ""
        # Root prefetch (DuckDB): the resource's top-level elements are extracted once per
        # row into a list, so each column does not parse the whole document again.
        self.root_item: str | None = None
        self.root_parts: str = ""
        self.root_keys_sql: str = ""
        self.root_keys: dict[str, int] = {}
        self.root_keys_used = False
        # Typed navigation, where the dialect relies on the FHIR R4 element tables.
        self.typed = TypedPaths(self) if dialect.typed_paths else None

    def var(self) -> str:
        return f"_v{next(self._vars)}"

    # conversions ------------------------------------------------------------------
    def coll(self, e: Sql) -> str:
        if e.kind == "coll":
            return e.sql
        d = self.d
        return (
            f"(CASE WHEN ({e.sql}) IS NULL THEN {d.empty()} ELSE {d.list_of(d.to_json(e.sql))} END)"
        )

    def boolean(self, e: Sql, what: str = "expression") -> str:
        if e.kind == "bool":
            return e.sql
        d, v = self.d, self.var()
        item = d.at(v, "1")
        body = (
            f"CASE {d.length(v)} WHEN 0 THEN NULL WHEN 1 THEN "
            f"(CASE WHEN {d.is_bool(d.kind(item))} THEN {d.boolean(item)} ELSE TRUE END) "
            f"ELSE {d.error(several_booleans(what, self.location), 'BOOLEAN')}"
            f" END"
        )
        return d.let(e.sql, v, body)

    def literal(self, value: ConstantValue, kind: str) -> Sql:
        if isinstance(value, bool):
            return Sql("TRUE" if value else "FALSE", "bool", "boolean")
        if isinstance(value, Decimal):
            return Sql(self.d.list_of(self.d.json_decimal(str(value))), "coll", kind)
        item = self.d.json_param(orjson.dumps(value).decode())
        if not isinstance(value, str):
            return Sql(self.d.list_of(item), "coll", kind)
        if self.typed is not None:
            scalar = self.d.param(value)
            return Sql(self.d.list_of(item), "coll", kind, kind, item, scalar=scalar, text=value)
        return Sql(self.d.list_of(item), "coll", kind, text=value)

    def focus(self, scope: Scope) -> Sql:
        """The input focus as a compiled expression."""
        if self.typed is None or scope.fhir is None or scope.item is None:
            return Sql(scope.focus, "coll")
        path = JsonPath(scope.item, "", False)
        return Sql(scope.focus, "coll", fhir=scope.fhir, opt=scope.item, path=path)

    def step(self, source: Sql, key: str, choice: bool = True) -> Sql:
        """``source.key``: a JSON path where the element tables state it, else generic."""
        if self.typed is not None and (found := self.typed.nav(source, key)) is not None:
            return found
        return Sql(self.nav(self.coll(source), key, choice), "coll")

    # expressions ------------------------------------------------------------------
    def compile_at(self, path: Path, scope: Scope) -> Sql:
        """A path of the view; the errors its SQL may raise name where it sits."""
        outer, self.location = self.location, path.location
        try:
            return self.compile(path.expr, scope)
        finally:
            self.location = outer

    def compile(self, expr: ast.Expr, scope: Scope) -> Sql:
        d = self.d
        if isinstance(expr, ast.Member):
            if expr.source is None and expr.name == self.resource_type:
                return self.focus(scope) if scope.fhir == expr.name else Sql(scope.focus, "coll")
            base = self.focus(scope) if expr.source is None else self.compile(expr.source, scope)
            return self.step(base, expr.name)
        if isinstance(expr, ast.Call):
            return self.call(expr, scope)
        if isinstance(expr, ast.Literal):
            return self.literal(expr.value, expr.type)
        if isinstance(expr, ast.This):
            return Sql(scope.focus, "coll")
        if isinstance(expr, ast.Empty):
            return Sql(d.empty(), "coll")
        if isinstance(expr, ast.Variable):
            if expr.name == "rowIndex":
                return Sql(d.list_of(d.to_json_integer(scope.row_index)), "coll", "integer")
            if expr.name in ("resource", "rootResource", "context"):
                root = d.uncarry(scope.resource)
                if self.typed is not None and root == self.root_item:
                    kind = self.resource_type
                    return self.focus(Scope(d.list_of(root), scope.row_index, root, root, kind))
                return Sql(d.list_of(root), "coll")
            kind, value = self.constants[expr.name]
            return self.literal(value, kind)
        if isinstance(expr, ast.Index):
            source = self.coll(self.compile(expr.source, scope))
            index = self.coll(self.compile(expr.index, scope))
            v = self.var()
            return Sql(d.let(index, v, d.slice_at(source, d.integer(d.at(v, "1")))), "coll")
        if isinstance(expr, ast.Unary):
            return self.arith("-", self.literal(0, "integer"), self.compile(expr.operand, scope))
        if isinstance(expr, ast.Binary):
            return self.binary(expr, scope)
        if isinstance(expr, ast.TypeTest):
            return self.type_operator(expr, scope)
        raise Unsupported(f"{type(expr).__name__} is not supported by the {d.name} engine")

    def child(self, item: str, key: str, choice: bool = True) -> str:
        d = self.d
        at_root = self.root_item is not None and item == self.root_item
        if at_root:
            index = self.root_keys.setdefault(element_key(key), len(self.root_keys))
            extracted = d.at(self.root_parts, str(index + 1))
        else:
            extracted = d.child(item, key)
        e = self.var()
        missing = d.empty()
        if choice and key in CHOICE_ELEMENTS:
            k = self.var()
            pattern = element_key(key) + CHOICE_PATTERN
            if at_root:
                self.root_keys_used = True
            keys = self.root_keys_sql if at_root else d.keys(item)
            found = d.filter(keys, k, d.regex_match(k, pattern))
            alternatives = d.transform(found, k, d.child_dynamic(item, k))
            missing = (
                alternatives
                if at_root
                else f"(CASE WHEN {d.is_object(d.shape(item))} THEN {alternatives} "
                f"ELSE {d.empty()} END)"
            )
        body = (
            f"CASE WHEN {e} IS NULL THEN {missing} "
            f"WHEN {d.is_array(d.shape(e))} THEN {d.items_of(e)} "
            f"WHEN {d.is_absent(d.shape(e))} THEN {d.empty()} "
            f"ELSE {d.list_of(e)} END"
        )
        return d.let(extracted, e, body)

    def nav(self, coll: str, key: str, choice: bool = True) -> str:
        v = self.var()
        return self.d.flatten(self.d.transform(coll, v, self.child(v, key, choice)))

    def binary(self, expr: ast.Binary, scope: Scope) -> Sql:
        op = expr.op
        left, right = self.compile(expr.left, scope), self.compile(expr.right, scope)
        if op in ("and", "or", "xor", "implies"):
            a, b = self.boolean(left, op), self.boolean(right, op)
            sql = {
                "and": f"(({a}) AND ({b}))",
                "or": f"(({a}) OR ({b}))",
                "xor": f"(({a}) <> ({b}))",
                "implies": f"((NOT ({a})) OR ({b}))",
            }[op]
            return Sql(sql, "bool", "boolean")
        if op in ("=", "!=", "<", ">", "<=", ">="):
            return self.compare(op, left, right)
        if op in ("+", "-", "*", "/", "div", "mod"):
            return self.arith(op, left, right)
        if op in ("in", "contains"):
            return self.membership(op, *((left, right) if op == "in" else (right, left)))
        if op == "|":
            return self.union(left, right)
        if op in ("~", "!~"):
            from caldicott.views.engines.sql_equivalence import equivalence

            return equivalence(self, op, left, right)
        if op == "&":
            d = self.d
            many = d.string(d.error(single_values(op, self.location), d.json_type_name))
            a, b = (
                d.let(
                    self.coll(x),
                    v := self.var(),
                    f"(CASE WHEN {d.length(v)} > 1 THEN {many} "
                    f"ELSE coalesce({d.string(d.at(v, '1'))}, '') END)",
                )
                for x in (left, right)
            )
            return Sql(d.list_of(d.to_json(f"({a} || {b})")), "coll", "string")
        raise Unsupported(f"operator {op} is not supported by the {self.d.name} engine")

    def compare(self, op: str, left: Sql, right: Sql) -> Sql:
        d = self.d
        # Two strings that read as dates compare as dates on every engine, whatever their
        # element's type: so the memory engine, which knows no element types, does.
        as_dates = left.may_look_temporal() and right.may_look_temporal()
        typed = self.typed
        if typed is not None and not as_dates and (plain := typed.compare(op, left, right)):
            return plain
        if left.kind == "bool" and right.kind == "bool" and op in ("=", "!="):
            return Sql(f"(({left.sql}) {'=' if op == '=' else '<>'} ({right.sql}))", "bool")
        a, b = self.var(), self.var()
        x, y = d.at(a, "1"), d.at(b, "1")
        kx, ky = d.kind(x), d.kind(y)
        sql_op = "<>" if op == "!=" else op
        sx, sy = d.string(x), d.string(y)
        temporal = {"date", "dateTime", "instant", "time"}
        string_compare = f"({sx} {sql_op} {sy})"
        if left.type in temporal or right.type in temporal or as_dates:
            u, w = self.var(), self.var()
            string_compare = d.let(
                in_utc(d, sx), u, d.let(in_utc(d, sy), w, temporal_compare(d, sql_op, u, w))
            )
        many = (
            f"({d.comparable_items(a)} {sql_op} {d.comparable_items(b)})"
            if op in ("=", "!=")
            else d.error(single_values(op, self.location), "BOOLEAN")
        )
        mismatch = "FALSE" if op in ("=", "!=") else "NULL"
        if op == "!=":
            mismatch = "TRUE"
        body = (
            f"CASE WHEN {d.length(a)} = 0 OR {d.length(b)} = 0 THEN NULL "
            f"WHEN {d.length(a)} > 1 OR {d.length(b)} > 1 THEN "
            f"{many} "
            f"WHEN {d.is_number(kx)} AND {d.is_number(ky)} THEN "
            f"({d.number(x)} {sql_op} {d.number(y)}) "
            f"WHEN {d.is_string(kx)} AND {d.is_string(ky)} THEN "
            f"{string_compare} "
            f"WHEN {d.is_bool(kx)} AND {d.is_bool(ky)} THEN "
            f"({d.boolean(x)} {sql_op} {d.boolean(y)}) "
            f"WHEN {kx} = {ky} THEN ({d.comparable(x)} {sql_op} {d.comparable(y)}) "
            f"ELSE {mismatch} END"
        )
        inner = d.let(self.coll(right), b, body)
        return Sql(d.let(self.coll(left), a, inner), "bool", "boolean")

    def arith(self, op: str, left: Sql, right: Sql) -> Sql:
        d = self.d
        a, b = self.var(), self.var()
        x, y = d.at(a, "1"), d.at(b, "1")
        kx, ky = d.kind(x), d.kind(y)
        numeric = f"({d.number(x)} {op} {d.number(y)})"
        if op == "/":
            numeric = f"(CASE WHEN {d.number(y)} = 0 THEN NULL ELSE {numeric} END)"
        integer = d.list_of(d.to_json(f"({d.integer(x)} {op} {d.integer(y)})"))
        if op in ("div", "mod"):
            # both truncate (-5 div 2 is -2, -5 mod 2 is -1), as the memory engine does
            ix, iy = d.integer(x), d.integer(y)
            # x mod -1 is 0 (DuckDB's % overflows on the smallest BIGINT)
            rest = f"(CASE WHEN {iy} = -1 THEN 0 ELSE {ix} % {iy} END)"
            kept = d.truncated_div(ix, iy) if op == "div" else rest
            integer = f"(CASE WHEN {iy} = 0 THEN {d.empty()} ELSE {d.list_of(d.to_json(kept))} END)"
            # as DOUBLEs, 0.3 div 0.1 would be 2 and 2.1 mod 0.7 would be 0.7: refused
            refused = at(self.location, f"the {d.name} engine does not support {op} of decimals")
            numeric = d.error(f"Unsupported: {refused}", "DOUBLE")
        result = (
            f"CASE WHEN {d.length(a)} = 0 OR {d.length(b)} = 0 THEN {d.empty()} "
            f"WHEN {d.length(a)} > 1 OR {d.length(b)} > 1 THEN "
            f"{d.list_of(d.error(single_values(op, self.location), d.json_type_name))} "
            f"WHEN {d.is_integer(kx)} AND {d.is_integer(ky)} AND '{op}' <> '/' THEN "
            f"{integer} "
            f"WHEN {d.is_number(kx)} AND {d.is_number(ky)} THEN "
            f"(CASE WHEN {numeric} IS NULL THEN {d.empty()} "
            f"ELSE {d.list_of(d.to_json(numeric))} END) "
        )
        if op == "+":
            result += (
                f"WHEN {d.is_string(kx)} AND {d.is_string(ky)} THEN "
                f"{d.list_of(d.to_json(f'({d.string(x)} || {d.string(y)})'))} "
            )
        result += f"ELSE {d.empty()} END"
        return Sql(d.let(self.coll(left), a, d.let(self.coll(right), b, result)), "coll")

    def membership(self, op: str, needle: Sql, hay: Sql) -> Sql:
        """``needle in hay`` (``hay contains needle``): whether an item of ``hay`` equals
        the single item of ``needle``; empty if ``needle`` is, an error if it has several."""
        d = self.d
        n, h, v = self.var(), self.var(), self.var()
        found = f"({d.length(d.filter(h, v, self.equal_items(d.at(n, '1'), needle, v, hay)))} > 0)"
        body = (
            f"CASE WHEN {d.length(n)} = 0 THEN NULL "
            f"WHEN {d.length(n)} > 1 THEN {d.error(single_values(op, self.location), 'BOOLEAN')} "
            f"ELSE {found} END"
        )
        return Sql(d.let(self.coll(needle), n, d.let(self.coll(hay), h, body)), "bool", "boolean")

    def union(self, left: Sql, right: Sql) -> Sql:
        """``left | right``: the items of both, each kept only if no earlier one equals it."""
        d = self.d
        c, x, i, o = self.var(), self.var(), self.var(), self.var()
        kind = left.type if left.type == right.type else None
        item = Sql("", "coll", kind)  # an item of either side: their type if they share one
        earlier = d.filter(d.before(c, i), o, self.equal_items(x, item, o, item))
        body = d.filter_indexed(c, x, i, f"({d.length(earlier)} = 0)")
        merged = d.concat(self.coll(left), self.coll(right))
        return Sql(d.let(merged, c, body), "coll", kind)

    def equal_items(self, x: str, x_from: Sql, y: str, y_from: Sql) -> str:
        """Whether two items are equal by ``=`` (NULL, incomparable, counts as not)."""
        one, other = (Sql(self.d.list_of(i), "coll", f.type) for i, f in ((x, x_from), (y, y_from)))
        return f"coalesce({self.compare('=', one, other).sql}, FALSE)"

    def type_operator(self, expr: ast.TypeTest, scope: Scope) -> Sql:
        """``x as T`` is ``x.ofType(T)``; ``x is T`` whether the single item of ``x`` is a
        T (empty if ``x`` is, an error if it has several)."""
        d = self.d
        as_call = ast.Call(expr.source, "ofType", (ast.TypeName(expr.type_name),))
        narrowed = self.of_type(as_call, scope)
        if expr.op == "as":
            return narrowed
        s = self.var()
        body = (
            f"CASE WHEN {d.length(s)} = 0 THEN NULL "
            f"WHEN {d.length(s)} > 1 THEN {d.error(single_values('is', self.location), 'BOOLEAN')} "
            f"ELSE ({d.length(self.coll(narrowed))} > 0) END"
        )
        return Sql(d.let(self.coll(self.compile(expr.source, scope)), s, body), "bool", "boolean")

    def call(self, expr: ast.Call, scope: Scope) -> Sql:
        from caldicott.views.engines.sql_functions import compile_call

        return compile_call(self, expr, scope)

    def of_type(self, expr: ast.Call, scope: Scope) -> Sql:
        d = self.d
        wanted = normalise_type(type_argument(expr.args[0]) or "")
        source = expr.source
        suffix = next((s for s, t in CHOICE_SUFFIXES.items() if t == wanted), None)
        v = self.var()
        test = self.type_test(d.kind(v), wanted, v)
        owner: Sql | None = None
        if self.typed is not None and isinstance(source, ast.Member) and suffix is not None:
            owner = (
                self.focus(scope) if source.source is None else self.compile(source.source, scope)
            )
            found = self.typed.choice(owner, source.name, wanted)
            if found is not None:
                return replace(found, type=wanted)
        direct = isinstance(source, ast.Member) and suffix is not None  # value.ofType(T)
        if not direct and source is not None and carries_choice_types(source):
            # the memory engine knows such items' types from their keys (valueCode is a
            # code, not a string); past the choice element itself, the SQL does not
            raise Unsupported(
                f"the {d.name} engine does not support {expr.name}() or is/as of values "
                "taken from a choice element through other functions (write "
                "value.ofType(T) directly)",
                feature="op:is",
                engine=d.name,
            )
        if isinstance(source, ast.Member) and suffix is not None:
            if source.source is None and scope.item is not None:
                plain_items = self.child(scope.item, source.name, choice=False)
                choice = self.child(scope.item, source.name + suffix, choice=False)
            else:
                if owner is not None:
                    base = self.coll(owner)
                else:
                    base = (
                        scope.focus
                        if source.source is None
                        else self.coll(self.compile(source.source, scope))
                    )
                plain_items = self.nav(base, source.name, choice=False)
                choice = self.nav(base, source.name + suffix, choice=False)
            plain = d.filter(plain_items, v, test)
            return Sql(d.concat(plain, choice), "coll", wanted)
        coll = self.coll(self.compile(source, scope)) if source is not None else scope.focus
        return Sql(d.filter(coll, v, test), "coll", wanted)

    def type_test(self, kind: str, wanted: str, item: str | None = None) -> str:
        d = self.d
        if wanted in RESOURCE_TYPES and item is not None:  # a resource: its resourceType
            named = d.string(d.child(item, "resourceType"))
            return f"({d.is_object(kind)} AND coalesce({named} = {d.quote(wanted)}, FALSE))"
        if wanted == "boolean":
            return d.is_bool(kind)
        if wanted in INTEGER_TYPES:
            return d.is_integer(kind)
        if wanted == "decimal":
            return d.is_decimal(kind)
        if wanted in STRING_TYPES:
            return d.is_string(kind)
        if wanted in COMPLEX:
            return d.is_object(kind)
        return "FALSE"
