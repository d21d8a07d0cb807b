"""``caldicott agreement``: applications, panel review, decisions and agreements in force."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from caldicott.cli.output import JSON_OPTION_HELP, Output
from caldicott.cli.runtime import runtime
from caldicott.errors import InvalidArgument
from caldicott.governance import describe, lifecycle, panel, records, states, workflow
from caldicott.governance.access import require
from caldicott.governance.application import load_file
from caldicott.governance.people import profile
from caldicott.store.control.base import utcnow

app = typer.Typer(help="Applications and agreements: create, review, decide.", no_args_is_help=True)
review_app = typer.Typer(
    help="The patient and public panel: vote, raise concerns, answer them, read the record.",
    no_args_is_help=True,
)
app.add_typer(review_app, name="review")

JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_OPTION_HELP)]
AsRequired = Annotated[
    str, typer.Option("--as", help="Email of the person acting; their role is checked.")
]
Ref = Annotated[str, typer.Argument(help="The agreement, for example DUA-0001.")]
FileArg = Annotated[
    Path, typer.Argument(help="The application document, YAML or JSON.", dir_okay=False)
]
Reason = Annotated[str, typer.Option("--reason", help="Why (recorded and published).")]


def _state_line(doc: dict[str, Any]) -> str:
    return f"{doc['agreement']} version {doc['version']}: {doc['state']}"


def _brief(session: Any, row: Any) -> dict[str, Any]:
    return {
        "agreement": records.reference_of(session, row),
        "version": row.version,
        "state": row.state,
    }


@app.command()
def create(ctx: typer.Context, file: FileArg, actor: AsRequired, json: JsonOpt = False) -> None:
    """Create a draft application from a document (a researcher or supplier named on it)."""
    application = load_file(file)
    with runtime(ctx).control.session() as s:
        doc = _brief(s, workflow.create(s, application, actor))
    Output(json).emit(doc, lambda out: out.message(_state_line(doc)))


@app.command()
def submit(ctx: typer.Context, reference: Ref, actor: AsRequired, json: JsonOpt = False) -> None:
    """Submit a draft: run the automatic checks; refuse, return or send it to the panel."""
    with runtime(ctx).control.session() as s:
        row, found = workflow.submit(s, reference, actor)
        doc = {**_brief(s, row), "findings": [f.to_dict() for f in found]}

    def human(out: Output) -> None:
        out.message(_state_line(doc))
        for f in found:
            out.message(f"  {f.severity:8} {f.code}  {f.path}: {f.reason}")

    Output(json).emit(doc, human)


@app.command()
def amend(
    ctx: typer.Context, reference: Ref, file: FileArg, actor: AsRequired, json: JsonOpt = False
) -> None:
    """Revise a draft, or amend an approved or active agreement as a new version."""
    application = load_file(file)
    with runtime(ctx).control.session() as s:
        doc = _brief(s, workflow.amend(s, reference, application, actor))
    Output(json).emit(doc, lambda out: out.message(_state_line(doc)))


@app.command()
def decide(
    ctx: typer.Context,
    reference: Ref,
    actor: AsRequired,
    reason: Reason,
    approve: Annotated[bool, typer.Option("--approve/--reject", help="The decision.")],
    condition: Annotated[
        list[str] | None,
        typer.Option("--condition", help="A condition of approval (repeat for several)."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """The custodian's decision after panel review: approve (with conditions) or reject."""
    with runtime(ctx).control.session() as s:
        row = workflow.decide(
            s, reference, actor, approve=approve, reason=reason, conditions=condition or []
        )
        doc = {**_brief(s, row), "conditions": panel.conditions(s, row)}
    Output(json).emit(doc, lambda out: out.message(_state_line(doc)))


@app.command()
def activate(ctx: typer.Context, reference: Ref, actor: AsRequired, json: JsonOpt = False) -> None:
    """Accept an approved agreement and its conditions; it runs from today (the applicant)."""
    with runtime(ctx).control.session() as s:
        row = workflow.activate(s, reference, actor)
        doc = {
            **_brief(s, row),
            "starts_on": row.starts_on.isoformat() if row.starts_on else None,
            "ends_on": row.ends_on.isoformat() if row.ends_on else None,
        }
    Output(json).emit(doc, lambda out: out.message(f"{_state_line(doc)} until {doc['ends_on']}"))


def _custodian(
    ctx: typer.Context, step: Any, reference: str, actor: str, reason: str, json: bool
) -> None:
    with runtime(ctx).control.session() as s:
        doc = _brief(s, step(s, reference, actor, reason))
    Output(json).emit(doc, lambda out: out.message(_state_line(doc)))


@app.command()
def suspend(
    ctx: typer.Context, reference: Ref, actor: AsRequired, reason: Reason, json: JsonOpt = False
) -> None:
    """Suspend an active agreement (custodians)."""
    _custodian(ctx, lifecycle.suspend, reference, actor, reason, json)


@app.command()
def reinstate(
    ctx: typer.Context, reference: Ref, actor: AsRequired, reason: Reason, json: JsonOpt = False
) -> None:
    """Lift a suspension (custodians)."""
    _custodian(ctx, lifecycle.reinstate, reference, actor, reason, json)


@app.command()
def revoke(
    ctx: typer.Context, reference: Ref, actor: AsRequired, reason: Reason, json: JsonOpt = False
) -> None:
    """Revoke an approved, active or suspended agreement for good (custodians)."""
    _custodian(ctx, lifecycle.revoke, reference, actor, reason, json)


@app.command()
def expire(ctx: typer.Context, actor: AsRequired, json: JsonOpt = False) -> None:
    """Record the expiry of every agreement past its end date (custodians, administrators)."""
    with runtime(ctx).control.session() as s:
        require(profile(s, actor).roles, "agreement.expire")
        expired = [t.to_dict() for t in lifecycle.expire_due(s)]
    Output(json).emit({"expired": expired}, lambda out: out.message(f"{len(expired)} expired"))


@app.command()
def show(
    ctx: typer.Context,
    reference: Ref,
    lay: Annotated[
        bool, typer.Option("--lay", help="The plain-language view (public: no --as needed).")
    ] = False,
    actor: Annotated[
        str | None,
        typer.Option("--as", help="Email of the person reading (not needed with --lay)."),
    ] = None,
    version: Annotated[
        int | None, typer.Option("--version", help="A version (default: latest).")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Show an agreement: in full to staff, or in plain language to anyone with --lay."""
    with runtime(ctx).control.session() as s:
        if lay:
            staff = actor is not None and bool(require(profile(s, actor).roles, "agreement.read"))
            doc = panel.lay_view(s, records.version(s, reference, version), public=not staff)
        else:
            if actor is None:
                raise InvalidArgument("show: give --as EMAIL, or --lay for the public view")
            require(profile(s, actor).roles, "agreement.read")
            doc = describe.agreement_document(s, reference, utcnow(), version)
    Output(json).emit(doc)


@app.command("list")
def list_agreements(
    ctx: typer.Context,
    actor: AsRequired,
    state: Annotated[
        str | None, typer.Option("--state", help="Only agreements in this state.")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """List agreements with their latest version's state (staff)."""
    if state is not None and state not in states.STATES:
        raise InvalidArgument(f"--state {state!r}: one of {', '.join(states.STATES)}")
    with runtime(ctx).control.session() as s:
        require(profile(s, actor).roles, "agreement.read")
        rows = describe.list_agreements(s, state)
    Output(json).emit(
        {"agreements": rows},
        lambda out: out.table(
            "Agreements",
            ["agreement", "version", "state", "purpose", "organisation", "title"],
            [
                [
                    r["agreement"],
                    r["version"],
                    r["state"],
                    r["purpose"],
                    r["organisation"],
                    r["title"],
                ]
                for r in rows
            ],
        ),
    )


@review_app.command()
def vote(
    ctx: typer.Context,
    reference: Ref,
    actor: AsRequired,
    choice: Annotated[str, typer.Option("--vote", help="support, oppose or abstain.")],
    comment: Annotated[str, typer.Option("--comment", help="Why (optional).")] = "",
    json: JsonOpt = False,
) -> None:
    """Vote on an application in panel review (panel members)."""
    with runtime(ctx).control.session() as s:
        row = panel.vote(s, reference, actor, choice, comment)
        doc = {"agreement": reference, "vote": row.vote}
    Output(json).emit(doc, lambda out: out.message(f"vote recorded: {doc['vote']}"))


@review_app.command()
def concern(
    ctx: typer.Context,
    reference: Ref,
    actor: AsRequired,
    text: Annotated[str, typer.Option("--text", help="The concern, in your words.")],
    json: JsonOpt = False,
) -> None:
    """Raise a concern the custodian must answer before any approval (panel members)."""
    with runtime(ctx).control.session() as s:
        row = panel.raise_concern(s, reference, actor, text)
        doc = {"agreement": reference, "concern": row.id}
    Output(json).emit(doc, lambda out: out.message(f"concern #{doc['concern']} raised"))


@review_app.command()
def answer(
    ctx: typer.Context,
    concern_id: Annotated[int, typer.Argument(help="The concern's number.")],
    actor: AsRequired,
    text: Annotated[str, typer.Option("--text", help="The answer (published).")],
    json: JsonOpt = False,
) -> None:
    """Answer a panel concern (custodians)."""
    with runtime(ctx).control.session() as s:
        row = panel.answer(s, concern_id, actor, text)
        doc = {"concern": row.id, "answered": True}
    Output(json).emit(doc, lambda out: out.message(f"concern #{concern_id} answered"))


@review_app.command()
def record(ctx: typer.Context, reference: Ref, json: JsonOpt = False) -> None:
    """The panel's public record for an application: votes counted, concerns and answers."""
    with runtime(ctx).control.session() as s:
        row = records.version(s, reference)
        doc = {"agreement": reference, "version": row.version, **panel.panel_record(s, row)}
    Output(json).emit(doc)
