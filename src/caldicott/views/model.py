"""The validated ViewDefinition: frozen, engine-independent, built only by ``parse``."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from caldicott.views.fhirpath.ast import Expr

ConstantValue = str | int | Decimal | bool


@dataclass(frozen=True)
class Path:
    """A FHIRPath expression with the text it came from and where it sits in the JSON."""

    text: str
    expr: Expr
    location: str


@dataclass(frozen=True)
class Constant:
    name: str
    type: str  # FHIR type of the value[x] it was given as (string, integer, dateTime, ...)
    value: ConstantValue


@dataclass(frozen=True)
class Column:
    name: str
    path: Path
    type: str | None = None
    collection: bool = False
    description: str | None = None
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Select:
    """One selection structure. At most one of for_each / repeat is set."""

    columns: tuple[Column, ...] = ()
    selects: tuple[Select, ...] = ()
    union_all: tuple[Select, ...] = ()
    for_each: Path | None = None
    or_null: bool = False  # forEachOrNull rather than forEach
    repeat: tuple[Path, ...] = ()

    @property
    def iterates(self) -> bool:
        return self.for_each is not None or bool(self.repeat)

    def column_names(self) -> tuple[str, ...]:
        """The names of the columns this structure produces, in output order."""
        names = [c.name for c in self.columns]
        for sub in self.selects:
            names.extend(sub.column_names())
        if self.union_all:
            names.extend(self.union_all[0].column_names())
        return tuple(names)

    def all_columns(self) -> tuple[Column, ...]:
        """Columns in output order (the first unionAll branch stands for the union)."""
        out = list(self.columns)
        for sub in self.selects:
            out.extend(sub.all_columns())
        if self.union_all:
            out.extend(self.union_all[0].all_columns())
        return tuple(out)


@dataclass(frozen=True)
class ViewDefinition:
    resource: str
    select: Select
    name: str | None = None
    title: str | None = None
    status: str | None = None
    description: str | None = None
    constants: tuple[Constant, ...] = ()
    where: tuple[Path, ...] = ()
    source: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    @property
    def column_names(self) -> tuple[str, ...]:
        return self.select.column_names()

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.select.all_columns()

    def constant_map(self) -> dict[str, Constant]:
        return {c.name: c for c in self.constants}
