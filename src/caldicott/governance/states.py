"""The states of an agreement version, the moves allowed between them, and the acting person.

:data:`TRANSITIONS` is the whole state machine: a move it does not list is out of order and
raises Conflict (exit 5). :func:`acting` checks the actor's role first (PermissionDenied,
exit 6), so a wrong role is refused before the state is even looked at.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from caldicott.errors import Conflict
from caldicott.governance import records
from caldicott.governance.access import require
from caldicott.governance.people import Profile, profile
from caldicott.governance.records import TransitionRecord, record_transition
from caldicott.governance.tables import AgreementVersion

STATES = (
    "draft",
    "submitted",
    "checked",
    "panel-review",
    "custodian-decision",
    "approved",
    "rejected",
    "active",
    "suspended",
    "revoked",
    "expired",
    "superseded",
)
#: from -> the states a version may move to. Anything else is out of order (Conflict).
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"draft"}),
    "draft": frozenset({"draft", "submitted"}),
    "submitted": frozenset({"checked", "rejected", "draft"}),
    "checked": frozenset({"panel-review"}),
    "panel-review": frozenset({"custodian-decision"}),
    "custodian-decision": frozenset({"approved", "rejected"}),
    "approved": frozenset({"active", "revoked"}),
    "active": frozenset({"suspended", "revoked", "expired", "superseded"}),
    "suspended": frozenset({"active", "revoked", "expired"}),
    "rejected": frozenset(),
    "revoked": frozenset(),
    "expired": frozenset(),
    "superseded": frozenset(),
}
TERMINAL = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)


def move(
    session: Session,
    row: AgreementVersion,
    to_state: str,
    actor: Profile | None,
    role: str,
    at: datetime,
    reason: str,
) -> TransitionRecord:
    if to_state not in TRANSITIONS.get(row.state, frozenset()):
        ref = records.reference_of(session, row)
        raise Conflict(
            f"agreement {ref} version {row.version} is {row.state}: it cannot move to {to_state}",
            state=row.state,
        )
    return record_transition(session, row, to_state, actor, role, at, reason)


def acting(session: Session, email: str, action: str) -> tuple[Profile, str]:
    who = profile(session, email)
    return who, require(who.roles, action)


def add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError("unreachable")  # pragma: no cover
