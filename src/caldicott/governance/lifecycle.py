"""An agreement in force: suspension, reinstatement, revocation, expiry and ``is_active``.

Only a custodian suspends, reinstates or revokes, always with a reason; expiry is recorded
by the system for every agreement past its end date whenever state is changed or read
through :func:`expire_due`. Later capabilities (releases) ask :func:`is_active`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from caldicott.errors import Conflict, InvalidArgument
from caldicott.governance import records
from caldicott.governance.records import TransitionRecord
from caldicott.governance.states import acting, move
from caldicott.governance.tables import AgreementVersion
from caldicott.store.control.base import utcnow


def _custodian_step(
    session: Session,
    reference: str,
    actor_email: str,
    action: str,
    to_state: str,
    reason: str,
    at: datetime | None,
    from_states: tuple[str, ...],
) -> AgreementVersion:
    at = at or utcnow()
    who, role = acting(session, actor_email, action)
    if not reason.strip():
        raise InvalidArgument(f"{action}: give the reason")
    expire_due(session, at)
    row = current(session, reference)
    if row.state not in from_states:
        raise Conflict(
            f"agreement {reference} is {row.state}: {action} needs it {' or '.join(from_states)}",
            state=row.state,
        )
    move(session, row, to_state, who, role, at, reason.strip())
    return row


def suspend(
    session: Session, reference: str, actor_email: str, reason: str, at: datetime | None = None
) -> AgreementVersion:
    return _custodian_step(
        session, reference, actor_email, "agreement.suspend", "suspended", reason, at, ("active",)
    )


def reinstate(
    session: Session, reference: str, actor_email: str, reason: str, at: datetime | None = None
) -> AgreementVersion:
    return _custodian_step(
        session, reference, actor_email, "agreement.reinstate", "active", reason, at, ("suspended",)
    )


def revoke(
    session: Session, reference: str, actor_email: str, reason: str, at: datetime | None = None
) -> AgreementVersion:
    states = ("approved", "active", "suspended")
    return _custodian_step(
        session, reference, actor_email, "agreement.revoke", "revoked", reason, at, states
    )


def current(session: Session, reference: str) -> AgreementVersion:
    """The version in force (active, suspended or approved), else the latest version."""
    all_versions = records.versions(session, records.agreement(session, reference).id)
    for state in ("active", "suspended", "approved"):
        for row in reversed(all_versions):
            if row.state == state:
                return row
    return all_versions[-1]


def expire_due(session: Session, at: datetime | None = None) -> list[TransitionRecord]:
    """Record the expiry of every active or suspended version past its end date."""
    at = at or utcnow()
    due = session.scalars(
        select(AgreementVersion).where(
            AgreementVersion.state.in_(("active", "suspended")),
            AgreementVersion.ends_on <= at.date(),
        )
    ).all()
    return [
        move(session, row, "expired", None, "", at, f"the agreement ended on {row.ends_on}")
        for row in due
    ]


def is_active(row: AgreementVersion, at: datetime) -> bool:
    """Whether this version allows use at ``at``: active, started and not past its end."""
    return (
        row.state == "active"
        and row.starts_on is not None
        and row.ends_on is not None
        and row.starts_on <= at.date() < row.ends_on
    )
