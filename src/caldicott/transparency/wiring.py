"""Taking events from capabilities that publish a change list rather than calling append.

The consent registry records every change as a new row and lists them with
``caldicott.consent.registry.changes_after(session, after_id)``. :func:`log_consent_changes`
appends one ``consent.change`` entry per change not yet logged (its category, the keyed hash
of the patient, the choice id, at the time it was recorded) and moves a cursor, in one
transaction: a change is logged exactly once however many times, or from however many
processes, it runs. ``caldicott log sync`` runs it.

Capabilities that hold the session when something happens (agreement transitions, key
operations, releases, access decisions) call :func:`caldicott.transparency.append` in
their own transaction instead; see docs/transparency.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import Table, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from caldicott.consent.registry import changes_after
from caldicott.transparency.entries import AGREEMENT_TRANSITION, CONSENT_CHANGE, PatientHasher
from caldicott.transparency.log import Event, append_many
from caldicott.transparency.tables import SyncCursor

CURSOR: Table = SyncCursor.__table__  # type: ignore[assignment]
CONSENT_SOURCE = "consent"
CONSENT_ACTOR = "consent-registry"


def _lock_cursor(session: Session, source: str) -> int:
    """Take the source's cursor row for this transaction and return its position.

    The row is created if missing with INSERT ... ON CONFLICT DO NOTHING, so two first
    writers cannot collide; then it is locked (FOR UPDATE on PostgreSQL; on SQLite an
    update takes the database's write lock).
    """
    dialect = session.get_bind().dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(make(CURSOR).values(source=source, position=0).on_conflict_do_nothing())
    where = CURSOR.c.source == source
    if dialect == "sqlite":
        session.execute(update(CURSOR).where(where).values(position=CURSOR.c.position))
        query = select(CURSOR.c.position).where(where)
    else:
        query = select(CURSOR.c.position).where(where).with_for_update()
    return int(session.execute(query).scalar_one())


def hold_consent_cursor(session: Session) -> None:
    """Take the consent cursor for this transaction before writing any consent change.

    Consent writers that take it first are serialised, so choice ids are assigned in
    commit order and the cursor can never pass an id whose transaction has not committed
    (which would leave that change out of the log).
    """
    _lock_cursor(session, CONSENT_SOURCE)


def log_consent_changes(session: Session, hasher: PatientHasher, batch: int = 10_000) -> int:
    """Append every consent change not yet in the log; return how many were appended."""
    position = _lock_cursor(session, CONSENT_SOURCE)
    total = 0
    while True:
        changes = changes_after(session, position, batch)
        if not changes:
            break
        append_many(
            session,
            [
                Event(
                    CONSENT_CHANGE,
                    CONSENT_ACTOR,
                    {
                        "category": c.category,
                        "patient": hasher(c.nhs_number),
                        "choice_id": c.choice_id,
                    },
                    c.recorded_at,
                )
                for c in changes
            ],
        )
        position = changes[-1].choice_id
        total += len(changes)
    session.execute(
        update(CURSOR).where(CURSOR.c.source == CONSENT_SOURCE).values(position=position)
    )
    return total


class TransitionLike(Protocol):
    """What governance's ``TransitionRecord`` carries (read by attribute; no import)."""

    @property
    def agreement(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def from_state(self) -> str: ...
    @property
    def to_state(self) -> str: ...
    @property
    def actor(self) -> str: ...
    @property
    def actor_role(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def reason(self) -> str: ...


def agreement_transition_event(record: TransitionLike) -> Event:
    """The log event for one agreement transition. Governance's ``record_transition`` (the
    one place transitions are written) wires the log with one line::

        transparency.append_many(session, [agreement_transition_event(record)])
    """
    return Event(
        AGREEMENT_TRANSITION,
        record.actor,
        {
            "agreement_id": record.agreement,
            "version": record.version,
            "from": record.from_state,
            "to": record.to_state,
            "actor_role": record.actor_role,
            "reason": record.reason,
        },
        record.at,
    )
