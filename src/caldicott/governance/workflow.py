"""The agreement workflow: a state machine whose every step is checked, recorded and explained.

    draft → submitted → checked → panel-review → custodian-decision → approved → active
                 ↘ rejected (refused automatically)           ↘ rejected     active → suspended
                 ↘ draft (returned with errors)                       suspended → active
    active | suspended | approved → revoked;  active | suspended → expired;  active → superseded

An amendment of an approved or active agreement is a new version that starts at draft and
goes through the checks, the panel and the custodian again; when it becomes active the
version it amends is superseded. Every step names its actor, whose role is checked first
(PermissionDenied, exit 6), then the state (Conflict, exit 5); each is recorded with time and
reason by :func:`caldicott.governance.records.record_transition`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from caldicott.errors import Conflict, InvalidArgument, PermissionDenied
from caldicott.governance import checks, records
from caldicott.governance.application import Application
from caldicott.governance.checks import Finding
from caldicott.governance.people import Profile, profiles
from caldicott.governance.records import record_transition
from caldicott.governance.states import acting, add_months, move
from caldicott.governance.tables import (
    Agreement,
    AgreementVersion,
    Concern,
    Condition,
    NamedPerson,
    Organisation,
    Vote,
)
from caldicott.governance.tables import (
    Finding as FindingRow,
)
from caldicott.store.control.base import utcnow


def _named(session: Session, who: Profile, app: Application, action: str) -> None:
    if who.email not in app.emails:
        raise PermissionDenied(f"{action}: {who.email} is not named on this application")


def _store_named(session: Session, row: AgreementVersion, app: Application) -> None:
    known = profiles(session, list(app.emails))
    for email, role in app.people:
        if email in known:
            session.add(NamedPerson(version_id=row.id, person_id=known[email].id, role=role))


def create(
    session: Session, app: Application, actor_email: str, at: datetime | None = None
) -> AgreementVersion:
    """A new agreement whose first version is a draft of ``app``."""
    at = at or utcnow()
    who, role = acting(session, actor_email, "agreement.create")
    _named(session, who, app, "agreement.create")
    org = session.scalar(select(Organisation).where(Organisation.code == app.organisation))
    if org is None:
        raise Conflict(f"applicant.organisation: {app.organisation} is not registered")
    owner = Agreement(reference="pending", organisation_id=org.id, created_at=at)
    session.add(owner)
    session.flush()
    owner.reference = records.reference_for(owner.id)
    row = _new_version(session, owner, 1, app, who, at)
    record_transition(session, row, "draft", who, role, at, "application created", from_state="new")
    return row


def _new_version(
    session: Session, owner: Agreement, number: int, app: Application, who: Profile, at: datetime
) -> AgreementVersion:
    row = AgreementVersion(
        agreement_id=owner.id,
        version=number,
        state="draft",
        title=app.title,
        purpose=app.purpose,
        identifiability=app.identifiability,
        commercial=app.commercial,
        duration_months=app.duration_months,
        document=records.encode(app),
        created_by_id=who.id,
        created_at=at,
    )
    session.add(row)
    session.flush()
    _store_named(session, row, app)
    return row


def amend(
    session: Session, reference: str, app: Application, actor_email: str, at: datetime | None = None
) -> AgreementVersion:
    """Revise a draft in place, or amend an approved or active agreement as a new version."""
    at = at or utcnow()
    who, role = acting(session, actor_email, "agreement.amend")
    latest = records.version(session, reference)
    _named(session, who, records.application_of(latest), "agreement.amend")
    if app.organisation != records.application_of(latest).organisation:
        raise Conflict("applicant.organisation: an amendment cannot change the organisation")
    if latest.state == "draft":
        latest.document = records.encode(app)
        latest.title, latest.purpose = app.title, app.purpose
        latest.identifiability, latest.commercial = app.identifiability, app.commercial
        latest.duration_months = app.duration_months
        for named in session.scalars(
            select(NamedPerson).where(NamedPerson.version_id == latest.id)
        ):
            session.delete(named)
        session.flush()
        _store_named(session, latest, app)
        move(session, latest, "draft", who, role, at, "draft revised by the applicant")
        return latest
    if latest.state not in ("approved", "active"):
        raise Conflict(
            f"agreement {reference} version {latest.version} is {latest.state}: only a draft, "
            "an approved or an active agreement can be amended"
        )
    owner = records.agreement(session, reference)
    row = _new_version(session, owner, latest.version + 1, app, who, at)
    record_transition(
        session,
        row,
        "draft",
        who,
        role,
        at,
        f"amendment of version {latest.version}",
        from_state="new",
    )
    return row


def submit(
    session: Session, reference: str, actor_email: str, at: datetime | None = None
) -> tuple[AgreementVersion, list[Finding]]:
    """Submit a draft: run the automatic checks, then refuse, return or send it to the panel."""
    at = at or utcnow()
    who, role = acting(session, actor_email, "agreement.submit")
    row = records.version(session, reference)
    app = records.application_of(row)
    _named(session, who, app, "agreement.submit")
    move(session, row, "submitted", who, role, at, "submitted by the applicant")
    people = profiles(session, list(app.emails))
    org = session.scalar(select(Organisation).where(Organisation.code == app.organisation))
    findings = checks.run_checks(app, people, org.kind if org else None, at.date())
    _store_findings(session, row, "submission", findings, at)
    result = checks.outcome(findings)
    counts = _counts(findings)
    if result == "refused":
        reasons = "; ".join(f.reason for f in findings if f.severity == "refuse")
        move(session, row, "rejected", None, "", at, f"refused automatically: {reasons}")
    elif result == "returned":
        move(session, row, "draft", None, "", at, f"returned to the applicant: {counts}")
    else:
        move(session, row, "checked", None, "", at, f"automatic checks passed: {counts}")
        move(session, row, "panel-review", None, "", at, "sent to the patient and public panel")
    return row, findings


def _counts(findings: list[Finding]) -> str:
    return ", ".join(f"{sum(f.severity == s for f in findings)} {s}" for s in checks.SEVERITIES)


def _store_findings(
    session: Session, row: AgreementVersion, stage: str, findings: list[Finding], at: datetime
) -> None:
    for f in findings:
        session.add(
            FindingRow(
                version_id=row.id,
                stage=stage,
                code=f.code,
                severity=f.severity,
                path=f.path,
                reason=f.reason,
                at=at,
            )
        )
    session.flush()


def _training_in_date(session: Session, row: AgreementVersion, stage: str, at: datetime) -> None:
    app = records.application_of(row)
    findings = checks.training_findings(app, profiles(session, list(app.emails)), at.date())
    if findings:
        _store_findings(session, row, stage, findings, at)
        raise Conflict(f"{stage}: {findings[0].reason}", findings=[f.to_dict() for f in findings])


def decide(
    session: Session,
    reference: str,
    actor_email: str,
    *,
    approve: bool,
    reason: str,
    conditions: list[str] | None = None,
    at: datetime | None = None,
) -> AgreementVersion:
    """The custodian's decision, after the panel: approve (with conditions) or reject."""
    at = at or utcnow()
    who, role = acting(session, actor_email, "agreement.decide")
    if not reason.strip():
        raise InvalidArgument("decide: a decision needs its reason")
    row = records.version(session, reference)
    if row.state != "panel-review":
        raise Conflict(
            f"agreement {reference} is {row.state}: "
            "only an application in panel review can be decided"
        )
    if approve:
        open_concerns = session.scalars(
            select(Concern.id).where(Concern.version_id == row.id, Concern.answer.is_(None))
        ).all()
        if open_concerns:
            listed = ", ".join(f"#{i}" for i in open_concerns)
            raise Conflict(f"decide: answer every panel concern first (open: {listed})")
        if session.scalar(select(Vote.id).where(Vote.version_id == row.id).limit(1)) is None:
            raise Conflict("decide: the panel has not voted on this application")
        _training_in_date(session, row, "decision", at)
    move(session, row, "custodian-decision", who, role, at, "panel review closed")
    for text in conditions or []:
        session.add(Condition(version_id=row.id, text=text.strip(), set_by_id=who.id, at=at))
    row.decided_at = at
    outcome = "approved" if approve else "rejected"
    with_conditions = f" with {len(conditions)} condition(s)" if approve and conditions else ""
    move(session, row, outcome, who, role, at, f"{outcome}{with_conditions}: {reason.strip()}")
    return row


def activate(
    session: Session, reference: str, actor_email: str, at: datetime | None = None
) -> AgreementVersion:
    """The applicant accepts an approved agreement and its conditions; it starts today."""
    at = at or utcnow()
    who, role = acting(session, actor_email, "agreement.activate")
    row = records.version(session, reference)
    _named(session, who, records.application_of(row), "agreement.activate")
    if row.state != "approved":
        raise Conflict(
            f"agreement {reference} is {row.state}: only an approved agreement can start"
        )
    _training_in_date(session, row, "activation", at)
    previous = [
        v
        for v in records.versions(session, row.agreement_id)
        if v.version < row.version and v.state in ("active", "suspended")
    ]
    row.starts_on = at.date()
    row.ends_on = add_months(at.date(), row.duration_months)
    move(session, row, "active", who, role, at, "agreement and its conditions accepted")
    for old in previous:
        move(session, old, "superseded", None, "", at, f"superseded by version {row.version}")
    return row
