"""The patient and public panel: read in plain language, vote, raise concerns, get answers.

Panel members vote (support, oppose, abstain; a later vote replaces the member's earlier
one) and raise concerns while an application is in panel review. The custodian answers
each concern; no approval is possible while any is unanswered. The panel's record (votes
counted, concerns and answers) is public: it appears in the lay view and on the register,
without the members' names or emails.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caldicott.consent.purposes import vocabulary
from caldicott.errors import Conflict, InvalidArgument, NotFound, PermissionDenied
from caldicott.governance import records
from caldicott.governance.people import Profile
from caldicott.governance.states import acting
from caldicott.governance.tables import AgreementVersion, Concern, Condition, Vote
from caldicott.store.control.base import utcnow

VOTES = ("support", "oppose", "abstain")
MAX_TEXT = 4000


def _in_review(
    session: Session, reference: str, email: str, action: str
) -> tuple[Profile, str, AgreementVersion]:
    who, role = acting(session, email, action)
    row = records.version(session, reference)
    if row.state != "panel-review":
        raise Conflict(
            f"agreement {reference} is {row.state}: the panel acts only during panel review",
            state=row.state,
        )
    return who, role, row


def _text(value: str, what: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidArgument(f"{what}: must not be empty")
    if len(text) > MAX_TEXT:
        raise InvalidArgument(f"{what}: at most {MAX_TEXT} characters")
    return text


def vote(
    session: Session,
    reference: str,
    actor_email: str,
    choice: str,
    comment: str = "",
    at: datetime | None = None,
) -> Vote:
    """A panel member's vote on the application in review (replacing their earlier vote)."""
    who, _role, row = _in_review(session, reference, actor_email, "panel.vote")
    if choice not in VOTES:
        raise InvalidArgument(f"vote {choice!r}: one of {', '.join(VOTES)}")
    if who.email in records.application_of(row).emails:
        raise PermissionDenied("panel.vote: a person named on an application cannot review it")
    at = at or utcnow()
    found = session.scalar(select(Vote).where(Vote.version_id == row.id, Vote.person_id == who.id))
    if found is None:
        found = Vote(
            version_id=row.id, person_id=who.id, vote=choice, comment=comment.strip(), at=at
        )
        session.add(found)
    else:
        found.vote, found.comment, found.at = choice, comment.strip(), at
    session.flush()
    return found


def raise_concern(
    session: Session, reference: str, actor_email: str, text: str, at: datetime | None = None
) -> Concern:
    """A panel member's concern; the custodian must answer it before any approval."""
    who, _role, row = _in_review(session, reference, actor_email, "panel.concern")
    if who.email in records.application_of(row).emails:
        raise PermissionDenied("panel.concern: a person named on an application cannot review it")
    concern = Concern(
        version_id=row.id,
        raised_by_id=who.id,
        text=_text(text, "concern"),
        raised_at=at or utcnow(),
    )
    session.add(concern)
    session.flush()
    return concern


def answer(
    session: Session, concern_id: int, actor_email: str, text: str, at: datetime | None = None
) -> Concern:
    """The custodian's answer to a concern (while the application is in panel review)."""
    who, _role = acting(session, actor_email, "panel.answer")
    concern = session.get(Concern, concern_id)
    if concern is None:
        raise NotFound(f"concern #{concern_id}: not found")
    row = session.get(AgreementVersion, concern.version_id)
    if row is None or row.state != "panel-review":
        state = row.state if row else "unknown"
        raise Conflict(f"concern #{concern_id}: the application is {state}, not in panel review")
    if concern.answer is not None:
        raise Conflict(f"concern #{concern_id}: already answered")
    concern.answer = _text(text, "answer")
    concern.answered_by_id = who.id
    concern.answered_at = at or utcnow()
    session.flush()
    return concern


def panel_record(session: Session, row: AgreementVersion) -> dict[str, Any]:
    """The public record of the panel's review of one version: counts, concerns, answers."""
    votes = session.scalars(select(Vote).where(Vote.version_id == row.id)).all()
    concerns = session.scalars(
        select(Concern).where(Concern.version_id == row.id).order_by(Concern.id)
    ).all()
    counts = {choice: sum(v.vote == choice for v in votes) for choice in VOTES}
    return {
        "votes": counts,
        "outcome": _outcome(counts),
        "concerns": [
            {
                "id": c.id,
                "concern": c.text,
                "raised_at": c.raised_at.isoformat(),
                "answer": c.answer,
                "answered_at": c.answered_at.isoformat() if c.answered_at else None,
            }
            for c in concerns
        ],
    }


def _outcome(counts: dict[str, int]) -> str:
    if not any(counts.values()):
        return "not reviewed"
    if counts["support"] > counts["oppose"]:
        return "supported"
    if counts["oppose"] > counts["support"]:
        return "opposed"
    return "divided"


def conditions(session: Session, row: AgreementVersion) -> list[str]:
    found = session.scalars(
        select(Condition.text).where(Condition.version_id == row.id).order_by(Condition.id)
    )
    return list(found)


#: States in which an application is still the applicant's own, not yet public.
PRIVATE_STATES = frozenset({"draft", "submitted", "checked"})


def lay_view(session: Session, row: AgreementVersion, *, public: bool = True) -> dict[str, Any]:
    """The application in plain language, for the panel and the public.

    The public sees an application once it reaches panel review (or is refused); staff
    (``public=False``) see drafts too.
    """
    if public and row.state in PRIVATE_STATES:
        raise PermissionDenied(
            f"lay view: version {row.version} is {row.state}; applications are public from "
            "panel review onwards (give --as EMAIL if you are staff)"
        )
    app = records.application_of(row)
    purpose = vocabulary().get(app.purpose)
    return {
        "agreement": records.reference_of(session, row),
        "version": row.version,
        "state": row.state,
        "title": app.title,
        "organisation": app.organisation,
        "purpose": {"code": purpose.code, "title": purpose.title, "in_plain_words": purpose.lay},
        "lay_summary": app.lay_summary,
        "public_benefit": app.public_benefit,
        "data_requested": [
            {"item": f"{c.view}.{c.column}", "why": c.justification} for c in app.columns
        ],
        "who_the_data_is_about": app.cohort,
        "period": {"start": app.period[0].isoformat(), "end": app.period[1].isoformat()},
        "how_identifiable": _IDENTIFIABILITY[app.identifiability],
        "sensitive_information_requested": [c for c, _ in app.sensitive],
        "commercial": app.commercial,
        "benefit_sharing": app.benefit_sharing or None,
        "opt_outs_apply": purpose.national_opt_out,
        "duration_months": app.duration_months,
        "conditions": conditions(session, row),
        "panel": panel_record(session, row),
    }


_IDENTIFIABILITY = {
    "aggregates": "Only counts and statistics; no record about any one person.",
    "de-identified": "Records about people with names, addresses, NHS numbers and exact dates "
    "removed or made less precise.",
    "pseudonymised": "Records about people where each person is replaced by a code only this "
    "project can use; names, addresses and NHS numbers are never released.",
}
