"""A view -> one SQL query over a ``fhir_<Type>`` table, shared by DuckDB and Spark.

Each selection becomes a lateral subquery: iteration unnests the focus collection with
its position (``%rowIndex``), ``select`` children are cross-joined, ``unionAll`` branches
are ``UNION ALL``-ed, ``forEachOrNull`` adds one all-null row when nothing was found and
``repeat`` yields its items depth-first (pre-order: an item, then what each repeat path
finds under it, path by path): a recursive CTE, or the dialect's own ``repeat_foci``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from caldicott.views.engines.base import not_of_type
from caldicott.views.engines.sql_dialect import Dialect
from caldicott.views.engines.sql_expr import ExprCompiler, Scope, Sql
from caldicott.views.fhirpath.types import INTEGER_TYPES, STRING_TYPES
from caldicott.views.model import Column, Select, ViewDefinition


@dataclass(frozen=True)
class CompiledView:
    sql: str
    params: dict[str, Any]
    columns: tuple[Column, ...]


class SqlGenerator:
    def __init__(self, dialect: Dialect, view: ViewDefinition) -> None:
        self.d = dialect
        self.view = view
        constants = {c.name: (c.type, c.value) for c in view.constants}
        self.exprs = ExprCompiler(dialect, constants, view.resource)
        self._aliases = itertools.count()

    def alias(self, prefix: str) -> str:
        return f"_{prefix}{next(self._aliases)}"

    def compile(self, table: str) -> CompiledView:
        d = self.d
        r = self.alias("r")
        carried = d.root_carried(f"{r}.resource")
        resource = d.uncarry(carried)
        kind = self.view.resource if self.exprs.typed is not None else None
        scope = Scope(d.list_of(resource), "0", carried, resource, kind)
        flat = _flat(self.view.select)
        # Prefetching reads columns computed in a derived table. DuckDB 2.0 (2.0.1 too)
        # fails to bind such columns from nested lateral joins ("Failed to bind column
        # reference"), so views that join read the stored resource itself.
        prefetching = flat and d.prefetch(resource, ["id"]) is not None
        if prefetching:
            self.exprs.root_item = resource
            self.exprs.root_parts = f"{r}._pre"
            self.exprs.root_keys_sql = f"{r}._keys"
        b = self.alias("b")
        conditions = []
        for where in self.view.where:
            compiled = self.exprs.compile_at(where, scope)
            conditions.append(self.where_condition(compiled, where.location))
        if flat:
            fields = self.inline_fields(self.view.select, scope)
            sql = f"SELECT {', '.join(fields)} FROM {table} AS {r}"  # noqa: S608
        else:
            body = self.select(self.view.select, carried, "0", scope, kind)
            sql = f"SELECT {b}.* FROM {table} AS {r} CROSS JOIN LATERAL ({body}) AS {b}"  # noqa: S608
        if conditions:
            sql += " WHERE " + " AND ".join(f"({c})" for c in conditions)
        keys = list(self.exprs.root_keys)
        extra, texts = "", list[str]()
        if self.exprs.typed is not None:
            sql, texts = self.exprs.typed.finish(sql, f"{r}._t")
            if texts:
                extra += f", {d.extract_texts(f'{r}.resource', texts)} AS _txt"
        if prefetching and keys:
            extra += f", {d.prefetch(f'{r}.resource', keys)} AS _pre"
            if self.exprs.root_keys_used:
                extra += f", {d.keys(f'{r}.resource')} AS _keys"
        if extra:
            source = f"(SELECT {r}.*{extra} FROM {table} AS {r})"  # noqa: S608
            if texts:
                q = self.alias("q")
                parts = ", ".join(
                    f"{d.at(f'{q}._txt', str(i))} AS _t{i}" for i in range(1, len(texts) + 1)
                )
                source = f"(SELECT {q}.*, {parts} FROM {source} AS {q})"  # noqa: S608
            sql = sql.replace(f"FROM {table} AS {r}", f"FROM {source} AS {r}", 1)
        return CompiledView(sql, dict(d.params), self.view.columns)

    def where_condition(self, e: Sql, location: str) -> str:
        d = self.d
        if e.kind == "bool":
            return f"coalesce({e.sql}, FALSE)"
        v = self.exprs.var()
        item = d.at(v, "1")
        body = (
            f"CASE WHEN {d.length(v)} = 0 THEN FALSE "
            f"WHEN {d.length(v)} = 1 AND {d.is_bool(d.kind(item))} THEN {d.boolean(item)} "
            f"ELSE {d.error(f'{location}: must evaluate to a boolean', 'BOOLEAN')} END"
        )
        return d.let(e.sql, v, body)

    # selections -----------------------------------------------------------------
    def inline_fields(self, s: Select, scope: Scope) -> list[str]:
        """Columns of a selection that needs no join (see ``_flat``), in output order."""
        fields = [f"{self.column(c, scope)} AS {self.d.ident(c.name)}" for c in s.columns]
        for sub in s.selects:
            fields.extend(self.inline_fields(sub, scope))
        return fields

    def bind(
        self, item: str, row_index: str, outer: Scope, fhir: str | None = None
    ) -> tuple[str, str, Scope]:
        """A one-row relation carrying the focus, so laterals only look one level out."""
        d = self.d
        a = self.alias("in")
        if not d.bind_items:
            src = f"(SELECT 1 AS _x) AS {a}"
            local = d.uncarry(item)
            return src, local, Scope(d.list_of(local), row_index, outer.resource, local, fhir)
        src = f"(SELECT {item} AS _it, {row_index} AS _ri, {outer.resource} AS _res) AS {a}"
        local = d.uncarry(f"{a}._it")
        return src, local, Scope(d.list_of(local), f"{a}._ri", f"{a}._res", local)

    def select(
        self, s: Select, item: str, row_index: str, outer: Scope, fhir: str | None = None
    ) -> str:
        """SQL of the rows one selection yields for one focus item (of type ``fhir``)."""
        if not s.iterates:
            return self.body(s, item, row_index, outer, fhir)
        d = self.d
        src, local_item, local = self.bind(item, row_index, outer, fhir)
        f, i = self.alias("f"), self.alias("i")
        it = self.alias("it")
        foci, foci_type = self.foci(s, local_item, local)
        x = self.alias("x")
        cols = ", ".join(f"{x}.{d.ident(n)}" for n in s.column_names())
        body = self.body(s, f"{it}.{f}", f"{it}.{i}", local, foci_type)
        rows = (
            f"SELECT {cols} FROM {src} CROSS JOIN LATERAL {foci} AS {it} "  # noqa: S608
            f"CROSS JOIN LATERAL ({body}) AS {x}"
        )
        rows = rows.replace("__F__", f).replace("__I__", i)
        if s.or_null:
            nulls = ", ".join(
                f"{'0' if c.path.text.strip() == '%rowIndex' else 'NULL'} AS {d.ident(c.name)}"
                for c in s.all_columns()
            )
            src2, item2, local2 = self.bind(item, row_index, outer, fhir)
            coll = self.foci_collection(s, item2, local2)
            rows += f" UNION ALL SELECT {nulls} FROM {src2} WHERE {d.length(coll)} = 0"  # noqa: S608
        return rows

    def foci_sql(self, s: Select, item: str, outer: Scope) -> Sql:
        assert s.for_each is not None
        scope = Scope(self.d.list_of(item), outer.row_index, outer.resource, item, outer.fhir)
        return self.exprs.compile_at(s.for_each, scope)

    def foci_collection(self, s: Select, item: str, outer: Scope) -> str:
        return self.exprs.coll(self.foci_sql(s, item, outer))

    def foci(self, s: Select, item: str, outer: Scope) -> tuple[str, str | None]:
        """The relation of the items a selection iterates over, and their type if known."""
        d = self.d
        if s.repeat:
            return self.repeat(s, item, outer), None
        found = self.foci_sql(s, item, outer)
        return d.unnest_indexed(self.exprs.coll(found), "__F__", "__I__"), found.fhir

    def repeat(self, s: Select, item: str, outer: Scope) -> str:
        d = self.d

        def paths_from(parent: str) -> list[str]:
            scope = Scope(d.list_of(parent), outer.row_index, outer.resource, parent)
            return [self.exprs.coll(self.exprs.compile_at(p, scope)) for p in s.repeat]

        folded = d.repeat_foci(paths_from, item, self.exprs.var)
        if folded is not None:
            return folded
        return self.recursive_repeat(s, item, outer)

    def recursive_repeat(self, s: Select, item: str, outer: Scope) -> str:
        """``repeat`` as a recursive CTE keyed by (path, position) pairs, sorted depth-first."""
        d = self.d
        rec = self.alias("rec")
        node, key = self.alias("n"), self.alias("k")

        def children(parent: str) -> str:
            parts = []
            for p, path in enumerate(s.repeat):
                scope = Scope(d.list_of(parent), outer.row_index, outer.resource, parent)
                coll = self.exprs.coll(self.exprs.compile_at(path, scope))
                u = self.alias("u")
                parts.append(
                    f"SELECT {u}.v AS v, {u}.j AS j, {p} AS p FROM "  # noqa: S608
                    f"{d.unnest_indexed(coll, 'v', 'j')} AS {u}"
                )
            return " UNION ALL ".join(parts)

        c0, c1 = self.alias("c"), self.alias("c")
        seed = f"SELECT {c0}.v, {d.int_pair(f'{c0}.p', f'{c0}.j')} FROM ({children(item)}) AS {c0}"  # noqa: S608
        step = (
            f"SELECT {c1}.v, {d.concat(f'{rec}.{key}', d.int_pair(f'{c1}.p', f'{c1}.j'))} "  # noqa: S608
            f"FROM {rec} "
            f"CROSS JOIN LATERAL ({children(d.uncarry(f'{rec}.{node}'))}) AS {c1}"
        )
        return (
            f"(WITH RECURSIVE {rec}({node}, {key}) AS ({seed} UNION ALL {step}) "  # noqa: S608
            f"SELECT {node} AS __F__, row_number() OVER (ORDER BY {key}) - 1 AS __I__ "
            f"FROM {rec})"
        )

    def body(
        self, s: Select, item: str, row_index: str, outer: Scope, fhir: str | None = None
    ) -> str:
        d = self.d
        src, _, scope = self.bind(item, row_index, outer, fhir)
        local_item = src.rsplit(" AS ", 1)[1] + "._it" if self.d.bind_items else item
        fields = [f"{self.column(c, scope)} AS {d.ident(c.name)}" for c in s.columns]
        joins = []
        for sub in s.selects:
            a = self.alias("s")
            rows = self.select(sub, local_item, scope.row_index, scope, fhir)
            joins.append(f"CROSS JOIN LATERAL ({rows}) AS {a}")
            fields.extend(f"{a}.{d.ident(n)}" for n in sub.column_names())
        if s.union_all:
            a = self.alias("u")
            branches = " UNION ALL ".join(
                f"({self.select(u, local_item, scope.row_index, scope, fhir)})" for u in s.union_all
            )
            joins.append(f"CROSS JOIN LATERAL ({branches}) AS {a}")
            fields.extend(f"{a}.{d.ident(n)}" for n in s.union_all[0].column_names())
        return f"SELECT {', '.join(fields)} FROM {src} {' '.join(joins)}"  # noqa: S608

    def column(self, col: Column, scope: Scope) -> str:
        d = self.d
        e = self.exprs.compile_at(col.path, scope)
        if e.kind == "bool" and not col.collection:
            return e.sql
        if self.exprs.typed is not None and e.opt is not None and not col.collection:
            # At most one value by the element tables: no list, no several-values check.
            return self.exprs.typed.column(col.type, e) or self.typed(col, e.opt)
        coll = self.exprs.coll(e)
        if col.collection:
            v = self.exprs.var()
            return d.transform(coll, v, self.typed(col, v))
        v = self.exprs.var()
        many = d.error(
            f"{col.path.location}: column {col.name!r} found several values; "
            "set collection: true or narrow the path",
            d.json_type_name,
        )
        item = d.let(coll, v, f"CASE WHEN {d.length(v)} > 1 THEN {many} ELSE {d.at(v, '1')} END")
        return self.typed(col, item)

    def typed(self, col: Column, item: str) -> str:
        """A JSON item as the column's declared type; an item of another kind is an error
        (not cast: DuckDB and Spark would round or truncate 1.50 differently, or fail on
        the value and quote it)."""
        d = self.d
        kind = col.type
        if kind in STRING_TYPES:
            cast, test = d.string, d.is_string
        elif kind == "boolean":
            cast, test = d.boolean, d.is_bool
        elif kind in INTEGER_TYPES:
            cast, test = d.integer, d.is_integer
        elif kind == "decimal":
            cast, test = d.number, d.is_number
        else:
            return d.text(item)
        assert kind is not None
        v = self.exprs.var()
        wrong = cast(d.error(not_of_type(col.path.location, col.name, kind), d.json_type_name))
        body = f"CASE WHEN {v} IS NULL OR {test(d.kind(v))} THEN {cast(v)} ELSE {wrong} END"
        return d.let(item, v, body)


def _flat(s: Select) -> bool:
    """Whether a selection and its children need no join: no iteration and no union."""
    return not s.iterates and not s.union_all and all(_flat(sub) for sub in s.selects)
