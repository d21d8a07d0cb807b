"""``caldicott ingest``: load FHIR NDJSON and Bundles into the warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from caldicott.cli.output import JSON_OPTION_HELP, Output
from caldicott.cli.runtime import runtime
from caldicott.ingest.service import ingest as run_ingest


def register(root: typer.Typer) -> None:
    root.command(name="ingest")(ingest)


def ingest(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help="Files or folders of .ndjson, .ndjson.gz and .json.")
    ],
    source: Annotated[
        str | None, typer.Option("--source", help="Name of the system the data came from.")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help=JSON_OPTION_HELP)] = False,
) -> None:
    """Validate FHIR resources and load them; refused records go to the quarantine."""
    rt = runtime(ctx)
    out = Output(json)
    with out.progress("ingest", None, unit="resources") as advance:
        result = run_ingest(rt.settings, rt.control, paths, source=source, advance=advance)
    doc = result.as_dict()
    out.emit(doc, lambda o: _render(o, doc))


def _render(out: Output, doc: dict[str, Any]) -> None:
    cols = ("read", "accepted", "quarantined", "warnings")
    files = [(f["path"], f["status"], *(f[c] for c in cols)) for f in doc["files"]]
    out.table("Files", ("file", "status", *cols), files)
    for f in doc["files"]:
        if f["note"]:
            out.message(f"{f['path']}: {f['note']}")
    types = [(name, *(c[k] for k in cols)) for name, c in doc["types"].items()]
    out.table("Resource types", ("type", *cols), types)
    if doc["reasons"]:
        reasons = list(doc["reasons"].items())
        out.table("Quarantined, by first reason", ("reason", "records"), reasons)
    out.message(
        f"load {doc['load_id']}: read {doc['read']:,}, accepted {doc['accepted']:,}, "
        f"quarantined {doc['quarantined']:,}, warnings {doc['warnings']:,} "
        f"({doc['resources_per_second']:,.0f} resources/s)"
    )
    if doc["quarantined"]:
        out.message("see them with: caldicott quarantine list")
