"""The frozen FHIRPath syntax tree that every engine compiles or interprets."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Literal:
    """A literal: ``type`` is string, integer, decimal, boolean, date, dateTime or time."""

    value: str | int | Decimal | bool
    type: str


@dataclass(frozen=True)
class Empty:
    """The empty collection ``{}``."""


@dataclass(frozen=True)
class This:
    """``$this``: the current item (or the focus at the start of a path)."""


@dataclass(frozen=True)
class Variable:
    """``%name``: a view constant or an environment variable such as ``%rowIndex``."""

    name: str


@dataclass(frozen=True)
class Member:
    """Navigation to a child element; ``source`` None means the input focus."""

    source: Expr | None
    name: str


@dataclass(frozen=True)
class Call:
    """A function invocation; ``source`` None means the input focus."""

    source: Expr | None
    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Index:
    source: Expr
    index: Expr


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Expr


@dataclass(frozen=True)
class Binary:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class TypeTest:
    """``x is T`` or ``x as T``."""

    op: str
    source: Expr
    type_name: str


@dataclass(frozen=True)
class TypeName:
    """A type specifier passed to ofType, getReferenceKey, is or as."""

    name: str


Expr = (
    Literal | Empty | This | Variable | Member | Call | Index | Unary | Binary | TypeTest | TypeName
)


def walk(expr: Expr) -> list[Expr]:
    """Every node of a tree, parents first."""
    out: list[Expr] = [expr]
    children: list[Expr | None] = []
    if isinstance(expr, Member):
        children = [expr.source]
    elif isinstance(expr, Call):
        children = [expr.source, *expr.args]
    elif isinstance(expr, Index):
        children = [expr.source, expr.index]
    elif isinstance(expr, Unary):
        children = [expr.operand]
    elif isinstance(expr, Binary):
        children = [expr.left, expr.right]
    elif isinstance(expr, TypeTest):
        children = [expr.source]
    for child in children:
        if child is not None:
            out.extend(walk(child))
    return out
