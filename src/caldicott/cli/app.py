"""The ``caldicott`` command: the root, its global options and the one place errors surface."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from caldicott import __version__
from caldicott.applog import configure_logging, redact
from caldicott.cli import (
    agreement,
    consent,
    db,
    ingest,
    log,
    people,
    quality,
    quarantine,
    register,
    synth,
    views,
)
from caldicott.cli.output import JSON_OPTION_HELP, Output, write_json
from caldicott.cli.runtime import Runtime, build_runtime, runtime
from caldicott.errors import (
    EXIT_CLOSED_PIPE,
    EXIT_INTERRUPTED,
    CaldicottError,
    UserError,
    exit_code_for,
)

app = typer.Typer(
    name="caldicott",
    help="caldicott: a trusted data environment for NHS patient data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

#: Sub-command groups, one per capability. Each module exposes ``app`` (a Typer group)
#: or ``register(root)`` for top-level commands.
app.add_typer(db.app, name="db")
app.add_typer(views.app, name="view")
app.add_typer(consent.app, name="consent")
synth.register(app)
app.add_typer(log.app, name="log")
ingest.register(app)
app.add_typer(quarantine.app, name="quarantine")
app.add_typer(quality.app, name="quality")
app.add_typer(people.app, name="people")
app.add_typer(people.org_app, name="org")
app.add_typer(agreement.app, name="agreement")
app.add_typer(register.app, name="register")


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", help="TOML settings file (default: $CALDICOTT_CONFIG).", dir_okay=False
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show internal tracebacks.")] = False,
) -> None:
    """caldicott: a trusted data environment for NHS patient data."""
    rt = build_runtime(config, debug)
    configure_logging("DEBUG" if debug else rt.settings.log_level, rt.settings.log_format)
    ctx.obj = rt
    ctx.call_on_close(rt.close)


@app.command()
def version(
    ctx: typer.Context,
    json: Annotated[bool, typer.Option("--json", help=JSON_OPTION_HELP)] = False,
) -> None:
    """Show caldicott's version and the stores it is configured to use."""
    rt: Runtime = runtime(ctx)
    doc = {
        "version": __version__,
        "python": sys.version.split()[0],
        "engine": rt.settings.engine,
        "home": str(rt.settings.home),
    }
    Output(json).emit(doc, lambda out: out.message(f"caldicott {__version__}"))


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the command, turn errors into stable exit codes, hide tracebacks."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    json_mode = "--json" in args
    err = Console(stderr=True)
    stdout = sys.stdout
    try:
        # Standalone mode: usage errors print their message and exit 2 (as InvalidArgument).
        app(args=args, prog_name="caldicott")
    except SystemExit as exc:
        if sys.stdout is not stdout:
            # Click answers a closed pipe (EPIPE) by muting stdout and exiting 1, the code
            # of an internal error; it is the reader's choice, not a bug.
            return EXIT_CLOSED_PIPE
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except CaldicottError as exc:
        if debug:
            raise
        if json_mode:
            write_json({"error": exc.problem()})
        err.print(f"error: {redact(exc.message)}", markup=False, highlight=False)
        return exit_code_for(exc)
    except KeyboardInterrupt:
        err.print("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:  # the last line of defence: no traceback reaches a user
        if debug:
            raise
        message = f"internal error ({type(exc).__name__}); run again with --debug for details"
        if json_mode:  # the class name only: an exception's text may quote data
            write_json({"error": CaldicottError(message).problem()})
        err.print(message, markup=False)
        return exit_code_for(exc)
    return 0


def run() -> None:  # pragma: no cover - console script shim
    sys.exit(main())


__all__ = ["UserError", "app", "main"]
