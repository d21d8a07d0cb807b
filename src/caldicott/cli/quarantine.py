"""``caldicott quarantine``: see, export and repair records that ingest refused."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from caldicott.cli.output import JSON_OPTION_HELP, Output
from caldicott.cli.runtime import runtime
from caldicott.errors import InvalidArgument
from caldicott.ingest.quarantine import Quarantine

app = typer.Typer(
    help="Records refused by ingest: list, show and export them for repair.",
    no_args_is_help=True,
)
JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_OPTION_HELP)]


def _quarantine(ctx: typer.Context) -> Quarantine:
    rt = runtime(ctx)
    return Quarantine(rt.control, rt.settings.home)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str, typer.Option("--status", help="open, resolved or all.")] = "open",
    load: Annotated[
        str | None,
        typer.Option(
            "--load", help="Only records this load refused first, or found open again last."
        ),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Only records with this first reason code.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many records.")] = 1000,
    json: JsonOpt = False,
) -> None:
    """List quarantined records (no record contents are shown)."""
    if status not in ("open", "resolved", "all"):
        raise InvalidArgument("--status must be open, resolved or all")
    if limit <= 0:
        raise InvalidArgument("--limit must be a positive integer")
    rows = _quarantine(ctx).records(
        status=None if status == "all" else status, load_id=load, reason_code=reason, limit=limit
    )
    doc = {"count": len(rows), "records": rows}

    def human(out: Output) -> None:
        out.table(
            f"Quarantine ({status})",
            ("id", "file", "line/entry", "type", "resource id", "reason", "status"),
            [_row(r) for r in rows],
        )

    Output(json).emit(doc, human)


def _row(r: dict[str, Any]) -> tuple[Any, ...]:
    rid = r["resource_id"] or "-"
    rtype = r["resource_type"] or "-"
    return (r["id"], r["file"], r["number"], rtype, rid, r["reason"], r["status"])


@app.command()
def show(
    ctx: typer.Context,
    record_id: Annotated[int, typer.Argument(help="The quarantine record id.")],
    json: JsonOpt = False,
) -> None:
    """Show one record's place, reasons and hash; `export` writes its original bytes."""
    doc = _quarantine(ctx).show(record_id)

    def human(out: Output) -> None:
        out.message(f"record {doc['id']}: {doc['file']} line/entry {doc['number']}")
        out.message(f"status {doc['status']}, {doc['size']:,} bytes, sha256 {doc['sha256']}")
        out.table(
            "Reasons",
            ("code", "element", "message"),
            [(r["code"], r["path"] or "-", r["message"]) for r in doc["reasons"]],
        )

    Output(json).emit(doc, human)


@app.command()
def export(
    ctx: typer.Context,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write originals into.")],
    ids: Annotated[
        list[int] | None, typer.Option("--id", help="Only this record (repeatable).")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Write originals for repair, one a file; `caldicott ingest FOLDER` reloads them.

    A line of an NDJSON file goes to q<ID>.ndjson; a record from a .json file, verbatim,
    to q<ID>.json.
    """
    written = _quarantine(ctx).export(out_dir, ids or None)
    doc = {"out": str(out_dir), "files": [str(p) for p in written], "count": len(written)}
    Output(json).emit(
        doc,
        lambda o: o.message(
            f"wrote {len(written)} record(s) to {out_dir}; repair them, then run "
            f"`caldicott ingest {out_dir}`"
        ),
    )
