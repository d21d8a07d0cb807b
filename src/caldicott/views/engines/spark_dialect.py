"""The Spark spelling of the shared SQL generator: VARIANT items, higher-order functions.

Items are Spark VARIANT values; lists are arrays of VARIANT; lambdas are Spark
higher-order functions. Spark cannot correlate a subquery on a VARIANT, so items cross
from one level of a view to the next as JSON text (``uncarry`` parses them again), and it
cannot correlate a recursive CTE on the row it expands, so ``repeat`` is a fold over
levels instead (``repeat_foci``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from caldicott.ingest.parse import MAX_DEPTH
from caldicott.views.engines.sql_dialect import element_key, quote_text
from caldicott.views.engines.tagged_decimals import TAG_SQL, TAGGED_IN_JSON, TaggedDialect

#: Levels a ``repeat`` is followed on Spark. Ingest refuses JSON nested deeper than
#: MAX_DEPTH and each level of a repeat path goes at least one object or array deeper, so
#: a stored resource never needs more; past it the query fails rather than truncate.
REPEAT_LEVELS = MAX_DEPTH


class SparkDialect(TaggedDialect):
    name = "spark"
    json_type_name = "VARIANT"
    bind_items = True

    def __init__(self) -> None:
        super().__init__()
        self._names = itertools.count()

    def placeholder(self, key: str) -> str:
        return f":{key}"

    def quote(self, text: str) -> str:
        body = quote_text(text, backslash=True)[1:-1].replace("''", "\\'")
        return f"'{body}'"

    def lam(self, var: str, body: str) -> str:
        return f"{var} -> {body}"

    def empty(self) -> str:
        return "CAST(array() AS ARRAY<VARIANT>)"

    def list_of(self, item: str) -> str:
        return f"array({item})"

    def length(self, coll: str) -> str:
        return f"size({coll})"

    def filter(self, coll: str, var: str, body: str) -> str:
        return f"filter({coll}, {self.lam(var, body)})"

    def filter_indexed(self, coll: str, var: str, index: str, body: str) -> str:
        return f"filter({coll}, ({var}, {index}) -> {body})"

    def before(self, coll: str, index: str) -> str:
        return f"slice({coll}, 1, {index})"  # the index counts from 0

    def truncated_div(self, a: str, b: str) -> str:
        return f"({a} div {b})"

    def transform(self, coll: str, var: str, body: str) -> str:
        return f"transform({coll}, {self.lam(var, body)})"

    def concat(self, a: str, b: str) -> str:
        return f"concat({a}, {b})"

    def first(self, coll: str) -> str:
        return f"slice({coll}, 1, 1)"

    def last(self, coll: str) -> str:
        return f"(CASE WHEN size({coll}) = 0 THEN {coll} ELSE slice({coll}, -1, 1) END)"

    def at(self, coll: str, one_based: str) -> str:
        return f"try_element_at({coll}, {one_based})"

    def slice_at(self, coll: str, zero_based: str) -> str:
        return (
            f"(CASE WHEN ({zero_based}) >= 0 THEN slice({coll}, ({zero_based}) + 1, 1) "
            f"ELSE {self.empty()} END)"
        )

    def contains(self, coll: str, item: str) -> str:
        return f"array_contains({coll}, {item})"

    def let(self, value: str, var: str, body: str) -> str:
        return f"element_at(transform(array({value}), {self.lam(var, body)}), 1)"

    def join_strings(self, coll: str, sep: str) -> str:
        return f"array_join({coll}, {sep})"

    def key_path(self, key: str) -> str:
        return self.quote(f"$.{element_key(key)}")

    def _fresh(self) -> str:
        return f"_kind{next(self._names)}"

    # A decimal from the data is a tagged string (see tagged_decimals): U+0001 then its text.
    def _tagged(self, item: str) -> str:
        return f"startswith(CAST({item} AS STRING), {TAG_SQL})"

    def _untagged(self, item: str) -> str:
        return f"substr(CAST({item} AS STRING), 2)"

    def kind(self, item: str) -> str:
        k = self._fresh()
        body = f"CASE WHEN {k} = 'STRING' AND {self._tagged(item)} THEN 'DECIMAL' ELSE {k} END"
        return self.let(f"schema_of_variant({item})", k, body)

    def shape(self, item: str) -> str:
        return f"schema_of_variant({item})"

    def child_kind(self, item: str, key: str) -> str:
        return f"schema_of_variant({self.child(item, key)})"

    def child(self, item: str, key: str) -> str:
        return f"variant_get({item}, {self.key_path(key)})"

    def child_array(self, item: str, key: str) -> str:
        return f"CAST({self.child(item, key)} AS ARRAY<VARIANT>)"

    def items_of(self, array_item: str) -> str:
        return f"CAST({array_item} AS ARRAY<VARIANT>)"

    def prefetch(self, item: str, keys: list[str]) -> str | None:
        return None  # VARIANT is parsed once already

    def keys(self, item: str) -> str:
        return f"map_keys(CAST({item} AS MAP<STRING, VARIANT>))"

    def child_dynamic(self, item: str, key_sql: str) -> str:
        return f"element_at(CAST({item} AS MAP<STRING, VARIANT>), {key_sql})"

    def string(self, item: str) -> str:
        return f"trim(LEADING {TAG_SQL} FROM CAST({item} AS STRING))"

    def _parse_json(self, text: str) -> str:
        return f"parse_json({text})"

    def comparable(self, value: str) -> str:
        # Tagged decimals back to JSON numbers, then Spark's own JSON of that, so 1.50 = 1.5.
        numbers = f"regexp_replace(to_json({value}), {self.quote(TAGGED_IN_JSON)}, '$1')"
        return f"to_json(parse_json({numbers}))"

    def comparable_items(self, coll: str) -> str:
        return self.comparable(coll)  # VARIANT's JSON already prints 1.0 as 1

    def text(self, item: str) -> str:
        return f"to_json({item})"

    def json_param(self, json_text: str) -> str:
        return f"parse_json({self.param(json_text)})"

    def to_json(self, scalar: str) -> str:
        return f"CAST({scalar} AS VARIANT)"

    def is_number(self, kind: str) -> str:
        return f"({self.is_integer(kind)} OR {self.is_decimal(kind)})"

    def is_integer(self, kind: str) -> str:
        return f"{kind} IN ('BIGINT', 'INT', 'SMALLINT', 'TINYINT')"

    def is_decimal(self, kind: str) -> str:
        return f"({kind} LIKE 'DECIMAL%' OR {kind} IN ('DOUBLE', 'FLOAT'))"

    def is_string(self, kind: str) -> str:
        return f"{kind} = 'STRING'"

    def is_array(self, kind: str) -> str:
        return f"{kind} LIKE 'ARRAY%'"

    def is_object(self, kind: str) -> str:
        return f"{kind} LIKE 'OBJECT%'"

    def is_absent(self, kind: str) -> str:
        return f"({kind} IS NULL OR {kind} = 'VOID')"

    def error(self, message: str, sql_type: str) -> str:
        return f"CAST(raise_error({self.quote(message)}) AS {sql_type})"

    def minute_shifted(self, minute: str, offset: str) -> str:
        spans = ((1, 4), (6, 2), (9, 2), (12, 2), (15, 2))
        parts = ", ".join(f"CAST(substr({minute}, {at}, {n}) AS INT)" for at, n in spans)
        stamp = f"try_make_timestamp_ntz({parts}, 0)"
        layout = self.quote("yyyy-MM-dd'T'HH:mm")
        return f"date_format(timestampadd(MINUTE, {offset}, {stamp}), {layout})"

    def regex_match(self, text: str, pattern: str) -> str:
        # \z, not $: Java's $ also matches before a final line break (RE2's does not)
        anchored = "^(?:" + pattern + r")\z"
        return f"regexp_like({text}, {self.quote(anchored)})"

    def last_day(self, year: str, month: str) -> str:
        return (
            f"lpad(CAST(day(last_day(make_date(CAST({year} AS INT), "
            f"CAST({month} AS INT), 1))) AS STRING), 2, '0')"
        )

    def round(self, number: str, places: str) -> str:
        # Spark's round() takes only a constant scale. Past 2^53 a double has no digits
        # left to round at that scale (and scaling could overflow), so it is kept as is.
        scale = self.power10(f"CAST({places} AS INT)")
        return (
            f"(CASE WHEN abs({number}) * {scale} < 9.0E15 "
            f"THEN round(({number}) * {scale}) / {scale} ELSE {number} END)"
        )

    def power10(self, exponent: str) -> str:
        return f"power(10, {exponent})"

    def root_carried(self, column: str) -> str:
        return column

    def uncarry(self, carried: str) -> str:
        # Spark cannot correlate on VARIANT values, so items cross levels as JSON text.
        return f"parse_json({carried})"

    def int_pair(self, a: str, b: str) -> str:
        return f"array(CAST({a} AS INT), CAST({b} AS INT))"

    def repeat_foci(
        self, paths_from: Callable[[str], list[str]], start: str, fresh: Callable[[], str]
    ) -> str | None:
        """``repeat`` as a fold over levels, then sorted into depth-first order.

        ``aggregate`` runs REPEAT_LEVELS steps; each moves the frontier (the items found
        at one level) into the result and replaces it with what the repeat paths find
        under its items. Every item carries its key: the (path, position) pairs that lead
        to it, so sorting by key lists each item before what lies under it, and the
        children of the first path before those of the second (the memory engine's and
        DuckDB's order). A frontier still holding items after the last step fails the query.
        """
        keyed = f"ARRAY<STRUCT<k: ARRAY<INT>, v: {self.json_type_name}>>"
        state, entry, child, pos, a, b = (fresh() for _ in range(6))

        def found_under(item: str, key: str) -> str:
            parts = [
                f"transform({coll}, ({child}, {pos}) -> named_struct('k', "
                f"concat({key}, array({p}, {pos})), 'v', {child}))"
                for p, coll in enumerate(paths_from(item))
            ]
            return f"CAST(concat({', '.join(parts)}) AS {keyed})"

        def levels(frontier: str, done: str) -> str:
            return f"named_struct('f', {frontier}, 'a', CAST({done} AS {keyed}))"

        zero = levels(found_under(start, "CAST(array() AS ARRAY<INT>)"), "array()")
        under_each = found_under(f"{entry}.v", f"{entry}.k")
        below = f"CAST(flatten(transform({state}.f, {entry} -> {under_each})) AS {keyed})"
        step = (
            f"({state}, {fresh()}) -> CASE WHEN size({state}.f) = 0 THEN {state} "
            f"ELSE {levels(below, f'concat({state}.a, {state}.f)')} END"
        )
        too_deep = self.error(
            f"Unsupported: repeat goes deeper than {REPEAT_LEVELS} levels on Spark "
            f"(ingest refuses JSON nested deeper than {MAX_DEPTH})",
            keyed,
        )
        finish = f"{state} -> CASE WHEN size({state}.f) > 0 THEN {too_deep} ELSE {state}.a END"
        found = f"aggregate(sequence(1, {REPEAT_LEVELS}), {zero}, {step}, {finish})"
        order = (
            f"({a}, {b}) -> CASE WHEN {a}.k < {b}.k THEN -1 WHEN {a}.k > {b}.k THEN 1 ELSE 0 END"
        )
        items = f"transform(array_sort({found}, {order}), {entry} -> {entry}.v)"
        return self.unnest_indexed(items, "__F__", "__I__")

    def unnest_indexed(self, coll: str, item: str, index: str) -> str:
        texts = self.transform(coll, "_t", "to_json(_t)")
        return f"(SELECT posexplode({texts}) AS ({index}, {item}))"

    def ident(self, name: str) -> str:
        return f"`{element_key(name)}`"
