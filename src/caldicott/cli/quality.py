"""``caldicott quality``: data-quality reports per load and for the whole warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer

from caldicott.cli.files import out_target, write_out
from caldicott.cli.output import JSON_OPTION_HELP, Output
from caldicott.cli.runtime import runtime
from caldicott.errors import InvalidArgument
from caldicott.ingest import quality as q
from caldicott.ingest.report_html import render_html
from caldicott.ingest.service import open_warehouse

app = typer.Typer(help="Data-quality reports on what was loaded.", no_args_is_help=True)


@app.command()
def report(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help="html or json.")] = "json",
    load: Annotated[
        str | None, typer.Option("--load", help="One load's report (default: whole warehouse).")
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Write here (default: html to reports/ in the data folder)."),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help=JSON_OPTION_HELP)] = False,
) -> None:
    """Completeness, validity, plausibility and timeliness, as JSON or an HTML page."""
    if fmt not in ("html", "json"):
        raise InvalidArgument("--format must be html or json")
    rt = runtime(ctx)
    if out_file is not None:
        out_target(out_file, rt.settings)  # refused before the work, not after
    with open_warehouse(rt.settings, read_only=True) as warehouse:
        doc = q.report(rt.control, warehouse, load)
    if fmt == "json" and out_file is None:
        Output(True).emit(doc)
        return
    if out_file is None:
        out_file = rt.settings.home / "reports" / f"quality-{load or 'warehouse'}.html"
    body = render_html(doc).encode() if fmt == "html" else orjson.dumps(doc, default=str)
    write_out(out_file, body, rt.settings)
    summary = {"out": str(out_file), "format": fmt, **doc["totals"]}
    Output(json).emit(summary, lambda o: o.message(f"wrote the {fmt} report to {out_file}"))
