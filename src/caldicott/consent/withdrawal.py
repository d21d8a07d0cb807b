"""Withdrawal: later decisions change at once; earlier releases that included the patient
are marked "withdrawn after release".

A withdrawal needs no special handling to take effect: it is a new choice version, so every
later decision and snapshot sees it. What it cannot undo is a release already made. This
module finds those releases, given a lookup of the releases a patient was in (the release
capability owns that membership), and records a mark for each, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caldicott.consent.decide import check_nhs_number, check_time, evaluate
from caldicott.consent.registry import SessionSource
from caldicott.consent.tables import WithdrawalMark


@dataclass(frozen=True)
class Membership:
    """One release that included the patient: for which purpose and agreement, and when."""

    release_id: str
    purpose: str
    agreement: str | None
    released_at: datetime


MembershipLookup = Callable[[str], Iterable[Membership]]


def affected_releases(
    session: Session, nhs_number: str, membership: MembershipLookup, at: datetime | None = None
) -> list[tuple[Membership, int]]:
    """Releases made before ``at`` that included the patient and that their choices now
    refuse, each with the id of the choice version that refuses it."""
    number = check_nhs_number(nhs_number)
    when = check_time(at)
    versions = SessionSource(session).versions(number)
    out: list[tuple[Membership, int]] = []
    for m in membership(number):
        if m.released_at >= when:
            continue
        decision = evaluate(versions, m.purpose, agreement=m.agreement, at=when)
        if decision.permitted:
            continue
        deciding = next(s for s in decision.steps if s.verdict == "satisfied")
        if not deciding.records:  # refused by the vocabulary, not by a choice of the patient
            continue
        out.append((m, int(deciding.records[-1]["record"])))
    return out


def mark_withdrawals(
    session: Session, nhs_number: str, membership: MembershipLookup, at: datetime | None = None
) -> list[str]:
    """Record a "withdrawn after release" mark for each affected release (once each);
    returns the ids of the releases affected."""
    number = check_nhs_number(nhs_number)
    affected = affected_releases(session, number, membership, at)
    existing = {
        (r, c)
        for r, c in session.execute(
            select(WithdrawalMark.release_id, WithdrawalMark.choice_id).where(
                WithdrawalMark.nhs_number == number
            )
        )
    }
    now = datetime.now(UTC)
    for m, choice_id in affected:
        if (m.release_id, choice_id) not in existing:
            session.add(
                WithdrawalMark(
                    nhs_number=number, release_id=m.release_id, choice_id=choice_id, marked_at=now
                )
            )
            existing.add((m.release_id, choice_id))
    session.flush()
    return sorted({m.release_id for m, _ in affected})


def marks_for_release(session: Session, release_id: str) -> list[dict[str, Any]]:
    """The "withdrawn after release" marks of one release (no NHS numbers: counts and ids)."""
    rows = session.scalars(
        select(WithdrawalMark)
        .where(WithdrawalMark.release_id == release_id)
        .order_by(WithdrawalMark.id)
    )
    return [{"choice_id": r.choice_id, "marked_at": r.marked_at.isoformat()} for r in rows]
