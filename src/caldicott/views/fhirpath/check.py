"""Static checks on a parsed FHIRPath tree: known functions, arity, type arguments, constants."""

from __future__ import annotations

from collections.abc import Collection

from caldicott.views.fhirpath.ast import Binary, Call, Expr, TypeTest, Unary, Variable, walk
from caldicott.views.fhirpath.parser import type_argument

#: Every function the views subset supports: name -> (fewest, most) arguments.
FUNCTIONS: dict[str, tuple[int, int]] = {
    "where": (1, 1),
    "exists": (0, 1),
    "empty": (0, 0),
    "first": (0, 0),
    "last": (0, 0),
    "count": (0, 0),
    "not": (0, 0),
    "join": (0, 1),
    "ofType": (1, 1),
    "extension": (1, 1),
    "getResourceKey": (0, 0),
    "getReferenceKey": (0, 1),
    "lowBoundary": (0, 0),
    "highBoundary": (0, 0),
}

#: Functions whose argument is a type specifier rather than an expression.
TYPE_ARGUMENT_FUNCTIONS = frozenset({"ofType", "getReferenceKey"})

#: Functions whose argument is evaluated per item ($this is the item).
ITEM_ARGUMENT_FUNCTIONS = frozenset({"where", "exists"})

BOOLEAN_FUNCTIONS = frozenset({"exists", "empty", "not"})
BOOLEAN_OPERATORS = frozenset(
    {"=", "!=", "~", "!~", "<", ">", "<=", ">=", "and", "or", "xor", "implies", "in", "contains"}
)

#: Environment variables every view may use besides its constants.
ENVIRONMENT = frozenset({"rowIndex", "resource", "rootResource", "context"})


class CheckError(ValueError):
    """A FHIRPath expression that parses but cannot be evaluated in a view."""


def check(expr: Expr, constants: Collection[str]) -> None:
    """Refuse unknown functions, wrong arities, bad type arguments and undefined constants."""
    for node in walk(expr):
        if isinstance(node, Call):
            if node.name not in FUNCTIONS:
                raise CheckError(f"unknown function {node.name}()")
            low, high = FUNCTIONS[node.name]
            if not low <= len(node.args) <= high:
                want = str(low) if low == high else f"{low} to {high}"
                raise CheckError(f"{node.name}() takes {want} argument(s), got {len(node.args)}")
            typed = node.name in TYPE_ARGUMENT_FUNCTIONS and node.args
            if typed and type_argument(node.args[0]) is None:
                raise CheckError(f"{node.name}() needs a type name as its argument")
        elif (
            isinstance(node, Variable)
            and node.name not in constants
            and node.name not in ENVIRONMENT
        ):
            raise CheckError(f"undefined constant %{node.name}")


def is_boolean(expr: Expr) -> bool:
    """Whether an expression certainly yields a boolean (or nothing)."""
    if isinstance(expr, Call):
        return expr.name in BOOLEAN_FUNCTIONS or (
            expr.name in ("first", "last", "where")
            and expr.source is not None
            and is_boolean(expr.source)
        )
    if isinstance(expr, Binary):
        return expr.op in BOOLEAN_OPERATORS
    if isinstance(expr, TypeTest):
        return expr.op == "is"
    if isinstance(expr, Unary):
        return False
    return False
