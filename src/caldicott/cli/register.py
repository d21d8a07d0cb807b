"""``caldicott register``: the public Data Uses Register."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer

from caldicott.cli.files import out_target, write_out
from caldicott.cli.output import JSON_OPTION_HELP, Output
from caldicott.cli.runtime import runtime
from caldicott.errors import InvalidArgument
from caldicott.governance import register as gov_register

app = typer.Typer(help="The public Data Uses Register.", no_args_is_help=True)
FORMATS = ("json", "csv")


@app.command()
def export(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help="json or csv.")] = "json",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file (default: standard output).")
    ] = None,
    json: Annotated[
        bool, typer.Option("--json", help=JSON_OPTION_HELP + " With --out: a summary.")
    ] = False,
) -> None:
    """Export every agreement ever approved, with lay summaries, panel outcomes and releases."""
    if fmt not in FORMATS:
        raise InvalidArgument(f"--format {fmt!r}: one of {', '.join(FORMATS)}")
    if json and out is None and fmt == "csv":
        raise InvalidArgument("--json with --format csv needs --out FILE")
    if out is not None:
        out_target(out, runtime(ctx).settings)  # refused before the work, not after
    with runtime(ctx).control.session() as s:
        document = gov_register.export(s)
    if fmt == "json":
        body = orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"
    else:
        body = gov_register.to_csv(document).encode("utf-8")
    if out is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return
    write_out(out, body, runtime(ctx).settings)
    summary = {"out": str(out), "format": fmt, "agreements": len(document["agreements"])}
    Output(json).emit(
        summary, lambda o: o.message(f"{summary['agreements']} agreement(s) written to {out}")
    )
