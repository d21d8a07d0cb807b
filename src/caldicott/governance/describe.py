"""Agreements as documents: the full record for staff, and the list of all agreements.

The same documents serve the CLI (``agreement show``, ``agreement list``) and, later, the
HTTP API. The lay view for the panel and the public is :func:`caldicott.governance.panel.lay_view`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caldicott.governance import records
from caldicott.governance.lifecycle import is_active
from caldicott.governance.panel import conditions, panel_record
from caldicott.governance.tables import (
    Agreement,
    AgreementVersion,
    Concern,
    Finding,
    Organisation,
    Person,
    Vote,
)


def findings(session: Session, row: AgreementVersion) -> list[dict[str, Any]]:
    found = session.scalars(
        select(Finding).where(Finding.version_id == row.id).order_by(Finding.id)
    )
    return [
        {
            "stage": f.stage,
            "code": f.code,
            "severity": f.severity,
            "path": f.path,
            "reason": f.reason,
        }
        for f in found
    ]


def _panel_detail(session: Session, row: AgreementVersion) -> dict[str, Any]:
    """The panel record with who voted and who raised each concern (staff only)."""
    record = panel_record(session, row)
    votes = session.scalars(select(Vote).where(Vote.version_id == row.id).order_by(Vote.id))
    record["ballots"] = [
        {"member": _email(session, v.person_id), "vote": v.vote, "comment": v.comment}
        for v in votes
    ]
    raised = {
        c.id: _email(session, c.raised_by_id)
        for c in session.scalars(select(Concern).where(Concern.version_id == row.id))
    }
    for concern in record["concerns"]:
        concern["raised_by"] = raised.get(concern["id"])
    return record


def _email(session: Session, person_id: int) -> str:
    person = session.get(Person, person_id)
    return person.email if person else "unknown"


def version_document(session: Session, row: AgreementVersion, at: datetime) -> dict[str, Any]:
    app = records.application_of(row)
    return {
        "agreement": records.reference_of(session, row),
        "version": row.version,
        "state": row.state,
        "active_now": is_active(row, at),
        "title": row.title,
        "organisation": app.organisation,
        "purpose": row.purpose,
        "identifiability": row.identifiability,
        "commercial": row.commercial,
        "people": [{"email": e, "role": r} for e, r in app.people],
        "duration_months": row.duration_months,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "starts_on": row.starts_on.isoformat() if row.starts_on else None,
        "ends_on": row.ends_on.isoformat() if row.ends_on else None,
        "conditions": conditions(session, row),
        "findings": findings(session, row),
        "panel": _panel_detail(session, row),
        "transitions": [t.to_dict() for t in records.transitions(session, row)],
        "document": app.document,
    }


def agreement_document(
    session: Session, reference: str, at: datetime, number: int | None = None
) -> dict[str, Any]:
    """One version of an agreement in full, with the list of all its versions."""
    row = records.version(session, reference, number)
    doc = version_document(session, row, at)
    doc["versions"] = [
        {"version": v.version, "state": v.state}
        for v in records.versions(session, row.agreement_id)
    ]
    return doc


def list_agreements(session: Session, state: str | None = None) -> list[dict[str, Any]]:
    """Every agreement's latest version, optionally only those in ``state``."""
    out = []
    for owner in session.scalars(select(Agreement).order_by(Agreement.id)):
        latest = records.versions(session, owner.id)[-1]
        if state is not None and latest.state != state:
            continue
        org = session.get(Organisation, owner.organisation_id)
        out.append(
            {
                "agreement": owner.reference,
                "version": latest.version,
                "state": latest.state,
                "title": latest.title,
                "purpose": latest.purpose,
                "organisation": org.code if org else None,
            }
        )
    return out
