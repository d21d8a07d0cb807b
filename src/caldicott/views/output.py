"""Writing a view's rows: CSV, NDJSON or Parquet, to a file."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from caldicott.errors import InvalidArgument, OutputError
from caldicott.views.engines.base import ViewResult

FORMATS = ("csv", "ndjson", "parquet")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return orjson.dumps(value, default=_json_default).decode()
    return value


def write_csv(result: ViewResult, out: BinaryIO) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow([_cell(v) for v in row])
    text.flush()
    text.detach()


def write_ndjson(result: ViewResult, out: BinaryIO) -> None:
    for row in result.dicts():
        out.write(orjson.dumps(row, default=_json_default))
        out.write(b"\n")


def write_parquet(result: ViewResult, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns: dict[str, list[Any]] = {c: [] for c in result.columns}
    for row in result.rows:
        for name, value in zip(result.columns, row, strict=True):
            if isinstance(value, Decimal):
                value = float(value)
            elif isinstance(value, dict):
                value = orjson.dumps(value, default=_json_default).decode()
            columns[name].append(value)
    pq.write_table(pa.table(columns), path)


WRITERS: dict[str, Callable[[ViewResult, BinaryIO], None]] = {
    "csv": write_csv,
    "ndjson": write_ndjson,
}


def write(result: ViewResult, fmt: str, path: Path) -> None:
    """Write rows to a file in one of FORMATS; refuse unknown formats by name."""
    if fmt not in FORMATS:
        raise InvalidArgument(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "parquet":
            write_parquet(result, path)
            return
        with path.open("wb") as out:
            WRITERS[fmt](result, out)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
