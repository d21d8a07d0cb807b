"""FHIRPath's equivalence (``~``, ``!~``) in SQL, as the memory engine's ``equivalent``.

Two collections are equivalent when they have as many items and every item, of either,
has as many equivalents in one as in the other (in any order). Items: booleans equal;
numbers equal when rounded to the fewer decimal places written of the two (so the
dialect must give a decimal's written text: DuckDB reads such views with decimals as
written); strings equal ignoring case and with tab, carriage return and line feed as
spaces, or, where both read as dates (or both as times), equal at one precision.
Objects (where each side has as many, so that they must be compared), and numbers past
what ``DECIMAL(38, 18)`` holds exactly, raise ``Unsupported`` rather than compare
approximately.
"""

from __future__ import annotations

from caldicott.views.engines.base import at
from caldicott.views.engines.memory_values import FOLD_AFTER, FOLD_BEFORE
from caldicott.views.engines.sql_dialect import Dialect
from caldicott.views.engines.sql_expr import ExprCompiler, Sql
from caldicott.views.engines.sql_temporal import TIME_BODY, dateish, in_utc, temporal_compare

#: A JSON number's text: its fraction's digits (group 1) and exponent (group 2).
NUMBER = r"^-?[0-9]+(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?\z"
#: The places to which numbers are compared exactly; a number written with more refuses.
PLACES = 18


def equivalence(c: ExprCompiler, op: str, left: Sql, right: Sql) -> Sql:
    d = c.d
    a, b, x = c.var(), c.var(), c.var()

    def count(coll: str) -> str:
        y = c.var()
        return d.length(d.filter(coll, y, _items(c, x, y)))

    def objects(coll: str) -> str:
        o = c.var()
        return d.length(d.filter(coll, o, d.is_object(d.kind(o))))

    unmatched = d.filter(d.concat(a, b), x, f"({count(a)} <> {count(b)})")
    # an object is equivalent only to an object: with as many on each side, they must be
    # compared (refused); with different numbers, the collections cannot be equivalent
    same = (
        f"(CASE WHEN {d.length(a)} <> {d.length(b)} THEN FALSE "
        f"WHEN {objects(a)} <> {objects(b)} THEN FALSE "
        f"ELSE {d.length(unmatched)} = 0 END)"
    )
    body = same if op == "~" else f"(NOT {same})"
    return Sql(d.let(c.coll(left), a, d.let(c.coll(right), b, body)), "bool", "boolean")


def _refused(c: ExprCompiler, what: str) -> str:
    message = at(c.location, f"the {c.d.name} engine does not support ~ of {what}")
    return c.d.error(f"Unsupported: {message}", "BOOLEAN")


def _items(c: ExprCompiler, x: str, y: str) -> str:
    d = c.d
    kx, ky = d.kind(x), d.kind(y)
    return (
        f"(CASE WHEN {d.is_bool(kx)} AND {d.is_bool(ky)} THEN ({d.boolean(x)} = {d.boolean(y)}) "
        f"WHEN {d.is_bool(kx)} OR {d.is_bool(ky)} THEN FALSE "
        f"WHEN {d.is_number(kx)} AND {d.is_number(ky)} THEN {_numbers(c, x, y)} "
        f"WHEN {d.is_string(kx)} AND {d.is_string(ky)} THEN "
        f"{_strings(c, d.string(x), d.string(y))} "
        f"WHEN {d.is_object(kx)} AND {d.is_object(ky)} THEN {_refused(c, 'objects')} "
        f"ELSE FALSE END)"
    )


def _places(c: ExprCompiler, text: str) -> str:
    d = c.d
    exponent = f"CAST(coalesce(nullif({d.regex_group(text, NUMBER, 2)}, ''), '0') AS INT)"
    return f"greatest(0, {d.str_len(d.regex_group(text, NUMBER, 1))} - {exponent})"


def _numbers(c: ExprCompiler, x: str, y: str) -> str:
    d = c.d
    tx, ty = d.number_text(x), d.number_text(y)
    p, ex, ey = c.var(), c.var(), c.var()
    rounded = " ".join(
        f"WHEN {n} THEN (round({ex}, {n}) = round({ey}, {n}))" for n in range(PLACES + 1)
    )
    body = (
        f"(CASE WHEN {ex} IS NULL OR {ey} IS NULL OR {p} > {PLACES} "
        f"THEN {_refused(c, 'numbers past DECIMAL(38, 18)')} "
        f"ELSE (CASE {p} {rounded} END) END)"
    )
    exact = "TRY_CAST({} AS DECIMAL(38, 18))"
    return d.let(
        f"least({_places(c, tx)}, {_places(c, ty)})",
        p,
        d.let(exact.format(tx), ex, d.let(exact.format(ty), ey, body)),
    )


def _strings(c: ExprCompiler, sx: str, sy: str) -> str:
    d = c.d

    both = (
        f"(({dateish(d, sx)} AND {dateish(d, sy)}) OR "
        f"({d.regex_match(sx, TIME_BODY)} AND {d.regex_match(sy, TIME_BODY)}))"
    )
    u, w = c.var(), c.var()
    temporal = d.let(
        in_utc(d, sx),
        u,
        d.let(in_utc(d, sy), w, f"coalesce({temporal_compare(d, '=', u, w)}, FALSE)"),
    )
    return f"(CASE WHEN {both} THEN {temporal} ELSE {_folded(d, sx)} = {_folded(d, sy)} END)"


def _folded(d: Dialect, text: str) -> str:
    """The string as ``~`` compares it (:func:`.memory_values.folded`)."""
    (b_from, b_to), (a_from, a_to) = FOLD_BEFORE, FOLD_AFTER
    lowered = f"lower(translate({text}, {d.quote(b_from)}, {d.quote(b_to)}))"
    return f"translate({lowered}, {d.quote(a_from)}, {d.quote(a_to)})"
