"""``caldicott consent``: patients' choices, opt-out imports, decisions and snapshots."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from caldicott.cli.files import writing_out
from caldicott.cli.output import JSON_OPTION_HELP, Output, write_json
from caldicott.cli.runtime import runtime
from caldicott.consent import consent_fhir, imports, registry, snapshot
from caldicott.consent.decide import decide as decide_one
from caldicott.consent.logged import recording
from caldicott.errors import InvalidArgument
from caldicott.store.own import PRIVATE

app = typer.Typer(help="Patients' choices: opt-outs, consents, decisions.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_OPTION_HELP)]
NhsOpt = Annotated[str, typer.Option("--nhs-number", help="The patient's NHS number.")]
AtOpt = Annotated[
    str | None, typer.Option("--at", help="Evaluate as at this time (ISO 8601 with zone).")
]


def _time(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidArgument(f"{option}: not an ISO 8601 time: {text!r}") from None
    if value.tzinfo is None:
        raise InvalidArgument(f"{option}: include a time zone, for example {text}Z")
    return value.astimezone(UTC)


def _report(out: Output, doc: dict[str, Any]) -> None:
    out.message(
        f"{doc['file']}: {doc['imported']:,} imported, {doc['already_in_force']:,} already "
        f"recorded, {doc['duplicates']:,} duplicate lines, {doc['bad_lines']:,} bad lines"
    )
    for bad in doc["bad"][:50]:
        out.message(f"  line {bad['line']}: {bad['reason']}")
    if len(doc["bad"]) > 50:
        out.message(f"  ... and {len(doc['bad']) - 50:,} more (use --json for all)")


@app.command("import-optouts")
def import_optouts(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV of NHS numbers (header nhs_number or none).")],
    type1: Annotated[bool, typer.Option("--type1", help="The file lists Type 1 opt-outs.")] = False,
    actor: Annotated[str, typer.Option("--actor", help="Who is importing.")] = "import",
    json: JsonOpt = False,
) -> None:
    """Import National Data Opt-outs (or Type 1 opt-outs) from a CSV of NHS numbers."""
    kind = "type1-opt-out" if type1 else "national-opt-out"
    rt = runtime(ctx)
    with recording(rt.control, rt.settings.keys_dir) as session:
        doc = imports.import_opt_outs(session, file, kind, actor=actor).as_dict()
    Output(json).emit(doc, lambda out: _report(out, doc))


@app.command("import-fhir")
def import_fhir(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="FHIR R4 Consent resources as NDJSON.")],
    patients: Annotated[
        Path | None,
        typer.Option(
            "--patients",
            help="Patient NDJSON to resolve Consent.patient references "
            "(default: Patient.ndjson beside FILE, if present).",
        ),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Import FHIR Consent resources (for example synth's Consent.ndjson)."""
    beside = file.parent / "Patient.ndjson"
    source = patients or (beside if beside.is_file() else None)
    ids = imports.read_patient_ids(source) if source is not None else None
    rt = runtime(ctx)
    with recording(rt.control, rt.settings.keys_dir) as session:
        doc = imports.import_fhir(session, file, patients=ids).as_dict()
    Output(json).emit(doc, lambda out: _report(out, doc))


@app.command("set")
def set_(
    ctx: typer.Context,
    nhs_number: NhsOpt,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="national-opt-out, type1-opt-out, "
            "explicit-consent, explicit-dissent or pgd-collection.",
        ),
    ],
    channel: Annotated[str, typer.Option("--channel", help="app, gp, phone, paper or import.")],
    actor: Annotated[str, typer.Option("--actor", help="Who recorded the choice.")],
    purpose: Annotated[str | None, typer.Option("--purpose", help="Purpose code.")] = None,
    agreement: Annotated[str | None, typer.Option("--agreement", help="Agreement id.")] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Data source, for pgd-collection.")
    ] = None,
    withdraw: Annotated[bool, typer.Option("--withdraw", help="Withdraw the choice.")] = False,
    effective: Annotated[
        str | None, typer.Option("--effective", help="When it takes effect (default now).")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Record one change to a patient's choices (a new version; history is kept)."""
    change = registry.new_choice(
        nhs_number,
        kind,
        purpose=purpose,
        agreement=agreement,
        source=source,
        withdraw=withdraw,
        channel=channel,
        actor=actor,
        effective_from=_time(effective, "--effective"),
    )
    rt = runtime(ctx)
    with recording(rt.control, rt.settings.keys_dir) as session:
        added = registry.set_choice(session, change)
    doc = {"recorded": added, "kind": change.kind, "scope": change.scope, "value": change.value}
    Output(json).emit(
        doc, lambda out: out.message(f"recorded: {change.kind} {change.value} ({change.scope})")
    )


@app.command()
def decide(
    ctx: typer.Context,
    nhs_number: NhsOpt,
    purpose: Annotated[str, typer.Option("--purpose", help="Purpose code.")],
    agreement: Annotated[str | None, typer.Option("--agreement", help="Agreement id.")] = None,
    at: AtOpt = None,
    anonymised: Annotated[
        bool, typer.Option("--anonymised", help="The data are anonymised to the ICO standard.")
    ] = False,
    json: Annotated[
        bool, typer.Option("--json", help="Accepted for consistency: decide always prints JSON.")
    ] = True,
) -> None:
    """Decide permit or deny for one patient and purpose; prints JSON with the reasons."""
    when = _time(at, "--at")
    with runtime(ctx).control.session() as session:
        decision = decide_one(session, nhs_number, purpose, agreement, when, anonymised=anonymised)
    write_json(decision.as_dict())


@app.command()
def history(ctx: typer.Context, nhs_number: NhsOpt, json: JsonOpt = False) -> None:
    """Every version of a patient's choices, oldest first."""
    with runtime(ctx).control.session() as session:
        rows = registry.history(session, nhs_number)
    columns = ("id", "kind", "scope", "value", "channel", "actor", "effective_from", "recorded_at")

    def cell(row: dict[str, Any], column: str) -> Any:
        value = row[column]
        return value[:16].replace("T", " ") if column.endswith(("_from", "_at")) else value

    Output(json).emit(
        {"versions": rows},
        lambda out: out.table(
            "Choice history (times in UTC)", columns, [[cell(r, c) for c in columns] for r in rows]
        ),
    )


@app.command()
def export(
    ctx: typer.Context,
    format: Annotated[str, typer.Option("--format", help="Export format: fhir.")] = "fhir",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="NDJSON file (default: exports/ in the data folder)."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Export every choice as FHIR R4 Consent NDJSON (imported Consents verbatim)."""
    if format != "fhir":
        raise InvalidArgument(f"--format: unknown format {format!r}; known: fhir")
    rt = runtime(ctx)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out or rt.settings.home / "exports" / f"consent-{stamp}.ndjson"
    count = 0
    with writing_out(path, rt.settings, PRIVATE) as handle, rt.control.session() as session:
        for resource in consent_fhir.export_consents(session):
            handle.write(orjson.dumps(resource) + b"\n")
            count += 1
    doc = {"file": str(path), "consents": count}
    Output(json).emit(doc, lambda o: o.message(f"{count:,} Consent resources written to {path}"))


@app.command()
def stats(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Counts of choices recorded and in force, by kind and channel."""
    with runtime(ctx).control.session() as session:
        doc = registry.stats(session)

    def human(out: Output) -> None:
        out.message(
            f"{doc['patients_with_choices']:,} patients with choices, {doc['versions']:,} versions"
        )
        out.table(
            "In force now", ("kind", "patients"), list(doc["patients_by_kind_in_force"].items())
        )
        out.table(
            "Versions by channel", ("channel", "versions"), list(doc["versions_by_channel"].items())
        )

    Output(json).emit(doc, human)


@app.command("snapshot")
def snapshot_(
    ctx: typer.Context,
    purpose: Annotated[str, typer.Option("--purpose", help="Purpose code.")],
    agreement: Annotated[str | None, typer.Option("--agreement", help="Agreement id.")] = None,
    at: AtOpt = None,
    anonymised: Annotated[
        bool, typer.Option("--anonymised", help="The data are anonymised to the ICO standard.")
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Write the table as Parquet.")] = None,
    json: JsonOpt = False,
) -> None:
    """Take a consent snapshot for a purpose over the warehouse's patients; record its hash."""
    import pyarrow.parquet as pq

    from caldicott.store.warehouse import DuckDBWarehouse

    rt = runtime(ctx)
    with ExitStack() as stack:
        # the file is opened before the snapshot is recorded: a path that cannot take it
        # is refused with nothing recorded
        handle = (
            None if out is None else stack.enter_context(writing_out(out, rt.settings, PRIVATE))
        )
        numbers = None
        if rt.settings.warehouse_path.is_file():
            with DuckDBWarehouse(rt.settings.warehouse_path, read_only=True) as wh:
                numbers = snapshot.warehouse_patient_numbers(wh.conn)
        with rt.control.session() as session:
            snap = snapshot.take_snapshot(
                session,
                purpose,
                agreement=agreement,
                at=_time(at, "--at"),
                anonymised=anonymised,
                patients=numbers,
            )
        doc = snap.summary()
        if handle is not None:
            pq.write_table(snap.table, handle)
            doc["file"] = str(out)
    Output(json).emit(doc)
