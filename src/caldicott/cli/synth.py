"""``caldicott synth``: write a synthetic UK population as a FHIR Bulk Data export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from caldicott.cli.output import JSON_OPTION_HELP, Output
from caldicott.synth import SynthConfig, SynthResult, synthesise
from caldicott.synth.config import DEFAULT_CHUNK, DEFAULT_END, DEFAULT_START, parse_date


def synth(
    patients: Annotated[int, typer.Option("--patients", help="How many patients to make.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the export (created if missing).")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, same bytes.")] = 0,
    start_date: Annotated[
        str, typer.Option("--start-date", help="First day of recorded history (YYYY-MM-DD).")
    ] = DEFAULT_START.isoformat(),
    end_date: Annotated[
        str, typer.Option("--end-date", help="Last day of recorded history (YYYY-MM-DD).")
    ] = DEFAULT_END.isoformat(),
    invalid_rate: Annotated[
        float,
        typer.Option(
            "--invalid-rate", help="Share of records made defective, listed in defects.csv."
        ),
    ] = 0.0,
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", help="Patients generated at a time (memory bound).")
    ] = DEFAULT_CHUNK,
    workers: Annotated[
        int,
        typer.Option("--workers", min=1, help="Processes building chunks (same output)."),
    ] = 1,
    json: Annotated[bool, typer.Option("--json", help=JSON_OPTION_HELP)] = False,
) -> None:
    """Write a synthetic UK population as FHIR R4 Bulk Data NDJSON (see docs/synthetic-data.md)."""
    cfg = SynthConfig(
        patients=patients,
        seed=seed,
        out=out,
        start=parse_date("--start-date", start_date),
        end=parse_date("--end-date", end_date),
        invalid_rate=invalid_rate,
        chunk_size=chunk_size,
    )
    output = Output(json)
    with output.progress("synthesising", total=cfg.patients, unit="patients") as advance:
        result = synthesise(cfg, progress=advance, workers=workers)
    output.emit(result.document(), lambda o: _human(o, result))


def _human(out: Output, result: SynthResult) -> None:
    rows = [(name, f["lines"], f"{f['bytes'] / 1e6:,.1f} MB") for name, f in result.files.items()]
    out.table(f"Synthetic export in {result.out}", ("file", "lines", "size"), rows)
    out.table(
        "Population",
        ("figure", "value"),
        [
            ("patients", result.patients),
            ("resources", result.resources),
            ("deaths in the window", result.deaths),
            ("cardiovascular events (ground truth in outcomes.csv)", result.cardiovascular_events),
            ("National Data Opt-outs", result.national_opt_outs),
            ("Type 1 opt-outs", result.type1_opt_outs),
            ("defective records (defects.csv)", result.defects),
            ("seconds", round(result.seconds, 2)),
        ],
    )


def register(app: typer.Typer) -> None:
    app.command(name="synth")(synth)
