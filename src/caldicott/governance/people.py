"""Organisations, people, their roles and their training attestations (safe people).

The first organisation and the first person may be added without an acting person (the
bootstrap of a new environment); that first person must be an administrator. After that,
only an administrator adds organisations and people and records training.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caldicott.errors import Conflict, InvalidArgument, NotFound, PermissionDenied
from caldicott.governance.access import ROLES, require
from caldicott.governance.tables import Organisation, Person, PersonRole, Training
from caldicott.store.control.base import utcnow

ORGANISATION_KINDS = ("nhs", "academic", "commercial", "charity")
#: Training every person named on an application must hold, in date.
REQUIRED_TRAINING = ("data-security-awareness",)
TRAINING_VALIDITY = timedelta(days=365)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")
_KIND = re.compile(r"^[a-z][a-z0-9-]{1,59}$")


@dataclass(frozen=True)
class TrainingRecord:
    kind: str
    completed_on: date
    expires_on: date

    def in_date(self, on: date) -> bool:
        return self.completed_on <= on < self.expires_on


@dataclass(frozen=True)
class Profile:
    """What governance needs to know about a person: who, where, roles and training."""

    id: int
    email: str
    name: str
    organisation: str
    organisation_kind: str
    roles: frozenset[str]
    training: tuple[TrainingRecord, ...] = field(default=())

    def missing_training(self, on: date) -> list[str]:
        """Required training kinds with no attestation in date on ``on``."""
        return [
            kind
            for kind in REQUIRED_TRAINING
            if not any(t.kind == kind and t.in_date(on) for t in self.training)
        ]

    def to_dict(self) -> dict[str, object]:
        return {
            "email": self.email,
            "name": self.name,
            "organisation": self.organisation,
            "roles": sorted(self.roles),
            "training": [
                {
                    "kind": t.kind,
                    "completed_on": t.completed_on.isoformat(),
                    "expires_on": t.expires_on.isoformat(),
                }
                for t in self.training
            ],
        }


def _bootstrapping(session: Session) -> bool:
    return (session.scalar(select(func.count()).select_from(Person)) or 0) == 0


def _authorise(session: Session, actor_email: str | None, action: str) -> Profile | None:
    if actor_email is None:
        if _bootstrapping(session):
            return None
        raise PermissionDenied(f"{action}: an acting person (--as EMAIL) is required")
    actor = profile(session, actor_email)
    require(actor.roles, action)
    return actor


def add_organisation(
    session: Session, code: str, name: str, kind: str, *, actor: str | None
) -> Organisation:
    _authorise(session, actor, "organisation.add")
    if not _CODE.fullmatch(code):
        raise InvalidArgument(f"organisation code {code!r}: use 2-20 capitals, digits or '-'")
    if kind not in ORGANISATION_KINDS:
        raise InvalidArgument(f"organisation kind {kind!r}: one of {', '.join(ORGANISATION_KINDS)}")
    if not name.strip():
        raise InvalidArgument("organisation name: must not be empty")
    if session.scalar(select(Organisation).where(Organisation.code == code)) is not None:
        raise Conflict(f"organisation {code} already exists")
    org = Organisation(code=code, name=name.strip(), kind=kind, created_at=utcnow())
    session.add(org)
    session.flush()
    return org


def organisation(session: Session, code: str) -> Organisation:
    found = session.scalar(select(Organisation).where(Organisation.code == code))
    if found is None:
        raise NotFound(f"organisation {code}: not found")
    return found


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.code)))


def add_person(
    session: Session,
    email: str,
    name: str,
    organisation_code: str,
    roles: list[str],
    *,
    actor: str | None,
) -> Profile:
    bootstrap = actor is None and _bootstrapping(session)
    _authorise(session, actor, "person.add")
    email = email.strip().lower()
    if not _EMAIL.fullmatch(email):
        raise InvalidArgument(f"email {email!r}: not an email address")
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise InvalidArgument(
            f"role {bad[0]!r}: one of {', '.join(ROLES)} (patients are not staff)"
        )
    if not roles:
        raise InvalidArgument("roles: give at least one --role")
    if bootstrap and "administrator" not in roles:
        raise PermissionDenied("person.add: the first person must be an administrator")
    if session.scalar(select(Person).where(Person.email == email)) is not None:
        raise Conflict(f"person {email} already exists")
    org = organisation(session, organisation_code)
    person = Person(email=email, name=name.strip(), organisation_id=org.id, created_at=utcnow())
    session.add(person)
    session.flush()
    for role in sorted(set(roles)):
        session.add(PersonRole(person_id=person.id, role=role))
    session.flush()
    return profile(session, email)


def record_training(
    session: Session,
    email: str,
    kind: str,
    completed_on: date,
    expires_on: date | None = None,
    *,
    actor: str | None,
) -> Profile:
    who = _authorise(session, actor, "person.train")
    if not _KIND.fullmatch(kind):
        raise InvalidArgument(f"training kind {kind!r}: use lower-case words joined by '-'")
    expires = expires_on or completed_on + TRAINING_VALIDITY
    if expires <= completed_on:
        raise InvalidArgument("training: expires_on must be after completed_on")
    person = _person(session, email)
    session.add(
        Training(
            person_id=person.id,
            kind=kind,
            completed_on=completed_on,
            expires_on=expires,
            recorded_by_id=who.id if who else None,
            recorded_at=utcnow(),
        )
    )
    session.flush()
    return profile(session, email)


def _person(session: Session, email: str) -> Person:
    found = session.scalar(select(Person).where(Person.email == email.strip().lower()))
    if found is None:
        raise NotFound(f"person {email}: not found")
    return found


def profile(session: Session, email: str) -> Profile:
    """The person with this email, their organisation, roles and training."""
    person = _person(session, email)
    return profile_of(session, person)


def profile_of(session: Session, person: Person) -> Profile:
    org = session.get(Organisation, person.organisation_id)
    assert org is not None
    roles = session.scalars(select(PersonRole.role).where(PersonRole.person_id == person.id))
    training = session.scalars(
        select(Training).where(Training.person_id == person.id).order_by(Training.completed_on)
    )
    return Profile(
        id=person.id,
        email=person.email,
        name=person.name,
        organisation=org.code,
        organisation_kind=org.kind,
        roles=frozenset(roles),
        training=tuple(TrainingRecord(t.kind, t.completed_on, t.expires_on) for t in training),
    )


def profiles(session: Session, emails: list[str]) -> dict[str, Profile]:
    """Profiles of the people with these emails that exist (unknown emails are left out)."""
    found = session.scalars(select(Person).where(Person.email.in_([e.lower() for e in emails])))
    return {p.email: profile_of(session, p) for p in found}


def list_people(session: Session) -> list[Profile]:
    return [profile_of(session, p) for p in session.scalars(select(Person).order_by(Person.email))]
