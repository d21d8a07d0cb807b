"""FHIRPath functions compiled to SQL (the views subset, including the boundaries)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from caldicott.errors import Unsupported
from caldicott.views.engines.sql_temporal import (
    DATETIME_BODY,
    DATETIME_PARTS,
    TIME_BODY,
    TIME_PARTS,
)
from caldicott.views.fhirpath import ast
from caldicott.views.fhirpath.parser import type_argument
from caldicott.views.fhirpath.types import normalise_type

DATE_ONLY = r"\d{4}(-\d{2}(-\d{2})?)?"
DATETIME_LIKE = r"\d{4}.*T.*"
DECIMAL_PARTS = r"^[-+]?\d*(?:\.(\d*))?(?:[eE]([-+]?\d+))?\z"
ID_PATTERN = r"[A-Za-z0-9\-.]{1,64}"  # the id part of sql_expr.REFERENCE

if TYPE_CHECKING:
    from caldicott.views.engines.sql_expr import ExprCompiler, Scope, Sql


def compile_call(c: ExprCompiler, expr: ast.Call, scope: Scope) -> Sql:
    from caldicott.views.engines.sql_expr import REFERENCE, Scope, Sql

    d = c.d
    name = expr.name
    if name == "ofType":
        return c.of_type(expr, scope)
    if name == "not":
        inner = (
            c.compile(expr.source, scope) if expr.source is not None else Sql(scope.focus, "coll")
        )
        return Sql(f"(NOT ({c.boolean(inner, 'not()')}))", "bool", "boolean")
    compiled = c.focus(scope) if expr.source is None else c.compile(expr.source, scope)
    source = c.coll(compiled)
    typed = c.typed
    if name == "where" and typed is not None and compiled.opt is not None:
        # One item at most (by the element tables): kept or not, without building a list.
        item = compiled.opt
        item_scope = Scope(d.list_of(item), scope.row_index, scope.resource, item, compiled.fhir)
        crit = c.boolean(c.compile(expr.args[0], item_scope), "where()")
        return typed.one(f"(CASE WHEN coalesce({crit}, FALSE) THEN {item} END)", compiled.fhir)
    if name in ("where", "exists") and expr.args:
        v = c.var()
        item_scope = Scope(d.list_of(v), scope.row_index, scope.resource, v, compiled.fhir)
        crit = c.boolean(c.compile(expr.args[0], item_scope), f"{name}()")
        kept = d.filter(source, v, f"coalesce({crit}, FALSE)")
        if name == "where":
            return Sql(kept, "coll", fhir=compiled.fhir)
        return Sql(f"({d.length(kept)} > 0)", "bool", "boolean")
    if name in ("exists", "empty") and typed is not None and compiled.opt is not None:
        test = "IS NOT NULL" if name == "exists" else "IS NULL"
        return Sql(f"({compiled.opt} {test})", "bool", "boolean")
    if name == "exists":
        return Sql(f"({d.length(source)} > 0)", "bool", "boolean")
    if name == "empty":
        return Sql(f"({d.length(source)} = 0)", "bool", "boolean")
    if name == "first" and typed is not None:
        return typed.first(compiled, source, _type_of(c, expr.source, scope))
    if name == "first":
        return Sql(d.first(source), "coll", _type_of(c, expr.source, scope))
    if name == "last":
        return Sql(d.last(source), "coll", _type_of(c, expr.source, scope))
    if name == "count":
        return Sql(d.list_of(d.to_json_integer(d.length(source))), "coll", "integer")
    if name == "join":
        sep = d.quote("")
        if expr.args:
            arg = expr.args[0]
            if not (isinstance(arg, ast.Literal) and isinstance(arg.value, str)):
                raise Unsupported(f"join() needs a literal separator on the {d.name} engine")
            sep = d.param(arg.value)
        v, w = c.var(), c.var()
        joined = d.join_strings(d.transform(v, w, d.string(w)), sep)
        body = (
            f"CASE WHEN {d.length(v)} = 0 THEN {d.empty()} ELSE {d.list_of(d.to_json(joined))} END"
        )
        return Sql(d.let(source, v, body), "coll", "string")
    if name == "extension":
        url = c.coll(c.compile(expr.args[0], scope))
        v, u = c.var(), c.var()
        test = f"{d.string(d.child(v, 'url'))} = {d.string(d.at(u, '1'))}"
        exts = c.step(compiled, "extension", choice=False).sql
        return Sql(d.let(url, u, d.filter(exts, v, test)), "coll")
    if name == "getResourceKey":
        return replace(c.step(compiled, "id", choice=False), type="string")
    if name == "getReferenceKey":
        v = c.var()
        found = c.step(compiled, "reference", choice=False)
        refs = found.sql
        wanted = normalise_type(type_argument(expr.args[0]) or "") if expr.args else None
        pattern = REFERENCE
        if wanted is not None:
            pattern = REFERENCE.replace("([A-Z][A-Za-z]+)", f"({_type_name(wanted)})")
        if typed is not None and found.scalar is not None and found.fhir == "string":
            # One reference at most: its key, or NULL where the pattern does not match
            # (a matching reference's key is never empty).
            ref = found.scalar
            key = f"nullif({d.regex_group(ref, pattern, 2)}, '')"
            if wanted is not None:
                # The usual form, ``Type/id``, without running the pattern: same answer.
                prefix = f"{_type_name(wanted)}/"
                rest = f"substr({ref}, {len(prefix) + 1})"
                usual = f"{d.instr(ref, prefix)} = 1 AND {d.regex_match(rest, ID_PATTERN)}"
                key = f"(CASE WHEN {usual} THEN {rest} ELSE {key} END)"
            return typed.one(d.to_json(key), "string", "string", key)
        kept = d.filter(refs, v, d.regex_match(d.string(v), pattern))
        return Sql(
            d.transform(kept, v, d.to_json(d.regex_group(d.string(v), pattern, 2))),
            "coll",
            "string",
        )
    if name in ("lowBoundary", "highBoundary"):
        hint = _type_of(c, expr.source, scope)
        return Sql(boundary(c, source, name == "highBoundary", hint), "coll")
    raise Unsupported(f"{name}() is not supported by the {d.name} engine")


def _type_name(name: str) -> str:
    if not name.isalpha():
        raise Unsupported(f"type {name!r} cannot be compiled to SQL")
    return name


def _type_of(c: ExprCompiler, source: ast.Expr | None, scope: Scope) -> str | None:
    if isinstance(source, ast.Call) and source.name == "ofType" and source.args:
        return normalise_type(type_argument(source.args[0]) or "")
    if isinstance(source, ast.Call) and source.name in ("first", "last"):
        return _type_of(c, source.source, scope)
    return None


def boundary(c: ExprCompiler, source: str, high: bool, hint: str | None) -> str:
    d = c.d
    v = c.var()
    s = d.string(v)
    # decimal: half a unit of the last written digit either way; the digits after the
    # point less the exponent (1.50 -> 2, 1.5e1 -> 0, 1e-7 -> 7), as Decimal's exponent
    text = d.number_text(v)
    fraction = f"coalesce({d.regex_group(text, DECIMAL_PARTS, 1)}, '')"
    written_exponent = d.regex_group(text, DECIMAL_PARTS, 2)
    exponent = f"CAST(coalesce(nullif({written_exponent}, ''), '0') AS INTEGER)"
    places = f"greatest({d.str_len(fraction)} - {exponent}, 0)"
    step = f"(5 * {d.power10(f'-({places} + 1)')})"
    number = d.round(f"({d.number(v)} {'+' if high else '-'} {step})", f"{places} + 1")

    def g(pattern: str, n: int) -> str:
        return f"nullif({d.regex_group(s, pattern, n)}, '')"

    year, month, day = g(DATETIME_PARTS, 1), g(DATETIME_PARTS, 2), g(DATETIME_PARTS, 3)
    month_b = f"coalesce({month}, '{'12' if high else '01'}')"
    day_b = f"coalesce({day}, {d.last_day(year, month_b) if high else chr(39) + '01' + chr(39)})"
    date = f"({year} || '-' || {month_b} || '-' || {day_b})"
    hh = f"coalesce({g(DATETIME_PARTS, 4)}, '{'23' if high else '00'}')"
    mi = f"coalesce({g(DATETIME_PARTS, 5)}, '{'59' if high else '00'}')"
    ss = f"coalesce({g(DATETIME_PARTS, 6)}, '{'59' if high else '00'}')"
    frac = d.rpad(f"coalesce(substr({g(DATETIME_PARTS, 7)}, 1, 3), '')", 3, "9" if high else "0")
    zone = f"coalesce({g(DATETIME_PARTS, 8)}, '{'-12:00' if high else '+14:00'}')"
    datetime = f"({date} || 'T' || {hh} || ':' || {mi} || ':' || {ss} || '.' || {frac} || {zone})"
    th = f"{g(TIME_PARTS, 1)}"
    tm = f"coalesce({g(TIME_PARTS, 2)}, '{'59' if high else '00'}')"
    ts = f"coalesce({g(TIME_PARTS, 3)}, '{'59' if high else '00'}')"
    tf = d.rpad(f"coalesce(substr({g(TIME_PARTS, 4)}, 1, 3), '')", 3, "9" if high else "0")
    time = f"({th} || ':' || {tm} || ':' || {ts} || '.' || {tf})"
    if hint in ("dateTime", "instant"):
        kind_case = f"WHEN {d.regex_match(s, DATETIME_BODY)} THEN {d.to_json(datetime)} "
    elif hint == "time":
        kind_case = f"WHEN {d.regex_match(s, TIME_BODY)} THEN {d.to_json(time)} "
    else:
        kind_case = (
            f"WHEN {d.regex_match(s, DATE_ONLY)} THEN {d.to_json(date)} "
            f"WHEN {d.regex_match(s, DATETIME_LIKE)} THEN {d.to_json(datetime)} "
            f"WHEN {d.regex_match(s, TIME_BODY)} THEN {d.to_json(time)} "
        )
    item = (
        f"CASE WHEN {d.is_number(d.kind(v))} THEN {d.to_json(number)} "
        f"WHEN {d.is_string(d.kind(v))} THEN (CASE {kind_case} ELSE NULL END) ELSE NULL END"
    )
    w = c.var()
    return d.filter(d.transform(source, v, item), w, f"{w} IS NOT NULL")
