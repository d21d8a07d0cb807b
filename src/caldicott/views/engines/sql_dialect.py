"""The SQL a dialect must provide: list functions, JSON access, parameters and errors.

The generator in ``sql_expr``/``sql`` speaks only through these methods, so an engine is
mostly a dialect. Collections are SQL lists of JSON items; element keys reach SQL only
after :func:`element_key` has checked them; every other value is a bound parameter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def element_key(name: str) -> str:
    """A FHIR element or column name fit to appear inside SQL text; refuses anything else."""
    if not IDENTIFIER.fullmatch(name):
        from caldicott.errors import Unsupported

        raise Unsupported(f"element name {name!r} cannot be compiled to SQL")
    return name


def quote_text(text: str, *, backslash: bool = False) -> str:
    """The one place a SQL string literal is written (for generator-made constants only).

    Quotes are doubled; where the dialect treats backslash as an escape (Spark), backslashes
    are doubled too.
    """
    if "\x00" in text:
        raise ValueError("NUL in SQL literal")
    if backslash:
        text = text.replace("\\", "\\\\")
    return "'" + text.replace("'", "''") + "'"


class Dialect:
    """DuckDB's spelling; other dialects override what differs."""

    name = "duckdb"
    json_type_name = "JSON"
    #: Whether each level re-binds its focus in a one-row relation (Spark resolves outer
    #: references only one level out; DuckDB decorrelates any depth).
    bind_items = False
    #: Whether navigation relies on the FHIR R4 element tables (``sql_typed``); the
    #: engine turns it on only for data known to have their shape.
    typed_paths = False

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}

    # parameters -----------------------------------------------------------------
    def param(self, value: Any) -> str:
        key = f"p{len(self.params)}"
        self.params[key] = value
        return self.placeholder(key)

    def placeholder(self, key: str) -> str:
        return f"${key}"

    def quote(self, text: str) -> str:
        return quote_text(text)

    # lists ----------------------------------------------------------------------
    def lam(self, var: str, body: str) -> str:
        return f"lambda {var}: {body}"

    def empty(self) -> str:
        return f"CAST([] AS {self.json_type_name}[])"

    def list_of(self, item: str) -> str:
        return f"[{item}]"

    def length(self, coll: str) -> str:
        return f"len({coll})"

    def filter(self, coll: str, var: str, body: str) -> str:
        return f"list_filter({coll}, {self.lam(var, body)})"

    def transform(self, coll: str, var: str, body: str) -> str:
        return f"list_transform({coll}, {self.lam(var, body)})"

    def flatten(self, coll: str) -> str:
        return f"flatten({coll})"

    def concat(self, a: str, b: str) -> str:
        return f"list_concat({a}, {b})"

    def filter_indexed(self, coll: str, var: str, index: str, body: str) -> str:
        """The items for which ``body`` holds, ``index`` their place (see :meth:`before`)."""
        return f"list_filter({coll}, lambda {var}, {index}: {body})"

    def before(self, coll: str, index: str) -> str:
        """The items before the one at ``index`` (from :meth:`filter_indexed`)."""
        return f"list_slice({coll}, 1, {index} - 1)"

    def first(self, coll: str) -> str:
        return f"list_slice({coll}, 1, 1)"

    def last(self, coll: str) -> str:
        return f"list_slice({coll}, -1, -1)"

    def at(self, coll: str, one_based: str) -> str:
        return f"{coll}[{one_based}]"

    def slice_at(self, coll: str, zero_based: str) -> str:
        return f"list_slice({coll}, ({zero_based}) + 1, ({zero_based}) + 1)"

    def contains(self, coll: str, item: str) -> str:
        return f"list_contains({coll}, {item})"

    def let(self, value: str, var: str, body: str) -> str:
        return f"list_transform([{value}], {self.lam(var, body)})[1]"

    def join_strings(self, coll: str, sep: str) -> str:
        return f"array_to_string({coll}, {sep})"

    # JSON items -----------------------------------------------------------------
    def key_path(self, key: str) -> str:
        return self.quote(f'$."{element_key(key)}"')

    def kind(self, item: str) -> str:
        """One of ARRAY OBJECT VARCHAR BOOLEAN BIGINT UBIGINT DOUBLE NULL, or NULL if absent."""
        return f"json_type({item})"

    def shape(self, item: str) -> str:
        """Like ``kind`` where only array, object or absent matters (may be cheaper)."""
        return self.kind(item)

    def child_kind(self, item: str, key: str) -> str:
        return f"json_type({item}, {self.key_path(key)})"

    def child(self, item: str, key: str) -> str:
        return f"json_extract({item}, {self.key_path(key)})"

    def child_array(self, item: str, key: str) -> str:
        return f"json_extract({item}, {self.quote(f'$.{chr(34)}{element_key(key)}{chr(34)}[*]')})"

    def items_of(self, array_item: str) -> str:
        """The elements of a JSON array item, as a list of items."""
        return f"json_extract({array_item}, '$[*]')"

    def prefetch(self, item: str, keys: list[str]) -> str | None:
        """One expression extracting several top-level elements at once (None: no prefetch)."""
        paths = ", ".join(self.key_path(k) for k in keys)
        return f"json_extract({item}, [{paths}])"

    def extract_texts(self, item: str, quoted_paths: list[str]) -> str:
        """The values at several JSON paths (SQL literals made by the generator), in one
        parse, as text: a string's own characters, any other value's JSON."""
        return f"json_extract_string({item}, [{', '.join(quoted_paths)}])"

    def keys(self, item: str) -> str:
        return f"json_keys({item})"

    def child_dynamic(self, item: str, key_sql: str) -> str:
        return f"json_extract({item}, '$.\"' || {key_sql} || '\"')"

    def string(self, item: str) -> str:
        return f"json_extract_string({item}, '$')"

    def text(self, item: str) -> str:
        return f"CAST({item} AS VARCHAR)"

    def comparable(self, value: str) -> str:
        """JSON text of an item or list, equal for equal values (compares objects, lists)."""
        return self.text(value)

    def comparable_items(self, coll: str) -> str:
        """Like ``comparable`` for a collection, its numbers compared by value (``1.0`` and
        ``1`` print differently as JSON but are equal)."""
        v = "_cmp"
        number = self.to_json(self.number(v))
        as_value = f"CASE WHEN {self.is_number(self.kind(v))} THEN {number} ELSE {v} END"
        return self.comparable(self.transform(coll, v, as_value))

    def number_text(self, item: str) -> str:
        """A number item as written in the data (its precision sets lowBoundary())."""
        return self.text(item)

    def number(self, item: str) -> str:
        return f"CAST({item} AS DOUBLE)"

    def integer(self, item: str) -> str:
        return f"CAST({item} AS BIGINT)"

    def truncated_div(self, a: str, b: str) -> str:
        """Integer division rounding toward zero (b is not 0)."""
        return f"({a} // {b})"

    def boolean(self, item: str) -> str:
        return f"CAST({item} AS BOOLEAN)"

    def json_param(self, json_text: str) -> str:
        return f"CAST({self.param(json_text)} AS JSON)"

    def json_decimal(self, written: str) -> str:
        """A decimal literal of the view as an item (its written digits where kept)."""
        return self.json_param(written)

    def to_json(self, scalar: str) -> str:
        return f"to_json({scalar})"

    def is_number(self, kind: str) -> str:
        return f"{kind} IN ('BIGINT', 'UBIGINT', 'DOUBLE', 'HUGEINT')"

    def is_integer(self, kind: str) -> str:
        return f"{kind} IN ('BIGINT', 'UBIGINT', 'HUGEINT')"

    def is_decimal(self, kind: str) -> str:
        return f"{kind} = 'DOUBLE'"

    def is_string(self, kind: str) -> str:
        return f"{kind} = 'VARCHAR'"

    def is_bool(self, kind: str) -> str:
        return f"{kind} = 'BOOLEAN'"

    def is_array(self, kind: str) -> str:
        return f"{kind} = 'ARRAY'"

    def is_object(self, kind: str) -> str:
        return f"{kind} = 'OBJECT'"

    def is_absent(self, kind: str) -> str:
        return f"({kind} IS NULL OR {kind} = 'NULL')"

    # scalars --------------------------------------------------------------------
    def error(self, message: str, sql_type: str) -> str:
        return f"CAST(error({self.quote(message)}) AS {sql_type})"

    def regex_match(self, text: str, pattern: str) -> str:
        return f"regexp_full_match({text}, {self.quote(pattern)})"

    def regex_group(self, text: str, pattern: str, group: int) -> str:
        return f"regexp_extract({text}, {self.quote(pattern)}, {group})"

    def last_day(self, year: str, month: str) -> str:
        return (
            f"strftime(last_day(make_date(CAST({year} AS INTEGER), "
            f"CAST({month} AS INTEGER), 1)), '%d')"
        )

    def str_len(self, text: str) -> str:
        return f"length({text})"

    def minute_shifted(self, minute: str, offset: str) -> str:
        """``YYYY-MM-DDThh:mm`` text moved by ``offset`` minutes; NULL if it is no real time."""
        stamp = f"try_strptime({minute}, '%Y-%m-%dT%H:%M')"
        return f"strftime({stamp} + to_minutes(CAST({offset} AS BIGINT)), '%Y-%m-%dT%H:%M')"

    def instr(self, text: str, needle: str) -> str:
        return f"instr({text}, {self.quote(needle)})"

    def rpad(self, text: str, width: int, fill: str) -> str:
        return f"rpad({text}, {width}, {self.quote(fill)})"

    def round(self, number: str, places: str) -> str:
        return f"round({number}, CAST({places} AS INTEGER))"

    def power10(self, exponent: str) -> str:
        return f"pow(10, {exponent})"

    def to_json_integer(self, scalar: str) -> str:
        return self.to_json(f"CAST({scalar} AS BIGINT)")

    def root_carried(self, column: str) -> str:
        """The resource column of a warehouse table, in the form items travel between levels."""
        return column

    def uncarry(self, carried: str) -> str:
        """A carried item (see ``root_carried``) as a JSON item."""
        return carried

    def int_pair(self, a: str, b: str) -> str:
        return f"[{a}, {b}]"

    # relations ------------------------------------------------------------------
    def repeat_foci(
        self, paths_from: Callable[[str], list[str]], start: str, fresh: Callable[[], str]
    ) -> str | None:
        """The items ``repeat`` reaches from ``start``, as an ``unnest_indexed`` relation.

        ``paths_from(item)`` gives the collection SQL of each repeat path evaluated on one
        item; ``fresh()`` gives an unused lambda variable name. None (the default) means
        the generator's recursive CTE is used instead.
        """
        return None

    def unnest_indexed(self, coll: str, item: str, index: str) -> str:
        """A lateral relation with one row per item and its 0-based position."""
        return f"(SELECT unnest({coll}) AS {item}, generate_subscripts({coll}, 1) - 1 AS {index})"

    def ident(self, name: str) -> str:
        return f'"{element_key(name)}"'
