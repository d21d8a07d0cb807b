"""ViewDefinition JSON -> the frozen model, with errors that name the JSON path at fault."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path as FilePath
from typing import Any, cast

from caldicott.errors import InvalidArgument, NotFound, ValidationFailed
from caldicott.ingest.validate.resources import RESOURCE_TYPES
from caldicott.views.fhirpath import CheckError, FhirPathSyntaxError, check
from caldicott.views.fhirpath import parse as parse_fhirpath
from caldicott.views.fhirpath.check import is_boolean
from caldicott.views.fhirpath.parser import MAX_INTEGER
from caldicott.views.fhirpath.types import COMPLEX, PRIMITIVES
from caldicott.views.model import Column, Constant, ConstantValue, Path, Select, ViewDefinition

COLUMN_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
RESOURCE_TYPE = re.compile(r"^[A-Z][A-Za-z]{1,63}$")

#: value[x] types a constant may have, with the Python type of its JSON value.
CONSTANT_TYPES: dict[str, tuple[type, ...]] = {
    "base64Binary": (str,),
    "boolean": (bool,),
    "canonical": (str,),
    "code": (str,),
    "date": (str,),
    "dateTime": (str,),
    "decimal": (int, float, Decimal),
    "id": (str,),
    "instant": (str,),
    "integer": (int,),
    "integer64": (int, str),
    "oid": (str,),
    "positiveInt": (int,),
    "string": (str,),
    "time": (str,),
    "unsignedInt": (int,),
    "uri": (str,),
    "url": (str,),
    "uuid": (str,),
}
_SELECT_KEYS = {"column", "select", "unionAll", "forEach", "forEachOrNull", "repeat"}
#: The keys a column may have (ViewDefinition.select.column, and Element's id and extension).
_COLUMN_KEYS = frozenset(
    {"name", "path", "description", "collection", "type", "tag", "id", "extension"}
)
#: What a column's ``type`` may name: a FHIR data type, as a name or (the specification's
#: form) a StructureDefinition URI, relative or under :data:`FHIR_TYPE_BASE`.
COLUMN_TYPES = frozenset(PRIMITIVES) | frozenset(COMPLEX) | {"Extension", "Narrative", "xhtml"}
FHIR_TYPE_BASE = "http://hl7.org/fhir/StructureDefinition/"


def _fail(where: str, problem: str) -> ValidationFailed:
    return ValidationFailed(f"{where}: {problem}", path=where)


def load_view(path: FilePath) -> ViewDefinition:
    """Read and validate a ViewDefinition JSON file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"{path}: no such file", path=str(path)) from None
    except IsADirectoryError:
        raise InvalidArgument(f"{path}: is a folder, not a ViewDefinition file") from None
    except OSError as exc:
        raise InvalidArgument(f"{path}: cannot be read ({exc.strerror})") from None
    try:  # decimals as written (a constant's 1.50 has two places); a byte-order mark: UTF-8
        data = json.loads(
            raw.removeprefix(b"\xef\xbb\xbf"), parse_float=Decimal, parse_constant=_not_json
        )
    except ValueError as exc:  # and its JSONDecodeError, UnicodeDecodeError
        raise ValidationFailed(f"{path}: not valid JSON ({exc})") from None
    return parse_view(data)


def _not_json(word: str) -> Any:
    raise ValueError(f"{word} is not a JSON number")


def parse_view(data: Any) -> ViewDefinition:
    """Validate a ViewDefinition (already decoded JSON) and build the frozen model."""
    if not isinstance(data, Mapping):
        raise _fail("$", "a ViewDefinition must be a JSON object")
    if data.get("resourceType", "ViewDefinition") != "ViewDefinition":
        raise _fail("resourceType", "must be 'ViewDefinition'")
    resource = data.get("resource")
    if not isinstance(resource, str) or not RESOURCE_TYPE.fullmatch(resource):
        raise _fail("resource", "required: a FHIR resource type name such as 'Patient'")
    if resource not in RESOURCE_TYPES:
        raise _fail("resource", f"{resource!r} is not a FHIR R4 resource type")
    constants = _constants(data.get("constant", []))
    names = {c.name for c in constants}
    where_raw = data.get("where", [])
    if not isinstance(where_raw, list):
        raise _fail("where", "must be a list")
    where = []
    for i, item in enumerate(where_raw):
        if not isinstance(item, Mapping):
            raise _fail(f"where[{i}]", "must be an object with a path")
        where.append(_path(item.get("path"), f"where[{i}].path", names))
    selects = data.get("select")
    if not isinstance(selects, list) or not selects:
        raise _fail("select", "required: a non-empty list of selections")
    root = Select(selects=tuple(_select(s, f"select[{i}]", names) for i, s in enumerate(selects)))
    seen: set[str] = set()
    for i, top in enumerate(root.selects):  # the root's own place is "select", not a select
        _validate_columns(top, f"select[{i}]", seen)
    return ViewDefinition(
        resource=resource,
        select=root,
        name=_view_name(data),
        title=_opt_str(data, "title"),
        status=_opt_str(data, "status"),
        description=_opt_str(data, "description"),
        constants=constants,
        where=tuple(where),
        source=dict(data),
    )


def _view_name(data: Mapping[str, Any]) -> str | None:
    """The view's name: the specification's sql-name (it names the output file and a
    table elsewhere, so ``../warehouse`` is refused)."""
    name = _opt_str(data, "name")
    if name is not None and not COLUMN_NAME.fullmatch(name):
        raise _fail("name", "a letter then letters, digits or underscores")
    return name


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise _fail(key, "must be a string")
    return value


def _constants(raw: Any) -> tuple[Constant, ...]:
    if not isinstance(raw, list):
        raise _fail("constant", "must be a list")
    out: list[Constant] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"constant[{i}]"
        if not isinstance(item, Mapping):
            raise _fail(where, "must be an object")
        name = item.get("name")
        if not isinstance(name, str) or not COLUMN_NAME.fullmatch(name):
            raise _fail(f"{where}.name", "required: letters, digits and underscores")
        if name in seen:
            raise _fail(f"{where}.name", f"constant {name!r} defined twice")
        seen.add(name)
        values = [k for k in item if k.startswith("value")]
        if len(values) != 1:
            raise _fail(where, "needs exactly one value[x] such as valueString or valueInteger")
        key = values[0]
        kind = key[5].lower() + key[6:] if len(key) > 5 else ""
        if kind not in CONSTANT_TYPES:
            raise _fail(f"{where}.{key}", "unsupported constant type")
        value: Any = item[key]
        allowed = CONSTANT_TYPES[kind]
        if isinstance(value, bool) and bool not in allowed:
            raise _fail(f"{where}.{key}", f"must be a {kind}")
        if not isinstance(value, allowed):
            raise _fail(f"{where}.{key}", f"must be a {kind}")
        typed: ConstantValue
        if kind == "decimal":
            typed = Decimal(str(value))
        elif kind == "integer64":
            typed = int(str(value))
        else:
            typed = cast(ConstantValue, value)
        if isinstance(typed, int) and not isinstance(typed, bool) and abs(typed) > MAX_INTEGER:
            raise _fail(f"{where}.{key}", "is beyond 64 bits")
        out.append(Constant(name, kind, typed))
    return tuple(out)


def _path(text: Any, where: str, constants: set[str]) -> Path:
    if not isinstance(text, str) or not text.strip():
        raise _fail(where, "must be a FHIRPath expression (a non-empty string)")
    try:
        expr = parse_fhirpath(text)
        check(expr, constants)
    except (FhirPathSyntaxError, CheckError) as exc:
        raise _fail(where, str(exc)) from None
    return Path(text, expr, where)


def _select(raw: Any, where: str, constants: set[str]) -> Select:
    if not isinstance(raw, Mapping):
        raise _fail(where, "must be an object")
    unknown = sorted(set(raw) - _SELECT_KEYS - {"description", "id", "extension"})
    if unknown:
        raise _fail(f"{where}.{unknown[0]}", "unknown key in a selection")
    iterators = [k for k in ("forEach", "forEachOrNull", "repeat") if k in raw]
    if len(iterators) > 1:
        raise _fail(where, f"only one of forEach, forEachOrNull and repeat, got {iterators}")
    for_each = None
    or_null = False
    repeat: tuple[Path, ...] = ()
    if "forEach" in raw:
        for_each = _path(raw["forEach"], f"{where}.forEach", constants)
    elif "forEachOrNull" in raw:
        for_each = _path(raw["forEachOrNull"], f"{where}.forEachOrNull", constants)
        or_null = True
    elif "repeat" in raw:
        paths = raw["repeat"]
        if not isinstance(paths, list) or not paths:
            raise _fail(f"{where}.repeat", "must be a non-empty list of FHIRPath expressions")
        repeat = tuple(_path(p, f"{where}.repeat[{i}]", constants) for i, p in enumerate(paths))
    columns = tuple(
        _column(c, f"{where}.column[{i}]", constants)
        for i, c in enumerate(_list(raw, "column", where))
    )
    selects = tuple(
        _select(s, f"{where}.select[{i}]", constants)
        for i, s in enumerate(_list(raw, "select", where))
    )
    unions = tuple(
        _select(s, f"{where}.unionAll[{i}]", constants)
        for i, s in enumerate(_list(raw, "unionAll", where))
    )
    if not (columns or selects or unions):
        raise _fail(where, "a selection needs column, select or unionAll")
    return Select(columns, selects, unions, for_each, or_null, repeat)


def _list(raw: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = raw.get(key, [])
    if isinstance(value, Mapping) and key != "column":
        return [value]
    if not isinstance(value, list):
        raise _fail(f"{where}.{key}", "must be a list")
    return value


def _column(raw: Any, where: str, constants: set[str]) -> Column:
    if not isinstance(raw, Mapping):
        raise _fail(where, "must be an object with name and path")
    unknown = sorted(set(raw) - _COLUMN_KEYS)
    if unknown:  # a misspelt key ("colection") would otherwise do nothing, silently
        raise _fail(f"{where}.{unknown[0]}", "unknown key in a column")
    name = raw.get("name")
    if not isinstance(name, str) or not COLUMN_NAME.fullmatch(name):
        raise _fail(f"{where}.name", "required: a letter then letters, digits or underscores")
    path = _path(raw.get("path"), f"{where}.path", constants)
    col_type = _column_type(raw.get("type"), f"{where}.type")
    if col_type not in (None, "boolean") and is_boolean(path.expr):
        raise _fail(f"{where}.type", f"the path gives a boolean, not a {col_type}")
    collection = raw.get("collection", False)
    if not isinstance(collection, bool):
        raise _fail(f"{where}.collection", "must be true or false")
    tags = []
    for j, tag in enumerate(raw.get("tag", []) or []):
        if not isinstance(tag, Mapping) or not isinstance(tag.get("name"), str):
            raise _fail(f"{where}.tag[{j}]", "must have a name and a value")
        tags.append((tag["name"], str(tag.get("value", ""))))
    description = raw.get("description")
    return Column(
        name,
        path,
        col_type,
        collection,
        description if isinstance(description, str) else None,
        tuple(tags),
    )


def _column_type(raw: Any, where: str) -> str | None:
    """A column's FHIR type as its name (``string``), from a name or a URI."""
    if raw is None:
        return None
    name = raw.removeprefix(FHIR_TYPE_BASE) if isinstance(raw, str) else None
    if name not in COLUMN_TYPES:
        raise _fail(where, "must be a FHIR data type name, such as string, integer or Coding")
    return name


def _column_place(col: Column) -> str:
    """Where a column sits in the JSON: its path's place, less the ``.path``."""
    return col.path.location.removesuffix(".path")


def _validate_columns(select: Select, where: str, seen: set[str]) -> set[str]:
    """Unique column names across the view; unionAll branches with identical columns."""
    for col in select.columns:
        if col.name in seen:
            raise _fail(
                f"{_column_place(col)}.name", f"column {col.name!r} is defined more than once"
            )
        seen.add(col.name)
    for i, sub in enumerate(select.selects):
        _validate_columns(sub, f"{where}.select[{i}]", seen)
    if select.union_all:
        first = select.union_all[0].column_names()
        for i, branch in enumerate(select.union_all):
            if branch.column_names() != first:
                raise _fail(
                    f"{where}.unionAll[{i}]",
                    f"unionAll branches must have the same columns in the same order: "
                    f"{list(first)} vs {list(branch.column_names())}",
                )
            for mine, theirs in zip(
                branch.all_columns(), select.union_all[0].all_columns(), strict=True
            ):
                if mine.type and theirs.type and mine.type != theirs.type:
                    raise _fail(
                        f"{where}.unionAll[{i}]",
                        f"column {mine.name!r} is {mine.type} here but {theirs.type} in the "
                        "first branch; unionAll branches must agree on types",
                    )
            _validate_columns(branch, f"{where}.unionAll[{i}]", set(seen))
        for col in select.union_all[0].all_columns():
            if col.name in seen:
                raise _fail(
                    f"{_column_place(col)}.name", f"column {col.name!r} is defined more than once"
                )
            seen.add(col.name)
    return seen
