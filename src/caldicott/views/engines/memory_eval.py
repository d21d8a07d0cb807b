"""The reference FHIRPath evaluator over parsed JSON (dicts, lists, str, int, Decimal, bool)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from caldicott.errors import ValidationFailed
from caldicott.views.engines.base import (
    INTEGER_OVERFLOW,
    INTEGER_RANGE,
    several_booleans,
    single_values,
)
from caldicott.views.engines.memory_values import (
    Collection,
    Typed,
    compare_items,
    equal,
    equivalent,
    number,
    unwrap,
)
from caldicott.views.fhirpath import ast
from caldicott.views.fhirpath.parser import type_argument
from caldicott.views.fhirpath.types import (
    CHOICE_ELEMENTS,
    CHOICE_SUFFIXES,
    COMPLEX,
    INTEGER_TYPES,
    STRING_TYPES,
    date_boundary,
    datetime_boundary,
    decimal_boundary,
    normalise_type,
    temporal_kind,
    time_boundary,
)

#: Matched whole (``fullmatch``): ``$`` would also match before a trailing newline, where
#: the SQL engines' patterns (RE2, Java) do not, so ``Patient/p1\n`` has no key anywhere.
REFERENCE = re.compile(r"(?:.*/)?([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/.*)?")


@dataclass
class Env:
    resource: Mapping[str, Any]
    constants: Mapping[str, Any]
    row_index: int = 0


def _children(item: Any, name: str) -> Collection:
    value = unwrap(item)
    if not isinstance(value, dict):
        return []
    if name in value:
        found = value[name]
        if isinstance(found, list):
            return [v for v in found if v is not None]
        return [] if found is None else [found]
    if name not in CHOICE_ELEMENTS:
        return []
    out: Collection = []
    for key, found in value.items():
        if key.startswith(name) and key[len(name) :] in CHOICE_SUFFIXES:
            kind = CHOICE_SUFFIXES[key[len(name) :]]
            items = found if isinstance(found, list) else [found]
            out.extend(Typed(v, kind) for v in items if v is not None)
    return out


def type_of(item: Any) -> str | None:
    """The FHIR type of an item where it is known or can be told from its JSON."""
    if isinstance(item, Typed):
        return item.type
    if isinstance(item, bool):
        return "boolean"
    if isinstance(item, int):
        return "integer"
    if isinstance(item, Decimal | float):
        return "decimal"
    return None


def matches_type(item: Any, wanted: str) -> bool:
    wanted = normalise_type(wanted)
    known = type_of(item)
    if known is not None:
        if known == wanted:
            return True
        return isinstance(item, Typed) is False and wanted in INTEGER_TYPES and known == "integer"
    value = unwrap(item)
    if isinstance(value, str):
        return wanted in STRING_TYPES
    if isinstance(value, dict):
        return wanted in COMPLEX or value.get("resourceType") == wanted
    return False


def to_bool(coll: Collection, what: str = "expression") -> bool | None:
    if not coll:
        return None
    if len(coll) > 1:
        raise ValidationFailed(several_booleans(what))
    value = unwrap(coll[0])
    return value if isinstance(value, bool) else True


def _single(op: str, left: Collection, right: Collection) -> None:
    if len(left) > 1 or len(right) > 1:
        raise ValidationFailed(single_values(op))


def _arith(op: str, left: Collection, right: Collection) -> Collection:
    if not left or not right:
        return []
    _single(op, left, right)
    a, b = unwrap(left[0]), unwrap(right[0])
    if op == "+" and isinstance(a, str) and isinstance(b, str):
        return [a + b]
    na, nb = number(a), number(b)
    if na is None or nb is None:
        return []
    try:
        result = _numeric(op, na, nb)
    except InvalidOperation:
        return []
    if isinstance(result, int) and result not in INTEGER_RANGE:
        raise ValidationFailed(INTEGER_OVERFLOW)
    return [] if result is None else [result]


def _numeric(op: str, na: int | Decimal, nb: int | Decimal) -> int | Decimal | None:
    """The result of a numeric operator; None where it has none (division by 0)."""
    if op == "+":
        return na + nb
    if op == "-":
        return na - nb
    if op == "*":
        return na * nb
    if nb == 0:
        return None
    if op == "/":
        return Decimal(na) / Decimal(nb)
    if op == "div":
        return int(Decimal(na) // Decimal(nb))
    if op == "mod":
        # the remainder of div's truncated quotient: -5 mod 2 is -1 (Python's % on
        # integers floors, giving 1, so (a div b) * b + (a mod b) would not be a)
        rest = Decimal(na) % Decimal(nb)
        return int(rest) if isinstance(na, int) and isinstance(nb, int) else rest
    raise AssertionError(op)


class Evaluator:
    """Evaluates parsed FHIRPath against one resource's environment."""

    def __init__(self, env: Env) -> None:
        self.env = env

    def eval(self, expr: ast.Expr, focus: Collection) -> Collection:
        if isinstance(expr, ast.Member):
            source = focus if expr.source is None else self.eval(expr.source, focus)
            out: Collection = []
            for item in source:
                value = unwrap(item)
                if (
                    expr.source is None
                    and isinstance(value, dict)
                    and value.get("resourceType") == expr.name
                    and expr.name not in value
                ):
                    out.append(item)
                    continue
                out.extend(_children(item, expr.name))
            return out
        if isinstance(expr, ast.Call):
            return self.call(expr, focus)
        if isinstance(expr, ast.Literal):
            return [expr.value]
        if isinstance(expr, ast.This):
            return focus
        if isinstance(expr, ast.Variable):
            return self.variable(expr.name)
        if isinstance(expr, ast.Empty):
            return []
        if isinstance(expr, ast.Index):
            source = self.eval(expr.source, focus)
            index = self.eval(expr.index, focus)
            if not index:
                return []
            i = number(unwrap(index[0]))
            return [source[int(i)]] if i is not None and 0 <= int(i) < len(source) else []
        if isinstance(expr, ast.Binary):
            return self.binary(expr, focus)
        if isinstance(expr, ast.Unary):
            operand = self.eval(expr.operand, focus)
            return _arith("-", [0], operand)
        if isinstance(expr, ast.TypeTest):
            source = self.eval(expr.source, focus)
            if expr.op == "as":
                return [i for i in source if matches_type(i, expr.type_name)]
            if not source:
                return []
            if len(source) > 1:
                raise ValidationFailed(single_values("is"))
            return [matches_type(source[0], expr.type_name)]
        raise ValidationFailed(f"cannot evaluate {type(expr).__name__}")

    def variable(self, name: str) -> Collection:
        if name == "rowIndex":
            return [self.env.row_index]
        if name in ("resource", "rootResource", "context"):
            return [self.env.resource]
        if name not in self.env.constants:
            raise ValidationFailed(f"undefined constant %{name}")
        return [self.env.constants[name]]

    def binary(self, expr: ast.Binary, focus: Collection) -> Collection:
        op = expr.op
        left = self.eval(expr.left, focus)
        if op in ("and", "or", "xor", "implies"):
            a = to_bool(left, op)
            b = to_bool(self.eval(expr.right, focus), op)
            return _logic(op, a, b)
        right = self.eval(expr.right, focus)
        if op == "=":
            return equal(left, right)
        if op == "!=":
            eq = equal(left, right)
            return [not eq[0]] if eq else []
        if op in ("<", ">", "<=", ">="):
            if not left or not right:
                return []
            _single(op, left, right)
            cmp = compare_items(left[0], right[0])
            if cmp is None:
                return []
            return [{"<": cmp < 0, ">": cmp > 0, "<=": cmp <= 0, ">=": cmp >= 0}[op]]
        if op == "|":  # merged, without duplicates on either side (by =)
            out: Collection = []
            for item in (*left, *right):
                if not any(equal([item], [o]) == [True] for o in out):
                    out.append(item)
            return out
        if op == "&":
            _single(op, left, right)
            return ["".join(str(unwrap(x[0])) if x else "" for x in (left, right))]
        if op in ("in", "contains"):
            needle, hay = (left, right) if op == "in" else (right, left)
            if not needle:
                return []
            if len(needle) > 1:
                raise ValidationFailed(single_values(op))
            return [any(equal(needle, [h]) == [True] for h in hay)]
        if op in ("~", "!~"):
            same = equivalent(left, right)
            return [same if op == "~" else not same]
        return _arith(op, left, right)

    def call(self, expr: ast.Call, focus: Collection) -> Collection:
        source = focus if expr.source is None else self.eval(expr.source, focus)
        handler = _FUNCTIONS[expr.name]
        return handler(self, source, expr.args)


def _logic(op: str, a: bool | None, b: bool | None) -> Collection:
    result: bool | None
    if op == "and":
        result = False if a is False or b is False else (None if a is None or b is None else True)
    elif op == "or":
        result = True if a is True or b is True else (None if a is None or b is None else False)
    elif op == "xor":
        result = None if a is None or b is None else a != b
    else:  # implies
        result = True if a is False or b is True else (None if a is None or b is None else False)
    return [] if result is None else [result]


Handler = Callable[[Evaluator, Collection, tuple[ast.Expr, ...]], Collection]


def _where(ev: Evaluator, src: Collection, args: tuple[ast.Expr, ...]) -> Collection:
    return _matching(ev, src, args[0], "where()")


def _matching(ev: Evaluator, src: Collection, criteria: ast.Expr, what: str) -> Collection:
    return [i for i in src if to_bool(ev.eval(criteria, [i]), what) is True]


def _exists(ev: Evaluator, src: Collection, args: tuple[ast.Expr, ...]) -> Collection:
    return [bool(_matching(ev, src, args[0], "exists()") if args else src)]


def _join(ev: Evaluator, src: Collection, args: tuple[ast.Expr, ...]) -> Collection:
    sep = ev.eval(args[0], src) if args else [""]
    if not src:
        return []
    return [str(unwrap(sep[0]) if sep else "").join(str(unwrap(i)) for i in src)]


def _not(ev: Evaluator, src: Collection, args: tuple[ast.Expr, ...]) -> Collection:
    value = to_bool(src, "not()")
    return [] if value is None else [not value]


def _of_type(ev: Evaluator, src: Collection, args: tuple[ast.Expr, ...]) -> Collection:
    wanted = type_argument(args[0]) or ""
    return [i for i in src if matches_type(i, wanted)]


def _extension(ev: Evaluator, src: Collection, args: tuple[ast.Expr, ...]) -> Collection:
    urls = ev.eval(args[0], src)
    url = unwrap(urls[0]) if urls else None
    out: Collection = []
    for item in src:
        out.extend(
            e for e in _children(item, "extension") if isinstance(e, dict) and e.get("url") == url
        )
    return out


def _resource_key(ev: Evaluator, src: Collection, args: tuple[ast.Expr, ...]) -> Collection:
    out: Collection = []
    for item in src:
        value = unwrap(item)
        if isinstance(value, dict) and isinstance(value.get("id"), str):
            out.append(value["id"])
    return out


def _reference_key(ev: Evaluator, src: Collection, args: tuple[ast.Expr, ...]) -> Collection:
    wanted = normalise_type(type_argument(args[0]) or "") if args else None
    out: Collection = []
    for item in src:
        value = unwrap(item)
        ref = value.get("reference") if isinstance(value, dict) else None
        match = REFERENCE.fullmatch(ref) if isinstance(ref, str) else None
        if match and (wanted is None or match.group(1) == wanted):
            out.append(match.group(2))
    return out


def _boundary(high: bool) -> Handler:
    def handler(ev: Evaluator, src: Collection, args: tuple[ast.Expr, ...]) -> Collection:
        out: Collection = []
        for item in src:
            value, kind = unwrap(item), type_of(item)
            result: Any = None
            if isinstance(value, int | Decimal) and not isinstance(value, bool):
                result = decimal_boundary(Decimal(value), high)
            elif isinstance(value, str):
                kind = kind if kind in ("date", "dateTime", "instant", "time") else None
                kind = kind or temporal_kind(value)
                if kind == "date":
                    result = date_boundary(value, high)
                elif kind in ("dateTime", "instant"):
                    result = datetime_boundary(value, high)
                elif kind == "time":
                    result = time_boundary(value, high)
            if result is not None:
                out.append(result)
        return out

    return handler


_FUNCTIONS: dict[str, Handler] = {
    "where": _where,
    "exists": _exists,
    "empty": lambda ev, src, args: [not src],
    "first": lambda ev, src, args: src[:1],
    "last": lambda ev, src, args: src[-1:],
    "count": lambda ev, src, args: [len(src)],
    "not": _not,
    "join": _join,
    "ofType": _of_type,
    "extension": _extension,
    "getResourceKey": _resource_key,
    "getReferenceKey": _reference_key,
    "lowBoundary": _boundary(False),
    "highBoundary": _boundary(True),
}
