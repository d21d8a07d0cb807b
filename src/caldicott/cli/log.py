"""``caldicott log``: the transparency log: checkpoints, proofs, verification, exports, audits."""

from __future__ import annotations

import base64
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from caldicott.cli.files import out_target, write_out, writing_out
from caldicott.cli.output import JSON_OPTION_HELP, Output
from caldicott.cli.runtime import runtime
from caldicott.errors import IntegrityError, InvalidArgument
from caldicott.transparency import audit_report, merkle, verifier
from caldicott.transparency.audit_event import audit_events
from caldicott.transparency.checkpoint import create_checkpoint, require_latest
from caldicott.transparency.entries import patient_hasher
from caldicott.transparency.export import export_folder, export_log
from caldicott.transparency.history import access_history
from caldicott.transparency.integrity import verify_or_raise
from caldicott.transparency.log import consistency_proof, entry_bytes, inclusion_proof
from caldicott.transparency.wiring import log_consent_changes

app = typer.Typer(
    help="The transparency log: checkpoints, proofs, verification, audits.", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_OPTION_HELP)]


def _b64(items: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in items]


@app.command()
def sync(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Log every consent change not yet in the log (as a category and a keyed hash)."""
    rt = runtime(ctx)
    hasher = patient_hasher(rt.settings.keys_dir)
    with rt.control.session() as s:
        logged = log_consent_changes(s, hasher)
    doc = {"consent_changes_logged": logged}
    Output(json).emit(doc, lambda out: out.message(f"logged {logged} consent changes"))


@app.command()
def checkpoint(
    ctx: typer.Context,
    label: Annotated[str | None, typer.Option(help="Label to store with it.")] = None,
    json: JsonOpt = False,
) -> None:
    """Sign the log's current tree head as a C2SP checkpoint and store it."""
    rt = runtime(ctx)
    with rt.control.session() as s:
        record = create_checkpoint(s, rt.settings, label=label)
    Output(json).emit(record.as_dict(), lambda out: out.message(record.note.rstrip("\n")))


@app.command()
def prove(
    ctx: typer.Context,
    index: Annotated[int, typer.Option("--index", help="Entry index to prove.")],
    json: JsonOpt = False,
) -> None:
    """Inclusion proof of one entry against the latest checkpoint."""
    with runtime(ctx).control.session() as s:
        cp = require_latest(s)
        if not 0 <= index < cp.size:
            raise InvalidArgument(
                f"--index {index} is not covered by the latest checkpoint (size {cp.size})"
            )
        raw = entry_bytes(s, index)
        proof = inclusion_proof(s, index, cp.size)
    leaf = merkle.leaf_hash(raw)
    doc = {
        "index": index,
        "tree_size": cp.size,
        "entry": raw.decode(),
        "leaf_hash": base64.b64encode(leaf).decode(),
        "hashes": _b64(proof),
        "checkpoint": cp.note,
        "verified": verifier.verify_inclusion(index, cp.size, leaf, proof, cp.root),
    }
    Output(json).emit(doc)


@app.command()
def consistency(
    ctx: typer.Context,
    old: Annotated[int, typer.Option("--from", help="Earlier tree size.")],
    new: Annotated[
        int | None, typer.Option("--to", help="Later tree size (default: latest checkpoint).")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Consistency proof that the log at one size is a prefix of the log at a later size."""
    with runtime(ctx).control.session() as s:
        cp = require_latest(s)
        to = cp.size if new is None else new
        proof = consistency_proof(s, old, to)
        doc: dict[str, Any] = {"from_size": old, "to_size": to, "hashes": _b64(proof)}
        if to == cp.size:
            doc["checkpoint"] = cp.note
    Output(json).emit(doc)


@app.command()
def verify(
    ctx: typer.Context,
    from_export: Annotated[
        Path | None,
        typer.Option(
            "--from-export",
            help="Verify an export folder with the standalone verifier instead of the database.",
            file_okay=False,
            exists=True,
        ),
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous",
            help="With --from-export: a checkpoint kept from before.",
            dir_okay=False,
            exists=True,
        ),
    ] = None,
    key: Annotated[
        list[str] | None,
        typer.Option("--key", help="With --from-export: a verifier key you trust."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Verify every entry and checkpoint; exit 10 naming the first failing index."""
    if from_export is not None:
        prev = previous.read_text(encoding="utf-8") if previous else None
        try:
            report = verifier.verify_export(from_export, prev, key or [])
        except ValueError as exc:
            raise InvalidArgument(f"{from_export}: {exc}") from None
        doc: dict[str, Any] = report.as_dict()
        if not report.ok:
            raise IntegrityError(
                f"export failed verification: first failing entry index "
                f"{report.first_failing_index}: {report.problems[0]}",
                **doc,
            )
    else:
        rt = runtime(ctx)
        with rt.control.session() as s:
            doc = verify_or_raise(s, rt.settings)
    summary = f"log verified: {doc['size']} entries, {len(doc['checkpoints'])} checkpoints"
    Output(json).emit(doc, lambda out: out.message(summary))


@app.command()
def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Empty or new folder to write.")],
    json: JsonOpt = False,
) -> None:
    """Write entries, checkpoints, verifier keys and the verifier to a folder (signing first)."""
    rt = runtime(ctx)
    export_folder(out)  # refused before a checkpoint is signed, not after
    with rt.control.session() as s:
        create_checkpoint(s, rt.settings, label="export")
    with rt.control.session() as s:
        doc = export_log(s, rt.settings, out)
    Output(json).emit(doc, lambda o: o.message(f"exported {doc['entries']} entries to {out}"))


@app.command("audit-events")
def audit_events_command(
    ctx: typer.Context,
    out: Annotated[
        Path | None, typer.Option("--out", help="NDJSON file (default: standard output).")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Every log entry as a FHIR R4 AuditEvent (IHE BALP), as NDJSON."""
    rt = runtime(ctx)
    if out is not None:
        out_target(out, rt.settings)  # refused before the work, not after
    with rt.control.session() as s:
        lines = [orjson.dumps(event) + b"\n" for event in audit_events(s)]
    if out is None:
        sys.stdout.buffer.writelines(lines)
        sys.stdout.flush()
        return
    write_out(out, b"".join(lines), rt.settings)
    doc = {"file": str(out), "events": len(lines)}
    Output(json).emit(doc, lambda o: o.message(f"wrote {len(lines)} AuditEvents to {out}"))


@app.command()
def history(
    ctx: typer.Context,
    nhs_number: Annotated[str, typer.Option("--nhs-number", help="The patient's NHS number.")],
    json: JsonOpt = False,
) -> None:
    """A patient's access history: every release that included them, with proofs (JSON)."""
    rt = runtime(ctx)
    patient = patient_hasher(rt.settings.keys_dir)(nhs_number)
    with rt.control.session() as s:
        doc = access_history(s, patient)
    Output(json).emit(doc)


@app.command("audit-report")
def audit_report_command(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    fmt: Annotated[str, typer.Option("--format", help="html or json.")] = "html",
    json: JsonOpt = False,
) -> None:
    """The periodic audit report for a period, with a consistency proof from the last one."""
    if fmt not in ("html", "json"):
        raise InvalidArgument(f"--format {fmt!r}: use html or json")
    days = []
    for name, text in (("--from", start), ("--to", end)):
        try:
            days.append(date.fromisoformat(text))
        except ValueError:
            raise InvalidArgument(f"{name} {text!r} is not a YYYY-MM-DD date") from None
    rt = runtime(ctx)
    # opened before the report is built (it signs a checkpoint): a path that cannot take
    # the file is refused with nothing signed
    with writing_out(out, rt.settings) as handle:
        with rt.control.session() as s:
            report = audit_report.build_report(s, rt.settings, days[0], days[1])
        if fmt == "json":
            handle.write(orjson.dumps(report, option=orjson.OPT_INDENT_2) + b"\n")
        else:
            handle.write(audit_report.render_html(report).encode())
    doc = {
        "file": str(out),
        "format": fmt,
        "entries": report["entries"],
        "anomalies": len(report["anomalies"]["found"]),
        "checkpoint_size": report["checkpoint"]["size"],
    }
    Output(json).emit(doc, lambda o: o.message(f"wrote the audit report to {out}"))
