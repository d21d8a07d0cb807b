"""``caldicott view``: run SQL on FHIR ViewDefinitions and the official conformance suite."""

from __future__ import annotations

import json as jsonlib
from pathlib import Path
from typing import Annotated

import typer

from caldicott.cli.files import out_target, write_out
from caldicott.cli.output import JSON_OPTION_HELP, Output
from caldicott.cli.runtime import runtime
from caldicott.errors import EXIT_TESTS_FAILED, InvalidArgument
from caldicott.views import library
from caldicott.views.engines import ENGINE_NAMES, get_engine
from caldicott.views.output import FORMATS, output_target, write
from caldicott.views.run import output_name, resolve, run_view
from caldicott.views.suite import load_suite, report, run_suite, summary

app = typer.Typer(help="SQL on FHIR v2 views over the warehouse.", no_args_is_help=True)


@app.command("run")
def run_command(
    ctx: typer.Context,
    view: Annotated[str, typer.Argument(help="ViewDefinition JSON file or built-in view name.")],
    engine: Annotated[
        str | None, typer.Option(help=f"Engine: {', '.join(ENGINE_NAMES)} (default: setting).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help=f"One of {', '.join(FORMATS)}.")] = "csv",
    out: Annotated[
        Path | None,
        typer.Option(
            help="Output file inside the data folder, replaced if it exists "
            "(default: outputs/views/NAME.FORMAT there)."
        ),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help=JSON_OPTION_HELP)] = False,
) -> None:
    """Run a view over the warehouse and write its rows to a file inside the data folder.

    Rows are patient-level data, so they never go to standard output: --out must be a
    regular file (new or existing) inside the data folder, after symlinks and .. are
    resolved. The command reports the file, the row count and the time taken.
    """
    settings = runtime(ctx).settings
    engine_name = engine or settings.engine
    if engine_name not in ENGINE_NAMES:
        raise InvalidArgument(f"--engine must be one of {', '.join(ENGINE_NAMES)}")
    if fmt not in FORMATS:
        raise InvalidArgument(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    definition = resolve(view)
    name = output_name(definition, view)
    # Checked before the view runs, so a refused path costs nothing; checked again on write.
    placed = settings.placed_files
    target = output_target(
        out or settings.home / "outputs" / "views" / f"{name}.{fmt}", settings.home, placed
    )
    done = run_view(definition, engine_name, settings.warehouse_path)
    target = write(done.result, fmt, target, settings.home, definition.columns, placed)
    doc = {
        "view": name,
        "engine": engine_name,
        "format": fmt,
        "out": str(target),
        "rows": len(done.result.rows),
        "columns": list(done.result.columns),
        "seconds": round(done.seconds, 3),
    }
    Output(json).emit(
        doc,
        lambda o: o.message(
            f"{doc['rows']:,} rows of {name} ({engine_name}, {doc['seconds']} s) -> {target}"
        ),
    )


@app.command("test")
def test_command(
    ctx: typer.Context,
    suite_dir: Annotated[Path, typer.Argument(help="Folder of SQL on FHIR test files.")],
    engine: Annotated[str, typer.Option(help=f"Engine: {', '.join(ENGINE_NAMES)}.")] = "duckdb",
    report_file: Annotated[
        Path | None, typer.Option("--report", help="Write the official test report JSON here.")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help=JSON_OPTION_HELP)] = False,
) -> None:
    """Run the official SQL on FHIR test suite on an engine; exit 12 if any test fails."""
    settings = runtime(ctx).settings
    if report_file is not None:
        out_target(report_file, settings)  # refused before the suite runs, not after
    cases = load_suite(suite_dir)
    results = list(run_suite(get_engine(engine), cases))
    if report_file is not None:
        body = jsonlib.dumps(report(results), indent=2) + "\n"
        write_out(report_file, body.encode("utf-8"), settings)
    doc = {"engine": engine, **summary(results)}
    if report_file is not None:
        doc["report"] = str(report_file)

    def human(o: Output) -> None:
        o.message(f"{engine}: {doc['passed']}/{doc['total']} passed")
        for failure in doc["failures"]:
            o.message(f"  failed: {failure}")

    Output(json).emit(doc, human)
    if doc["failed"]:
        raise typer.Exit(EXIT_TESTS_FAILED)  # not 1, which is a bug


@app.command("list")
def list_command(
    json: Annotated[bool, typer.Option("--json", help=JSON_OPTION_HELP)] = False,
) -> None:
    """List the built-in views for UK data."""
    views = [library.load(n) for n in library.names()]
    doc = [
        {"name": v.name, "resource": v.resource, "title": v.title, "columns": list(v.column_names)}
        for v in views
    ]
    rows = [[v.name, v.resource, len(v.column_names)] for v in views]
    Output(json).emit(
        doc, lambda o: o.table("Built-in views", ["name", "resource", "columns"], rows)
    )


@app.command("show")
def show_command(
    name: Annotated[str, typer.Argument(help="A built-in view name (see `caldicott view list`).")],
) -> None:
    """Print a built-in view's ViewDefinition JSON (to copy and adapt)."""
    Output(True).emit(library.source(name))
