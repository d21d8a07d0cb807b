"""Writing a view's rows: CSV, NDJSON or Parquet, to a file inside the data folder.

Rows are patient-level data, so they go only to a regular file under the data folder
(``settings.home``): :func:`output_target` resolves the path asked for (following symlinks
and ``..``) and refuses anything else (a device such as ``/dev/stdout``, a FIFO, a folder,
a path that leads outside). An existing file there is replaced whole: the rows are written
to a new file beside it (readable by its owner only) and renamed over it once complete, so
a failed write leaves the old file as it was and never a partial one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from caldicott.errors import InvalidArgument, OutputError, PermissionDenied
from caldicott.store.own import (
    OWN_FOLDERS,
    PRIVATE,
    file_or_new,
    own_store,
    replacing,
    resolved,
)
from caldicott.views.engines.base import ViewResult
from caldicott.views.fhirpath.types import INTEGER_TYPES, normalise_type
from caldicott.views.model import Column

FORMATS = ("csv", "ndjson", "parquet")
#: The data folder's folders rows are never written into: caldicott's own, and
#: ``exports/``, where quarantine exports are repaired.
ROWS_NEVER_IN = (*OWN_FOLDERS, "exports")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | dict):
        return orjson.dumps(value, default=_json_default).decode()
    return value


def _as_double(value: Any) -> Any:
    """A decimal column's value as the SQL engines give it, a double: a whole number
    (``36`` in the data, a count) as ``36.0``, in a list too."""
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, list):
        return [_as_double(v) for v in value]
    return value


def _rows(result: ViewResult, declared: Sequence[Column]) -> Iterator[tuple[Any, ...]]:
    """The rows, each declared decimal column's values as doubles, so that the text
    formats write the same file whichever engine ran the view (the memory engine keeps a
    whole number whole, and its exact decimals their places: ``2.50``, not ``2.5``)."""
    kinds = {c.name: normalise_type(c.type) for c in declared if c.type is not None}
    decimal = {i for i, name in enumerate(result.columns) if kinds.get(name) == "decimal"}
    if not decimal:
        yield from result.rows
        return
    for row in result.rows:
        yield tuple(_as_double(v) if i in decimal else v for i, v in enumerate(row))


def write_csv(result: ViewResult, out: BinaryIO, declared: Sequence[Column] = ()) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow(result.columns)
    for row in _rows(result, declared):
        writer.writerow([_cell(v) for v in row])
    text.flush()
    text.detach()


def write_ndjson(result: ViewResult, out: BinaryIO, declared: Sequence[Column] = ()) -> None:
    for row in _rows(result, declared):
        out.write(orjson.dumps(dict(zip(result.columns, row, strict=True)), default=_json_default))
        out.write(b"\n")


#: How a cell's Python type is named in an error (a type, never the value).
_KIND_NAMES = {
    bool: "boolean",
    int: "integer",
    float: "decimal",
    str: "string",
    list: "list",
    dict: "object",
}


def _kinds(values: list[Any]) -> str:
    kinds = {_KIND_NAMES.get(type(v), type(v).__name__) for v in values if v is not None}
    return " and ".join(sorted(kinds)) or "no values"


def arrow_type(column: Column) -> Any:
    """The Arrow type of a column's declared ``type`` (None where it declares none), so a
    file's schema is the view's whatever the rows: a column with no values in this run is
    still a string, an integer or a list of them, and a decimal one holding whole numbers
    is still a double, on every engine. Types other than boolean, integers and decimal
    (code, date, dateTime, ...) are text, as the engines give them."""
    import pyarrow as pa

    if column.type is None:
        return None
    kind = normalise_type(column.type)
    if kind == "boolean":
        base = pa.bool_()
    elif kind in INTEGER_TYPES:
        base = pa.int64()
    elif kind == "decimal":
        base = pa.float64()
    else:
        base = pa.string()
    return pa.list_(base) if column.collection else base


def _parquet_table(result: ViewResult, declared: Sequence[Column] = ()) -> Any:
    """The rows as an Arrow table; a column Arrow cannot type is named, its values not.

    Arrow's own messages quote the value it could not convert (``Could not convert 2 with
    type int``), so they are not passed on.
    """
    import pyarrow as pa

    types = {c.name: arrow_type(c) for c in declared}
    columns: dict[str, list[Any]] = {c: [] for c in result.columns}
    for row in result.rows:
        for name, value in zip(result.columns, row, strict=True):
            columns[name].append(_arrow_value(value))
    arrays = []
    for name, values in columns.items():
        try:
            arrays.append(pa.array(values, type=types.get(name)))
        except pa.ArrowException:
            raise OutputError(
                f"cannot write parquet: column {name!r} holds values of different types "
                f"({_kinds(values)}); keep one of them with ofType() in its path, or use "
                "--format csv or ndjson"
            ) from None
    return pa.Table.from_arrays(arrays, names=list(columns))


def _arrow_value(value: Any) -> Any:
    """A cell as Arrow takes it: decimals as floats, objects as JSON text, in lists too."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return orjson.dumps(value, default=_json_default).decode()
    if isinstance(value, list):
        return [_arrow_value(v) for v in value]
    return value


def write_parquet(result: ViewResult, out: BinaryIO, declared: Sequence[Column] = ()) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = _parquet_table(result, declared)
    try:
        pq.write_table(table, out)
    except pa.ArrowException as exc:
        raise OutputError(f"cannot write parquet ({type(exc).__name__})") from None


WRITERS: dict[str, Callable[[ViewResult, BinaryIO, Sequence[Column]], None]] = {
    "csv": write_csv,
    "ndjson": write_ndjson,
    "parquet": write_parquet,
}


def output_target(path: Path, home: Path, placed: Sequence[Path] = ()) -> Path:
    """The file rows may be written to for ``path``: a regular file, new or existing,
    under the data folder ``home``, with symlinks and ``..`` resolved.

    A relative path is taken from the current directory, as a shell would. Refused: a
    path that resolves outside the data folder or to caldicott's own stores in it (the
    warehouse, the control plane, ``keys/``, ``quarantine/``, ``exports/``, and the
    ``placed`` files a setting put there: :class:`PermissionDenied`), and an existing
    folder, device, FIFO or socket (:class:`OutputError`).
    """
    root = home.expanduser().resolve()
    target = resolved(path)
    if target == root or not target.is_relative_to(root):
        leads = "" if target == path else f" (it leads to {target})"
        raise PermissionDenied(
            f"{path}{leads}: rows are patient-level data and are written only to a file "
            f"inside the data folder ({root})",
            path=str(path),
        )
    if (own := own_store(target, root, placed, ROWS_NEVER_IN)) is not None:
        raise PermissionDenied(
            f"{path}: is {own}; rows are never written over caldicott's own stores",
            path=str(path),
        )
    return file_or_new(path, target)


def write(
    result: ViewResult,
    fmt: str,
    path: Path,
    home: Path,
    declared: Sequence[Column] = (),
    placed: Sequence[Path] = (),
) -> Path:
    """Write rows in one of FORMATS to ``path``, which must pass :func:`output_target`
    (with ``placed``); an existing file is replaced whole. ``declared`` are the view's
    columns, whose types set a Parquet file's schema and make a decimal column's values
    doubles in every format. Returns the file written (symlinks resolved)."""
    if fmt not in FORMATS:
        raise InvalidArgument(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    target = output_target(path, home, placed)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.parent.resolve() != target.parent:  # a folder swapped for a link meanwhile
            raise OutputError(f"{path}: its folder changed while being checked", path=str(path))
        with replacing(target, PRIVATE) as out:  # rows are patient-level: the owner's only
            WRITERS[fmt](result, out, declared)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror}") from None
    return target
