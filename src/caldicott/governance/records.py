"""Finding agreements and their versions, and recording each workflow transition.

:func:`record_transition` is the one place a transition is written. Each is a clean record
(agreement reference and version, from, to, actor and role, time, reason) so the
transparency log can take it as an entry: wire ``caldicott.transparency`` there, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from caldicott.errors import InvalidArgument, NotFound
from caldicott.governance.application import Application, parse
from caldicott.governance.people import Profile
from caldicott.governance.tables import Agreement, AgreementVersion, Transition
from caldicott.transparency.log import append_many
from caldicott.transparency.wiring import agreement_transition_event

SYSTEM = "system"
_REFERENCE = re.compile(r"^(?:DUA-)?0*(\d+)$", re.IGNORECASE)


@dataclass(frozen=True)
class TransitionRecord:
    agreement: str
    version: int
    from_state: str
    to_state: str
    actor: str
    actor_role: str
    at: datetime
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "agreement": self.agreement,
            "version": self.version,
            "from": self.from_state,
            "to": self.to_state,
            "actor": self.actor,
            "actor_role": self.actor_role,
            "at": self.at.isoformat(),
            "reason": self.reason,
        }


def reference_for(agreement_id: int) -> str:
    return f"DUA-{agreement_id:04d}"


def parse_reference(text: str) -> int:
    """The agreement id in ``DUA-0001`` or ``1``."""
    match = _REFERENCE.fullmatch(text.strip())
    if match is None:
        raise InvalidArgument(f"agreement {text!r}: give a reference such as DUA-0001")
    return int(match.group(1))


def agreement(session: Session, reference: str) -> Agreement:
    found = session.get(Agreement, parse_reference(reference))
    if found is None:
        raise NotFound(f"agreement {reference}: not found")
    return found


def versions(session: Session, agreement_id: int) -> list[AgreementVersion]:
    return list(
        session.scalars(
            select(AgreementVersion)
            .where(AgreementVersion.agreement_id == agreement_id)
            .order_by(AgreementVersion.version)
        )
    )


def version(session: Session, reference: str, number: int | None = None) -> AgreementVersion:
    """A version of an agreement: the latest unless ``number`` is given."""
    found = agreement(session, reference)
    all_versions = versions(session, found.id)
    if number is None:
        return all_versions[-1]
    for item in all_versions:
        if item.version == number:
            return item
    raise NotFound(f"agreement {found.reference}: no version {number}")


def reference_of(session: Session, row: AgreementVersion) -> str:
    owner = session.get(Agreement, row.agreement_id)
    if owner is None:  # pragma: no cover - the foreign key guarantees it
        raise NotFound(f"agreement {row.agreement_id}: not found")
    return owner.reference


def application_of(row: AgreementVersion) -> Application:
    """The parsed application document a version carries."""
    document: dict[str, Any] = orjson.loads(row.document)
    return parse(document, source=f"version {row.version}")


def encode(app: Application) -> str:
    return orjson.dumps(app.document, option=orjson.OPT_SORT_KEYS).decode()


def record_transition(
    session: Session,
    row: AgreementVersion,
    to_state: str,
    actor: Profile | None,
    role: str,
    at: datetime,
    reason: str,
    *,
    from_state: str | None = None,
) -> TransitionRecord:
    """Move a version to ``to_state`` and write the transition (the one place)."""
    before = row.state if from_state is None else from_state
    record = TransitionRecord(
        agreement=reference_of(session, row),
        version=row.version,
        from_state=before,
        to_state=to_state,
        actor=actor.email if actor else SYSTEM,
        actor_role=role if actor else SYSTEM,
        at=at,
        reason=reason,
    )
    row.state = to_state
    session.add(
        Transition(
            version_id=row.id,
            from_state=record.from_state,
            to_state=record.to_state,
            actor_id=actor.id if actor else None,
            actor=record.actor,
            actor_role=record.actor_role,
            at=at,
            reason=reason,
        )
    )
    session.flush()
    # Every transition is a transparency-log entry, in the same transaction (B3).
    append_many(session, [agreement_transition_event(record)])
    return record


def transitions(session: Session, row: AgreementVersion) -> list[TransitionRecord]:
    reference = reference_of(session, row)
    found = session.scalars(
        select(Transition).where(Transition.version_id == row.id).order_by(Transition.id)
    )
    return [
        TransitionRecord(
            reference, row.version, t.from_state, t.to_state, t.actor, t.actor_role, t.at, t.reason
        )
        for t in found
    ]
