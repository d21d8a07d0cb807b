"""``caldicott people`` and ``caldicott org``: who may act, for which organisation, trained."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from caldicott.cli.output import JSON_OPTION_HELP, Output
from caldicott.cli.runtime import runtime
from caldicott.errors import InvalidArgument
from caldicott.governance import people as gov
from caldicott.governance.access import require
from caldicott.store.control.base import utcnow

app = typer.Typer(help="People, their roles and their training.", no_args_is_help=True)
org_app = typer.Typer(help="Organisations that apply for or hold data.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_OPTION_HELP)]
AS_HELP = "Email of the person acting; their role is checked."
AsOpt = Annotated[str | None, typer.Option("--as", help=AS_HELP)]
AsRequired = Annotated[str, typer.Option("--as", help=AS_HELP)]


def parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None


@org_app.command("add")
def org_add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="ODS-like code, for example UNI-YORK.")],
    name: Annotated[str, typer.Option("--name", help="The organisation's name.")],
    kind: Annotated[str, typer.Option("--kind", help="nhs, academic, commercial or charity.")],
    actor: AsOpt = None,
    json: JsonOpt = False,
) -> None:
    """Register an organisation (administrators; the first one needs no --as)."""
    with runtime(ctx).control.session() as s:
        org = gov.add_organisation(s, code, name, kind, actor=actor)
        doc = {"code": org.code, "name": org.name, "kind": org.kind}
    Output(json).emit(doc, lambda out: out.message(f"organisation {code} added"))


@org_app.command("list")
def org_list(ctx: typer.Context, json: JsonOpt = False) -> None:
    """List organisations (public)."""
    with runtime(ctx).control.session() as s:
        rows = [{"code": o.code, "name": o.name, "kind": o.kind} for o in gov.list_organisations(s)]
    Output(json).emit(
        {"organisations": rows},
        lambda out: out.table(
            "Organisations",
            ["code", "name", "kind"],
            [[r["code"], r["name"], r["kind"]] for r in rows],
        ),
    )


@app.command("add")
def add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The person's email, their identity here.")],
    name: Annotated[str, typer.Option("--name", help="Their name.")],
    org: Annotated[str, typer.Option("--org", help="Their organisation's code.")],
    role: Annotated[
        list[str],
        typer.Option(
            "--role",
            help="researcher, supplier, custodian, panel-member, auditor or administrator "
            "(repeat for several).",
        ),
    ],
    actor: AsOpt = None,
    json: JsonOpt = False,
) -> None:
    """Add a person with their roles (administrators; the first person needs no --as)."""
    with runtime(ctx).control.session() as s:
        doc = gov.add_person(s, email, name, org, role, actor=actor).to_dict()
    Output(json).emit(doc, lambda out: out.message(f"{doc['email']} added"))


@app.command("train")
def train(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The person trained.")],
    completed: Annotated[str, typer.Option("--completed", help="Completion date, YYYY-MM-DD.")],
    actor: AsRequired,
    kind: Annotated[
        str, typer.Option("--kind", help="The training, for example data-security-awareness.")
    ] = "data-security-awareness",
    expires: Annotated[
        str | None,
        typer.Option("--expires", help="Expiry date (default: a year after completion)."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Record a training attestation (administrators)."""
    done = parse_date(completed, "--completed")
    until = parse_date(expires, "--expires") if expires else None
    with runtime(ctx).control.session() as s:
        doc = gov.record_training(s, email, kind, done, until, actor=actor).to_dict()
    Output(json).emit(doc, lambda out: out.message(f"{kind} recorded for {doc['email']}"))


@app.command("list")
def list_people(ctx: typer.Context, actor: AsRequired, json: JsonOpt = False) -> None:
    """List people with their roles (administrators, custodians, auditors)."""
    with runtime(ctx).control.session() as s:
        require(gov.profile(s, actor).roles, "person.read")
        rows = [p.to_dict() for p in gov.list_people(s)]
    Output(json).emit(
        {"people": rows},
        lambda out: out.table(
            "People",
            ["email", "name", "organisation", "roles"],
            [[r["email"], r["name"], r["organisation"], ", ".join(r["roles"])] for r in rows],  # type: ignore[arg-type]
        ),
    )


@app.command("show")
def show(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The person to show.")],
    actor: AsRequired,
    json: JsonOpt = False,
) -> None:
    """Show a person's roles and training (administrators, custodians, auditors, themselves)."""
    with runtime(ctx).control.session() as s:
        me = gov.profile(s, actor)
        if me.email != email.strip().lower():
            require(me.roles, "person.read")
        person = gov.profile(s, email)
        doc = {**person.to_dict(), "missing_training": person.missing_training(utcnow().date())}
    Output(json).emit(doc)
