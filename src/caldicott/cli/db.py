"""``caldicott db``: the control-plane database."""

from __future__ import annotations

from typing import Annotated

import typer

from caldicott.cli.output import JSON_OPTION_HELP, Output
from caldicott.cli.runtime import runtime

app = typer.Typer(help="The control-plane database.", no_args_is_help=True)


@app.command()
def upgrade(
    ctx: typer.Context,
    json: Annotated[bool, typer.Option("--json", help=JSON_OPTION_HELP)] = False,
) -> None:
    """Apply every pending migration to the control-plane database."""
    control = runtime(ctx).control
    heads = control.upgrade()
    doc = {"backend": control.backend, "heads": heads}
    Output(json).emit(
        doc, lambda out: out.message(f"control plane ({control.backend}) at {', '.join(heads)}")
    )


@app.command()
def status(
    ctx: typer.Context,
    json: Annotated[bool, typer.Option("--json", help=JSON_OPTION_HELP)] = False,
) -> None:
    """Show the applied migrations and whether any are pending."""
    control = runtime(ctx).control
    doc = {
        "backend": control.backend,
        "heads": control.current_heads(),
        "pending": control.pending(),
    }
    Output(json).emit(doc)
